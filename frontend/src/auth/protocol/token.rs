//! The token endpoint, as pure string work: the bodies of the code exchange (RFC 6749 §4.1.3 with
//! the PKCE verifier, RFC 7636 §4.5), the refresh (§6) and the revocation (RFC 7009 §2.1); and
//! the strict reading of what comes back (§5.1, §5.2). A response that is not exactly what the
//! protocol says is refused, never half-used.

use serde::Deserialize;

use super::authorize::query;
use super::config::AuthConfig;
use super::error::AuthError;
use super::response::MAX_EXPIRES_IN;

/// The body of the code exchange.
pub fn code_exchange_body(cfg: &AuthConfig, code: &str, verifier: &str, redirect_uri: &str) -> String {
    query(&[
        ("grant_type", "authorization_code"),
        ("client_id", &cfg.client_id),
        ("code", code),
        ("code_verifier", verifier),
        ("redirect_uri", redirect_uri),
    ])
}

/// The body of a refresh.
pub fn refresh_body(cfg: &AuthConfig, refresh_token: &str) -> String {
    query(&[("grant_type", "refresh_token"), ("client_id", &cfg.client_id), ("refresh_token", refresh_token)])
}

/// The body of a revocation of the refresh token.
pub fn revocation_body(cfg: &AuthConfig, refresh_token: &str) -> String {
    query(&[("client_id", &cfg.client_id), ("token", refresh_token), ("token_type_hint", "refresh_token")])
}

/// A successful token response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenResponse {
    /// The new access token.
    pub access_token: String,
    /// Its lifetime in seconds.
    pub expires_in: u64,
    /// A new ID token (always after a code exchange; usually after a refresh).
    pub id_token: Option<String>,
    /// A new refresh token: with rotation, the old one is spent.
    pub refresh_token: Option<String>,
    /// `token_type: DPoP`: the access token is bound to the key of the proof that asked for it.
    pub bound: bool,
}

/// Largest token endpoint answer read: tokens are a few KB each.
pub const MAX_TOKEN_RESPONSE_BYTES: usize = 64 * 1024;

/// A 200 answer as it comes (RFC 6749 §5.1); [`parse_token_response`] decides what of it is usable.
#[derive(Deserialize)]
struct Answer {
    access_token: Option<String>,
    token_type: Option<String>,
    expires_in: Option<serde_json::Number>,
    id_token: Option<String>,
    refresh_token: Option<String>,
}

/// A 400/401 answer (RFC 6749 §5.2).
#[derive(Deserialize)]
struct Failure {
    error: String,
    error_description: Option<String>,
}

/// Reads a token endpoint's answer: the tokens on 200, the OAuth error on 400/401, and anything
/// else as a provider that did not answer as the protocol says (transient: it is retried).
/// `token_type` must be `Bearer`, or `DPoP` when the request carried a proof (`dpop_sent`).
pub fn parse_token_response(status: u16, body: &str, dpop_sent: bool) -> Result<TokenResponse, AuthError> {
    let bad = |detail: &str| AuthError::BadAnswer { what: "token endpoint", detail: detail.to_owned() };
    if body.len() > MAX_TOKEN_RESPONSE_BYTES {
        return Err(bad("an answer larger than any token response"));
    }
    match status {
        200 => {
            let not_tokens = || bad("a 200 answer that is not a token response");
            let answer: Answer = serde_json::from_str(body).map_err(|_| not_tokens())?;
            let (Some(access_token), Some(token_type)) = (answer.access_token, answer.token_type) else {
                return Err(not_tokens());
            };
            let bound = dpop_sent && token_type.eq_ignore_ascii_case("dpop");
            if !bound && !token_type.eq_ignore_ascii_case("bearer") {
                return Err(AuthError::MalformedResponse("a token_type that was not asked for"));
            }
            let expires_in = answer
                .expires_in
                .as_ref()
                .and_then(serde_json::Number::as_u64)
                .filter(|&s| s > 0 && s <= MAX_EXPIRES_IN)
                .ok_or(AuthError::MalformedResponse("expires_in must be a positive number of seconds"))?;
            if access_token.is_empty() {
                return Err(AuthError::MalformedResponse("empty access_token"));
            }
            let nonempty = |v: Option<String>| v.filter(|s| !s.is_empty());
            Ok(TokenResponse {
                access_token,
                expires_in,
                id_token: nonempty(answer.id_token),
                refresh_token: nonempty(answer.refresh_token),
                bound,
            })
        }
        400 | 401 => match serde_json::from_str::<Failure>(body) {
            Ok(Failure { error, error_description }) => Err(AuthError::OAuth { error, description: error_description }),
            Err(_) => Err(bad(&format!("HTTP {status} without an OAuth error"))),
        },
        other => Err(bad(&format!("HTTP {other}"))),
    }
}

/// `use_dpop_nonce`: the provider wants its nonce in the proof (RFC 9449 §8); asked once, retried once.
pub fn is_use_dpop_nonce(error: &AuthError) -> bool {
    matches!(error, AuthError::OAuth { error, .. } if error == "use_dpop_nonce")
}

