//! What the provider sends back, parsed strictly: the redirect fragment (or query) of a login or a
//! silent renewal, and the filter deciding whether a `message` event is the answer this tab waits
//! for. Everything a provider or an attacker can put in a URL or a message goes through here, and
//! what is not understood is refused rather than guessed at.

use std::collections::BTreeSet;

use super::error::AuthError;

/// Longest fragment or query accepted from a redirect.
pub const MAX_RESPONSE_LEN: usize = 32 * 1024;

/// Tokens of a successful implicit response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tokens {
    /// Bearer access token for the API.
    pub access_token: String,
    /// ID token (verified later).
    pub id_token: String,
    /// Access-token lifetime in seconds.
    pub expires_in: u64,
}

/// What a successful redirect carries: tokens (implicit) or a code to exchange (code flow).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Grant {
    /// The implicit flow's tokens, in the fragment.
    Tokens(Tokens),
    /// An authorization code, in the query, to exchange with the PKCE verifier.
    Code(String),
}

/// A parsed redirect: its `state`, the issuer it names (RFC 9207), and a grant or the provider's
/// OAuth error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthResponse {
    /// The request this answers.
    pub state: String,
    /// `iss`, when the provider sends it (RFC 9207): must be the configured issuer.
    pub iss: Option<String>,
    /// The grant, or `AuthError::OAuth`.
    pub result: Result<Grant, AuthError>,
}

impl AuthResponse {
    /// The grant, once the response is known to come from `issuer` (RFC 9207 mix-up defence).
    pub fn grant_from(self, issuer: &str) -> Result<Grant, AuthError> {
        match &self.iss {
            Some(iss) if iss != issuer => Err(AuthError::Token(super::error::TokenError::Issuer)),
            _ => self.result,
        }
    }
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// `application/x-www-form-urlencoded` decoding ('+' is a space), strict about bad escapes.
pub fn decode_component(text: &str) -> Result<String, AuthError> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let pair = bytes.get(i + 1).copied().and_then(hex).zip(bytes.get(i + 2).copied().and_then(hex));
                let (hi, lo) = pair.ok_or(AuthError::MalformedResponse("bad percent-encoding"))?;
                out.push(hi << 4 | lo);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| AuthError::MalformedResponse("not UTF-8"))
}

/// Splits `#a=1&b=2` (or `?a=1…`) into pairs; empty, oversized, duplicated or bad input is an error.
/// Never quadratic (names go through a B-tree set), and no error repeats the input.
pub fn parse_params(input: &str) -> Result<Vec<(String, String)>, AuthError> {
    let input = input.strip_prefix(['#', '?']).unwrap_or(input);
    if input.is_empty() {
        return Err(AuthError::MalformedResponse("empty response"));
    }
    if input.len() > MAX_RESPONSE_LEN {
        return Err(AuthError::MalformedResponse("response too large"));
    }
    let mut pairs: Vec<(String, String)> = Vec::new();
    let mut names = BTreeSet::new();
    for piece in input.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = piece.split_once('=').unwrap_or((piece, ""));
        let name = decode_component(k)?;
        if !names.insert(name.clone()) {
            return Err(AuthError::MalformedResponse("a parameter appears twice"));
        }
        pairs.push((name, decode_component(v)?));
    }
    Ok(pairs)
}

/// Parameters that carry tokens: the implicit flow puts them in the fragment, and a query (which
/// servers log and `Referer` leaks) must never carry them.
pub const TOKEN_PARAMETERS: [&str; 5] = ["access_token", "id_token", "refresh_token", "token_type", "expires_in"];

/// Whether a query string names a token parameter, percent-encoded or not. Decoding is lenient
/// here: any key that decodes to a token parameter counts, whatever else is wrong with the query.
fn query_carries_tokens(search: &str) -> bool {
    let search = search.strip_prefix('?').unwrap_or(search);
    search.split('&').any(|piece| {
        let key = piece.split_once('=').map_or(piece, |(k, _)| k);
        decode_component(key).is_ok_and(|key| TOKEN_PARAMETERS.contains(&key.as_str()))
    })
}

/// Parses a redirect's fragment or query: an OAuth error, a code (code flow), or the implicit
/// flow's tokens.
pub fn parse_response(input: &str) -> Result<AuthResponse, AuthError> {
    let pairs = parse_params(input)?;
    let get = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).filter(|v| !v.is_empty());
    let state = get("state").ok_or(AuthError::MalformedResponse("no state"))?;
    let iss = get("iss");
    if let Some(error) = get("error") {
        let result = Err(AuthError::OAuth { error, description: get("error_description") });
        return Ok(AuthResponse { state, iss, result });
    }
    if let Some(code) = get("code") {
        return Ok(AuthResponse { state, iss, result: Ok(Grant::Code(code)) });
    }
    let access_token = get("access_token").ok_or(AuthError::MalformedResponse("no access_token"))?;
    let id_token = get("id_token").ok_or(AuthError::MalformedResponse("no id_token"))?;
    let token_type = get("token_type").ok_or(AuthError::MalformedResponse("no token_type"))?;
    if !token_type.eq_ignore_ascii_case("bearer") {
        return Err(AuthError::MalformedResponse("token_type is not Bearer"));
    }
    let expires_in = get("expires_in")
        .and_then(|v| v.parse::<u64>().ok())
        .filter(|&s| s > 0 && s <= MAX_EXPIRES_IN)
        .ok_or(AuthError::MalformedResponse("expires_in must be a positive number of seconds"))?;
    Ok(AuthResponse { state, iss, result: Ok(Grant::Tokens(Tokens { access_token, id_token, expires_in })) })
}

