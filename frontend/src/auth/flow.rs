//! The OAuth messages themselves, as pure string work: the `/authorize` URL for login and for
//! silent renewal, the logout URL, and the parser of the redirect fragment. Everything a provider
//! or an attacker can put in a URL goes through `parse_response`, which refuses what it does not
//! understand rather than guessing.

use super::config::{AuthConfig, Discovery};
use super::error::AuthError;

/// Longest fragment or query accepted from a redirect.
pub const MAX_RESPONSE_LEN: usize = 32 * 1024;

/// Which redirect the request is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Full-page login returning to `/callback`.
    Login,
    /// `prompt=none` in the hidden iframe returning to the silent page.
    Silent,
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => out.push(byte as char),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

fn query(pairs: &[(&str, &str)]) -> String {
    pairs.iter().map(|(k, v)| format!("{k}={}", encode(v))).collect::<Vec<_>>().join("&")
}

/// The `/authorize` URL (the tutorial's `response_type=token id_token`).
pub fn authorize_url(cfg: &AuthConfig, discovery: &Discovery, mode: Mode, state: &str, nonce: &str) -> String {
    let redirect = match mode {
        Mode::Login => cfg.redirect_uri.as_str(),
        Mode::Silent => cfg.silent_redirect_uri.as_str(),
    };
    let mut pairs = vec![
        ("client_id", cfg.client_id.as_str()),
        ("response_type", "token id_token"),
        ("redirect_uri", redirect),
        ("scope", cfg.scope.as_str()),
        ("audience", cfg.audience.as_str()),
        ("state", state),
        ("nonce", nonce),
    ];
    if mode == Mode::Silent {
        pairs.push(("prompt", "none"));
    }
    let sep = if discovery.authorization_endpoint.contains('?') { '&' } else { '?' };
    format!("{}{sep}{}", discovery.authorization_endpoint, query(&pairs))
}

/// Where Log Out sends the browser: Auth0's `/v2/logout`, else the discovery's end-session endpoint.
pub fn logout_url(cfg: &AuthConfig, discovery: &Discovery) -> Option<String> {
    if cfg.local_logout_only {
        return None;
    }
    if cfg.is_auth0 {
        let pairs = [("client_id", cfg.client_id.as_str()), ("returnTo", cfg.logout_return_to.as_str())];
        return Some(format!("{}v2/logout?{}", cfg.issuer, query(&pairs)));
    }
    let endpoint = discovery.end_session_endpoint.as_deref()?;
    let pairs = [("client_id", cfg.client_id.as_str()), ("post_logout_redirect_uri", cfg.logout_return_to.as_str())];
    Some(format!("{endpoint}?{}", query(&pairs)))
}

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

/// A parsed redirect: its `state` and either tokens or the provider's OAuth error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthResponse {
    /// The request this answers.
    pub state: String,
    /// Tokens, or `AuthError::OAuth`.
    pub result: Result<Tokens, AuthError>,
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
                let (hi, lo) = pair.ok_or_else(|| AuthError::MalformedResponse("bad percent-encoding".into()))?;
                out.push(hi << 4 | lo);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| AuthError::MalformedResponse("not UTF-8".into()))
}

/// Splits `#a=1&b=2` (or `?a=1…`) into pairs; empty, oversized, duplicated or bad input is an error.
pub fn parse_params(input: &str) -> Result<Vec<(String, String)>, AuthError> {
    let input = input.strip_prefix(['#', '?']).unwrap_or(input);
    if input.is_empty() {
        return Err(AuthError::MalformedResponse("empty response".into()));
    }
    if input.len() > MAX_RESPONSE_LEN {
        return Err(AuthError::MalformedResponse("response too large".into()));
    }
    let mut pairs: Vec<(String, String)> = Vec::new();
    for piece in input.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = piece.split_once('=').unwrap_or((piece, ""));
        let key = decode_component(k)?;
        if pairs.iter().any(|(existing, _)| *existing == key) {
            return Err(AuthError::MalformedResponse(format!("parameter {key:?} appears twice")));
        }
        pairs.push((key, decode_component(v)?));
    }
    Ok(pairs)
}

