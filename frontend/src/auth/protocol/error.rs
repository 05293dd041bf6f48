//! Every way authentication can fail, as `Clone + PartialEq` enums so an error can live in the
//! model and be compared in tests. Code decides on variants, never on a message's text; each message
//! says what a person (or a developer) should do next, once.

use thiserror::Error;

/// A failed check on an ID token. A token failing any of these is discarded whole.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TokenError {
    /// Not three base64url parts of JSON, or a header the app must not ignore (`crit`). The text is
    /// fixed: nothing from the token is repeated.
    #[error("malformed token: {0}")]
    Malformed(&'static str),
    /// Anything but RS256 (notably `none` and HS256). The value is not repeated: it is the
    /// attacker's text.
    #[error("token algorithm is not accepted (RS256 only)")]
    Algorithm,
    /// A claim OpenID Connect requires in every ID token (`iss`, `sub`, `aud`, `exp`, `iat`,
    /// OIDC Core §2) is absent.
    #[error("token has no `{0}` claim, which every ID token must carry")]
    MissingClaim(&'static str),
    /// No usable key with the token's `kid` in the issuer's JWKS, even after refetching.
    #[error("token signed with a key the issuer does not publish")]
    UnknownKey,
    /// The token names no key (`kid`) while the issuer publishes several it could be signed with:
    /// OIDC Core §10.1 requires a `kid` then, and this app does not guess.
    #[error("token names no signing key (kid) and the issuer publishes several")]
    KeyIdAbsent,
    /// WebCrypto said the signature does not match.
    #[error("token signature is invalid")]
    Signature,
    /// `iss` differs from the configured issuer.
    #[error("token issuer is not the configured issuer")]
    Issuer,
    /// `aud` does not contain the client id.
    #[error("token audience does not include this app")]
    Audience,
    /// `azp` present and not the client id, or absent with several audiences.
    #[error("token authorized party is not this app")]
    AuthorizedParty,
    /// `exp` in the past (beyond the leeway).
    #[error("token expired")]
    Expired,
    /// `iat` in the future (beyond the leeway): a clock problem or a forged token.
    #[error("token issued in the future")]
    IssuedInFuture,
    /// `nonce` differs from the one this tab sent: a replayed or injected token.
    #[error("token nonce does not match the request")]
    Nonce,
    /// `at_hash` does not bind this access token to the ID token.
    #[error("access token does not match the ID token (at_hash)")]
    AtHash,
    /// A renewal returned a different user than the current session.
    #[error("renewal returned another user")]
    SubjectChanged,
}

/// Which step of a silent renewal hung, so the message can name the likely causes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum TimeoutStep {
    /// Nothing loaded in the frame: the provider never answered `/authorize`.
    #[error("loading /authorize in the hidden frame: the provider did not answer")]
    Authorize,
    /// A page loaded in the frame but never posted: an error page, a wrong redirect, framing refused.
    #[error("a page loaded in the frame but never posted the renewal result")]
    SilentPage,
}

impl TimeoutStep {
    /// What to check for this step.
    pub fn likely_causes(self, silent_uri: &str) -> String {
        match self {
            Self::SilentPage => format!(
                "Likely causes: {silent_uri} is not an allowed callback URL for this client, the provider refused \
                 to be framed (X-Frame-Options / frame-ancestors), or the backend's APP_ORIGIN is not this app"
            ),
            Self::Authorize => {
                "Likely causes: the provider is slow or overloaded, or a network filter holds the request".to_owned()
            }
        }
    }
}