/// Longest access-token lifetime believed (a year); anything longer is a malformed answer.
pub const MAX_EXPIRES_IN: u64 = 366 * 24 * 3600;

/// A redirect's answer, from whichever part carries it: the fragment (implicit tokens, or errors
/// some providers put there), else the query (codes and errors). A query naming a token parameter
/// is refused whatever the fragment says: tokens never travel there.
pub fn parse_redirect(hash: &str, search: &str) -> Result<AuthResponse, AuthError> {
    if query_carries_tokens(search) {
        return Err(AuthError::MalformedResponse("tokens in the query string, where the protocol never puts them"));
    }
    if hash.trim_start_matches('#').is_empty() {
        parse_response(search)
    } else {
        parse_response(hash)
    }
}

/// The first `state` in a fragment or query, read leniently (the strict parse comes after).
fn first_state(input: &str) -> Option<String> {
    let input = input.strip_prefix(['#', '?']).unwrap_or(input);
    input.split('&').find_map(|piece| {
        let (k, v) = piece.split_once('=')?;
        (k == "state").then(|| decode_component(v).ok()).flatten()
    })
}

/// The `type` the silent page puts on its message.
pub const MESSAGE_TYPE: &str = "silent-renewal";

/// What a message from the silent page carried, once read out of JS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SilentMessage {
    /// `location.hash` of the silent page.
    pub hash: String,
    /// `location.search` of the silent page.
    pub search: String,
}