/// Parses the fragment (or, for errors some providers put there, the query) of a redirect.
pub fn parse_response(input: &str) -> Result<AuthResponse, AuthError> {
    let pairs = parse_params(input)?;
    let get = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).filter(|v| !v.is_empty());
    let state = get("state").ok_or_else(|| AuthError::MalformedResponse("no state".into()))?;
    if let Some(error) = get("error") {
        let result = Err(AuthError::OAuth { error, description: get("error_description") });
        return Ok(AuthResponse { state, result });
    }
    let missing = |name: &str| AuthError::MalformedResponse(format!("no {name}"));
    let access_token = get("access_token").ok_or_else(|| missing("access_token"))?;
    let id_token = get("id_token").ok_or_else(|| missing("id_token"))?;
    let token_type = get("token_type").ok_or_else(|| missing("token_type"))?;
    if !token_type.eq_ignore_ascii_case("bearer") {
        return Err(AuthError::MalformedResponse(format!("token_type {token_type:?} is not Bearer")));
    }
    let expires_in =
        get("expires_in")
            .and_then(|v| v.parse::<u64>().ok())
            .filter(|&s| s > 0 && s <= 366 * 24 * 3600)
            .ok_or_else(|| AuthError::MalformedResponse("expires_in must be a positive number of seconds".into()))?;
    Ok(AuthResponse { state, result: Ok(Tokens { access_token, id_token, expires_in }) })
}

/// The silent page forwards both parts; errors may come in either, tokens only in the fragment.
pub fn parse_silent(hash: &str, search: &str) -> Result<AuthResponse, AuthError> {
    if hash.trim_start_matches('#').is_empty() {
        parse_response(search)
    } else {
        parse_response(hash)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::config::tests::local;

    fn discovery() -> Discovery {
        Discovery {
            issuer: "http://localhost:4000".into(),
            authorization_endpoint: "http://localhost:4000/authorize".into(),
            jwks_uri: "http://localhost:4000/.well-known/jwks.json".into(),
            userinfo_endpoint: None,
            end_session_endpoint: Some("http://localhost:4000/v2/logout".into()),
        }
    }

    #[test]
    fn login_url_carries_every_parameter_encoded() {
        let url = authorize_url(&local(), &discovery(), Mode::Login, "st&=", "n0");
        assert_eq!(
            url,
            "http://localhost:4000/authorize?client_id=dev-spa-client&response_type=token%20id_token\
             &redirect_uri=http%3A%2F%2Flocalhost%3A5000%2Fcallback&scope=openid%20profile%20email%20read%3Amessages\
             &audience=http%3A%2F%2Flocalhost%3A3001%2Fapi&state=st%26%3D&nonce=n0"
        );
        assert!(!url.contains("prompt"));
    }

    #[test]
    fn silent_url_asks_for_no_prompt_and_returns_to_the_silent_page() {
        let url = authorize_url(&local(), &discovery(), Mode::Silent, "s", "n");
        assert!(url.ends_with("&prompt=none"));
        assert!(url.contains("redirect_uri=http%3A%2F%2Flocalhost%3A3001%2Fsilent&"));
    }

    #[test]
    fn logout_urls_for_auth0_local_and_local_only() {
        let mut cfg = local();
        assert_eq!(
            logout_url(&cfg, &discovery()).as_deref(),
            Some("http://localhost:4000/v2/logout?client_id=dev-spa-client&post_logout_redirect_uri=http%3A%2F%2Flocalhost%3A5000%2F")
        );
        cfg.is_auth0 = true;
        cfg.issuer = "https://t.eu.auth0.com/".into();
        assert_eq!(
            logout_url(&cfg, &discovery()).as_deref(),
            Some("https://t.eu.auth0.com/v2/logout?client_id=dev-spa-client&returnTo=http%3A%2F%2Flocalhost%3A5000%2F")
        );
        cfg.local_logout_only = true;
        assert_eq!(logout_url(&cfg, &discovery()), None);
    }

    #[test]
    fn a_token_response_parses() {
        let r = parse_response(
            "#access_token=a.b.c&id_token=x.y.z&token_type=Bearer&expires_in=7200&scope=openid+profile&state=s%2B1",
        )
        .expect("parses");
        assert_eq!(r.state, "s+1");
        assert_eq!(r.result, Ok(Tokens { access_token: "a.b.c".into(), id_token: "x.y.z".into(), expires_in: 7200 }));
    }

    #[test]
    fn an_error_response_keeps_its_state_and_description() {
        let r = parse_response("#error=login_required&error_description=End-User+authentication+is+required&state=s")
            .expect("parses");
        assert_eq!(r.state, "s");
        assert!(r.result.as_ref().is_err_and(AuthError::ends_session));
        assert_eq!(r.result.expect_err("error").to_string(), "login_required: End-User authentication is required");
        let from_query = parse_silent("", "?error=consent_required&state=q").expect("parses");
        assert_eq!(from_query.state, "q");
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
}