/// Every failure of login, renewal, configuration or storage.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AuthError {
    /// `/auth_config.json` missing or invalid.
    #[error("configuration: {0}")]
    Config(String),
    /// The discovery document belongs to another issuer than the configured one.
    // Quoted and cleaned by `shown`, not `{:?}`: Debug escaping of a str costs ~3 KB of wasm tables.
    #[error("configuration: the provider's discovery document names issuer “{}”, but `issuer` is “{}”", shown(.found, MAX_DESCRIPTION_CHARS), shown(.expected, MAX_DESCRIPTION_CHARS))]
    IssuerMismatch {
        /// The configured issuer.
        expected: String,
        /// What discovery says.
        found: String,
    },
    /// No answer at all from the provider (down, offline, refused by CORS).
    #[error("the identity provider is unreachable ({0})")]
    Unreachable(String),
    /// The provider answered, but not with what the protocol says (an error status, bad JSON).
    #[error("the identity provider's {what} is not usable: {detail}")]
    BadAnswer {
        /// Which document or endpoint.
        what: &'static str,
        /// What was wrong with it.
        detail: String,
    },
    /// The provider answered with an OAuth error (`error`, `error_description`).
    #[error("{}", describe_oauth(.error, .description.as_deref()))]
    OAuth {
        /// OAuth error code.
        error: String,
        /// Human-readable description from the provider.
        description: Option<String>,
    },
    /// The redirect or token response could not be used. The text is fixed: nothing from the
    /// response is repeated.
    #[error("malformed authorization response: {0}")]
    MalformedResponse(&'static str),
    /// `state` unknown to this tab, or used before: a replayed or forged response.
    #[error("authorization response with an unknown or already used state")]
    UnknownState,
    /// The tokens failed verification.
    #[error("token rejected: {0}")]
    Token(#[from] TokenError),
    /// The silent renewal frame did not answer in time.
    #[error("silent renewal got no answer within {after_ms} ms (step: {step}). {}", step.likely_causes(.silent_uri))]
    Timeout {
        /// How long it waited.
        after_ms: u32,
        /// The step that hung.
        step: TimeoutStep,
        /// The silent redirect URI in use.
        silent_uri: String,
    },
    /// Log Out, or a login in another tab, happened while this was in flight: nothing was stored.
    #[error("the session changed (logout or another login) while this was in progress; nothing was stored")]
    Superseded,
    /// The stored session names another issuer or client, or no user: left by another
    /// configuration of this origin, or planted. It is removed, never shown as signed in.
    #[error("the stored session was not issued to this app by the configured provider; it was removed. Log in again")]
    ForeignSession,
    /// An operation that needs a session was asked for with none.
    #[error("not logged in")]
    NoSession,
    /// Browser API failure (storage, crypto, DOM).
    #[error("browser: {0}")]
    Browser(String),
}

fn describe_oauth(error: &str, description: Option<&str>) -> String {
    let error = shown(error, MAX_ERROR_CODE_CHARS);
    match description.map(|d| shown(d, MAX_DESCRIPTION_CHARS)) {
        Some(d) if !d.is_empty() => format!("{error}: {d}"),
        _ => error,
    }
}

/// Longest OAuth `error` code shown; real ones are a few words.
const MAX_ERROR_CODE_CHARS: usize = 64;
/// Longest provider `error_description` shown.
pub const MAX_DESCRIPTION_CHARS: usize = 300;

/// Provider text made safe to show: control, format and bidi characters (which can reorder what a
/// reader sees, or fake a line of the page) become spaces, runs of spaces collapse, and the text is
/// cut at `max` characters.
pub fn shown(text: &str, max: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max * 4));
    let mut count = 0;
    let mut pending_space = false;
    for c in text.chars() {
        if c.is_control() || c.is_whitespace() || is_format(c) {
            pending_space = !out.is_empty();
            continue;
        }
        if count + usize::from(pending_space) >= max {
            out.push('…');
            break;
        }
        if pending_space {
            out.push(' ');
            count += 1;
            pending_space = false;
        }
        out.push(c);
        count += 1;
    }
    out
}

/// Unicode format characters that change how text is displayed without being visible: bidi
/// embeddings, overrides and isolates, marks, zero-width characters, the BOM.
fn is_format(c: char) -> bool {
    matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2069}' | '\u{feff}' | '\u{061c}')
}

impl AuthError {
    /// The provider says the user must sign in again: renewing cannot help, the session is over.
    pub fn ends_session(&self) -> bool {
        matches!(self, Self::OAuth { error, .. }
            if matches!(error.as_str(), "login_required" | "consent_required" | "interaction_required"))
    }

    /// Worth retrying later (network trouble, a slow provider); a rejected token is not.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Unreachable(_) | Self::BadAnswer { .. } | Self::Timeout { .. } | Self::Browser(_) => true,
            Self::OAuth { error, .. } => matches!(error.as_str(), "temporarily_unavailable" | "server_error"),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_interaction_errors_end_the_session() {
        let oauth = |e: &str| AuthError::OAuth { error: e.into(), description: None };
        assert!(oauth("login_required").ends_session());
        assert!(oauth("consent_required").ends_session());
        assert!(oauth("interaction_required").ends_session());
        assert!(!oauth("access_denied").ends_session());
        assert!(!AuthError::UnknownState.ends_session());
        assert!(oauth("temporarily_unavailable").is_transient());
        assert!(AuthError::Unreachable("offline".into()).is_transient());
        assert!(!AuthError::Token(TokenError::Signature).is_transient());
        assert!(!AuthError::Superseded.is_transient());
    }

    #[test]
    fn messages_name_the_cause_once() {
        let e = AuthError::OAuth {
            error: "login_required".into(),
            description: Some("End-User authentication is required".into()),
        };
        assert_eq!(e.to_string(), "login_required: End-User authentication is required");
        let silent = "http://localhost:3001/silent".to_owned();
        let posted_nothing =
            AuthError::Timeout { after_ms: 1_200, step: TimeoutStep::SilentPage, silent_uri: silent.clone() };
        assert!(posted_nothing.to_string().contains("http://localhost:3001/silent is not an allowed callback URL"));
        let no_answer = AuthError::Timeout { after_ms: 10_000, step: TimeoutStep::Authorize, silent_uri: silent };
        assert!(no_answer.to_string().contains("step: loading /authorize in the hidden frame"), "{no_answer}");
        assert!(no_answer.to_string().contains("the provider is slow"), "{no_answer}");
        assert!(!no_answer.to_string().contains("allowed callback URL"));
        let down = AuthError::Unreachable("connection refused".into()).to_string();
        assert_eq!(down, "the identity provider is unreachable (connection refused)");
        assert_eq!(down.matches("identity provider").count(), 1, "no doubled wording");
    }
}