/// Decides whether a `message` event answers this tab's silent request: `None` means "not for us,
/// keep waiting" (another origin, another window, another request's state, not a renewal message).
/// Only a message from the silent origin, from our own frame, is parsed at all.
pub fn answer_in_message(
    expected_origin: &str,
    expected_state: &str,
    origin: &str,
    from_our_frame: bool,
    message: Option<SilentMessage>,
) -> Option<Result<AuthResponse, AuthError>> {
    if origin != expected_origin || !from_our_frame {
        return None;
    }
    let message = message?;
    // State first: an answer to another request (an older one, or a replay) is ignored before
    // anything in it is parsed or reported.
    let carrier = if message.hash.trim_start_matches('#').is_empty() { &message.search } else { &message.hash };
    if first_state(carrier).is_some_and(|state| state != expected_state) {
        return None;
    }
    match parse_redirect(&message.hash, &message.search) {
        Ok(response) if response.state == expected_state => Some(Ok(response)),
        Ok(_) => None, // an older request's answer, or a replay
        Err(e) => Some(Err(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_response_parses() {
        let r = parse_response(
            "#access_token=a.b.c&id_token=x.y.z&token_type=Bearer&expires_in=7200&scope=openid+profile&state=s%2B1",
        )
        .expect("parses");
        assert_eq!(r.state, "s+1");
        let tokens = Tokens { access_token: "a.b.c".into(), id_token: "x.y.z".into(), expires_in: 7200 };
        assert_eq!(r.result, Ok(Grant::Tokens(tokens)));
    }

    #[test]
    fn an_error_response_keeps_its_state_and_description() {
        let r = parse_response("#error=login_required&error_description=End-User+authentication+is+required&state=s")
            .expect("parses");
        assert_eq!(r.state, "s");
        assert!(r.result.as_ref().is_err_and(AuthError::ends_session));
        assert_eq!(r.result.expect_err("error").to_string(), "login_required: End-User authentication is required");
        let from_query = parse_redirect("", "?error=consent_required&state=q").expect("parses");
        assert_eq!(from_query.state, "q");
    }

    #[test]
    fn a_code_response_parses_and_its_issuer_is_checked() {
        let r = parse_redirect("", "?code=abc&state=s&iss=http%3A%2F%2Flocalhost%3A4000").expect("parses");
        assert_eq!((r.state.as_str(), r.iss.as_deref()), ("s", Some("http://localhost:4000")));
        assert_eq!(r.clone().grant_from("http://localhost:4000"), Ok(Grant::Code("abc".into())));
        assert!(matches!(r.grant_from("http://other"), Err(AuthError::Token(_))), "mix-up: another issuer's code");
        let no_iss = parse_redirect("#", "?code=abc&state=s").expect("parses");
        assert_eq!(no_iss.grant_from("http://localhost:4000"), Ok(Grant::Code("abc".into())));
    }

    #[test]
    fn malformed_fragments_are_refused() {
        let ok = "access_token=a&id_token=b&token_type=Bearer&expires_in=60&state=s";
        let cases = [
            String::new(),
            "#".into(),
            format!("{ok}&state=t"),                               // duplicate
            ok.replace("state=s", "state=%zz"),                    // bad escape
            ok.replace("state=s", "state=%C3%28"),                 // invalid UTF-8
            ok.replace("&state=s", ""),                            // no state
            ok.replace("token_type=Bearer", "token_type=mac"),     // wrong type
            ok.replace("expires_in=60", "expires_in=-5"),          // negative
            ok.replace("expires_in=60", "expires_in=0"),           // zero
            ok.replace("expires_in=60", "expires_in=99999999999"), // absurd
            ok.replace("access_token=a&", ""),                     // missing token
            format!("{ok}&pad={}", "x".repeat(MAX_RESPONSE_LEN)),  // oversized
        ];
        for case in cases {
            assert!(matches!(parse_response(&case), Err(AuthError::MalformedResponse(_))), "{:.80}", case);
        }
    }

    #[test]
    fn tokens_in_the_query_string_are_refused() {
        for query in [
            "?access_token=a&id_token=b&token_type=Bearer&expires_in=60&state=s",
            "?id_token=b&state=s",
            "?refresh_token=r&code=c&state=s",
        ] {
            assert!(matches!(parse_redirect("", query), Err(AuthError::MalformedResponse(_))), "{query}");
            assert!(matches!(parse_redirect("#", query), Err(AuthError::MalformedResponse(_))), "{query}");
        }
        // What does come in a query: a code, or an error.
        assert!(parse_redirect("", "?code=c&state=s&iss=http%3A%2F%2Flocalhost%3A4000").is_ok());
        assert!(parse_redirect("", "?error=login_required&error_description=x&state=s").is_ok());
    }

    #[test]
    fn parse_errors_name_no_input() {
        const MARK: &str = "MARK\u{202e}";
        let ok = "access_token=a&id_token=b&token_type=Bearer&expires_in=60&state=s";
        let inputs = [
            format!("#{MARK}=1&{MARK}=2&state=s"),
            format!("#{ok}&state=t{MARK}"),
            format!("#state=s&x=%zz{MARK}"),
            format!("#state=s&{MARK}=%C3%28"),
            ok.replace("token_type=Bearer", &format!("token_type={MARK}")),
            ok.replace("expires_in=60", &format!("expires_in={MARK}")),
            format!("#{ok}&pad={MARK}{}", "x".repeat(MAX_RESPONSE_LEN)),
        ];
        for input in inputs {
            let error = parse_redirect(&input, "").expect_err("refused");
            assert!(!error.to_string().contains("MARK"), "{error}");
        }
    }

    #[test]
    fn provider_descriptions_are_shown_without_control_or_bidi_characters() {
        let r =
            parse_redirect("#error=access_denied&error_description=a%E2%80%AEb%07c%0Ad&state=s", "").expect("parses");
        let shown = r.result.expect_err("an error").to_string();
        assert_eq!(shown, "access_denied: a b c d");
        let long = format!("#error=server_error&error_description={}&state=s", "x".repeat(2000));
        let shown = parse_redirect(&long, "").expect("parses").result.expect_err("an error").to_string();
        assert!(shown.chars().count() <= 320, "{}", shown.len());
    }

    const ORIGIN: &str = "http://localhost:3001";
    fn tokens(state: &str) -> Option<SilentMessage> {
        Some(SilentMessage {
            hash: format!("#access_token=a&id_token=b&token_type=Bearer&expires_in=60&state={state}"),
            search: String::new(),
        })
    }

    #[test]
    fn only_our_frame_from_the_silent_origin_with_our_state_is_read() {
        let read = |origin: &str, ours: bool, message| answer_in_message(ORIGIN, "s1", origin, ours, message);
        assert!(matches!(read(ORIGIN, true, tokens("s1")), Some(Ok(r)) if r.state == "s1"));
        assert_eq!(read("http://evil.example", true, tokens("s1")), None, "wrong origin");
        assert_eq!(read("http://localhost:5000", true, tokens("s1")), None, "app origin is not the silent origin");
        assert_eq!(read(ORIGIN, false, tokens("s1")), None, "another window");
        assert_eq!(read(ORIGIN, true, tokens("old")), None, "unknown or replayed state");
        assert_eq!(read(ORIGIN, true, None), None, "not a renewal message");
    }

    #[test]
    fn a_malformed_answer_from_our_frame_fails_fast() {
        let bad = Some(SilentMessage { hash: "#state=s1&state=s2".into(), search: String::new() });
        assert!(matches!(
            answer_in_message(ORIGIN, "s1", ORIGIN, true, bad),
            Some(Err(AuthError::MalformedResponse(_)))
        ));
    }
}