/// `invalid_grant`: the code or refresh token is spent, expired or revoked. For a refresh token it
/// means "this path is over", not "try again later".
pub fn is_invalid_grant(error: &AuthError) -> bool {
    matches!(error, AuthError::OAuth { error, .. } if error == "invalid_grant")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::protocol::config::tests::local;

    #[test]
    fn bodies_carry_exactly_the_protocols_parameters() {
        assert_eq!(
            code_exchange_body(&local(), "c&1", "v", "http://localhost:5000/callback"),
            "grant_type=authorization_code&client_id=dev-spa-client&code=c%261&code_verifier=v\
             &redirect_uri=http%3A%2F%2Flocalhost%3A5000%2Fcallback"
        );
        assert_eq!(
            refresh_body(&local(), "rt+/="),
            "grant_type=refresh_token&client_id=dev-spa-client&refresh_token=rt%2B%2F%3D"
        );
        assert_eq!(revocation_body(&local(), "rt"), "client_id=dev-spa-client&token=rt&token_type_hint=refresh_token");
    }

    #[test]
    fn a_token_response_parses() {
        let body = r#"{"access_token":"at","token_type":"Bearer","expires_in":60,"id_token":"it","refresh_token":"rt","scope":"openid"}"#;
        let tokens = parse_token_response(200, body, false).expect("parses");
        assert_eq!(
            tokens,
            TokenResponse {
                access_token: "at".into(),
                expires_in: 60,
                id_token: Some("it".into()),
                refresh_token: Some("rt".into()),
                bound: false,
            }
        );
        let bare = parse_token_response(200, r#"{"access_token":"at","token_type":"bearer","expires_in":5}"#, false)
            .expect("parses");
        assert_eq!((bare.id_token, bare.refresh_token), (None, None));
    }

    #[test]
    fn a_dpop_token_is_taken_only_when_a_proof_asked_for_it() {
        let dpop = r#"{"access_token":"at","token_type":"DPoP","expires_in":60}"#;
        assert!(parse_token_response(200, dpop, true).is_ok_and(|t| t.bound));
        assert!(matches!(parse_token_response(200, dpop, false), Err(AuthError::MalformedResponse(_))));
        let bearer = r#"{"access_token":"at","token_type":"Bearer","expires_in":60}"#;
        assert!(parse_token_response(200, bearer, true).is_ok_and(|t| !t.bound), "a provider that does not bind");
        let nonce =
            parse_token_response(400, r#"{"error":"use_dpop_nonce","error_description":"nonce required"}"#, true);
        assert!(nonce.is_err_and(|e| is_use_dpop_nonce(&e)));
    }

    #[test]
    fn an_answer_past_the_size_limit_is_not_parsed() {
        let padding = "x".repeat(MAX_TOKEN_RESPONSE_BYTES);
        let body = format!(r#"{{"access_token":"at","token_type":"Bearer","expires_in":60,"pad":"{padding}"}}"#);
        assert!(matches!(parse_token_response(200, &body, false), Err(AuthError::BadAnswer { .. })));
    }

    #[test]
    fn errors_are_typed_and_nothing_malformed_is_used() {
        let spent = parse_token_response(
            400,
            r#"{"error":"invalid_grant","error_description":"grant request is invalid"}"#,
            false,
        );
        assert!(spent.as_ref().is_err_and(is_invalid_grant));
        assert_eq!(spent.expect_err("error").to_string(), "invalid_grant: grant request is invalid");
        assert!(!is_invalid_grant(&AuthError::OAuth { error: "invalid_request".into(), description: None }));
        for (status, body) in [
            (200, "not json"),
            (200, r#"{"token_type":"Bearer","expires_in":60}"#),
            (400, "<html>"),
            (500, r#"{"error":"server_error"}"#),
            (302, ""),
            (200, r#"{"access_token":"at","access_token":"bt","token_type":"Bearer","expires_in":60}"#),
            (200, r#"{"access_token":1,"token_type":"Bearer","expires_in":60}"#),
            (200, r#"{"access_token":"at","token_type":"Bearer","expires_in":"60"}"#),
            (400, r#"{"error":7}"#),
        ] {
            let e = parse_token_response(status, body, false).expect_err(body);
            assert!(matches!(e, AuthError::BadAnswer { .. }), "{status} {body}: {e:?}");
            assert!(e.is_transient(), "a provider misbehaving is retried later");
        }
        for body in [
            r#"{"access_token":"at","token_type":"mac","expires_in":60}"#,
            r#"{"access_token":"at","token_type":"Bearer"}"#,
            r#"{"access_token":"at","token_type":"Bearer","expires_in":0}"#,
            r#"{"access_token":"at","token_type":"Bearer","expires_in":99999999999}"#,
            r#"{"access_token":"","token_type":"Bearer","expires_in":60}"#,
            r#"{"access_token":"at","token_type":"Bearer","expires_in":60.5}"#,
            r#"{"access_token":"at","token_type":"Bearer","expires_in":-1}"#,
        ] {
            assert!(matches!(parse_token_response(200, body, false), Err(AuthError::MalformedResponse(_))), "{body}");
        }
    }
}
