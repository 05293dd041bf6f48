//! The requests the app sends the provider, as pure string work: the `/authorize` URL for login
//! and for silent renewal in either flow (with PKCE in the code flow), and the logout URL. Every
//! value is form-encoded.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use sha2::{Digest, Sha256};

use super::config::{AuthConfig, Discovery, Flow};

/// Which redirect the request is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Full-page login returning to `/callback`.
    Login,
    /// `prompt=none` in the hidden iframe returning to the silent page.
    Silent,
}

/// `k1=v1&k2=v2` in `application/x-www-form-urlencoded`, the encoding RFC 6749 §4.1.1 names for
/// these parameters.
pub fn query(pairs: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish()
}

/// `endpoint?query`, or `endpoint&query` when the endpoint already has a query.
fn with_query(endpoint: &str, pairs: &[(&str, &str)]) -> String {
    let sep = if endpoint.contains('?') { '&' } else { '?' };
    format!("{endpoint}{sep}{}", query(pairs))
}

/// The one-time values of an authorization request, kept until its answer comes back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// Binds the answer to this request (CSRF, RFC 6749 §10.12).
    pub state: String,
    /// Binds the ID token to this request (replay, OIDC Core §3.1.2.1).
    pub nonce: String,
    /// The PKCE code verifier (code flow only); only its S256 challenge is sent.
    pub verifier: Option<String>,
}

/// RFC 7636 §4.2, S256: `base64url(SHA-256(verifier))`.
pub fn pkce_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// The redirect URI of a request: `/callback` for a login, the silent page for the frame.
pub fn redirect_uri(cfg: &AuthConfig, mode: Mode) -> &str {
    match mode {
        Mode::Login => &cfg.redirect_uri,
        Mode::Silent => &cfg.silent_redirect_uri,
    }
}

/// The `/authorize` URL: `response_type=code` with an S256 challenge in the code flow, the
/// tutorial's `token id_token` in the implicit one; `prompt=none` for the silent frame.
pub fn authorize_url(cfg: &AuthConfig, discovery: &Discovery, mode: Mode, request: &Request) -> String {
    let challenge = request.verifier.as_deref().map(pkce_challenge);
    let response_type = match cfg.flow {
        Flow::Code => "code",
        Flow::Implicit => "token id_token",
    };
    let mut pairs = vec![
        ("client_id", cfg.client_id.as_str()),
        ("response_type", response_type),
        ("redirect_uri", redirect_uri(cfg, mode)),
        ("scope", cfg.scope.as_str()),
        ("audience", cfg.audience.as_str()),
        ("state", request.state.as_str()),
        ("nonce", request.nonce.as_str()),
    ];
    if let Some(challenge) = challenge.as_deref() {
        pairs.push(("code_challenge", challenge));
        pairs.push(("code_challenge_method", "S256"));
    }
    if mode == Mode::Silent {
        pairs.push(("prompt", "none"));
    }
    with_query(&discovery.authorization_endpoint, &pairs)
}

/// Where Log Out sends the browser: Auth0's `/v2/logout`, else the discovery's end-session endpoint.
pub fn logout_url(cfg: &AuthConfig, discovery: &Discovery) -> Option<String> {
    if cfg.local_logout_only {
        return None;
    }
    if cfg.is_auth0 {
        let pairs = [("client_id", cfg.client_id.as_str()), ("returnTo", cfg.logout_return_to.as_str())];
        return Some(with_query(&format!("{}v2/logout", cfg.issuer), &pairs));
    }
    let endpoint = discovery.end_session_endpoint.as_deref()?;
    let pairs = [("client_id", cfg.client_id.as_str()), ("post_logout_redirect_uri", cfg.logout_return_to.as_str())];
    Some(with_query(endpoint, &pairs))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::auth::protocol::config::tests::local;

    pub(crate) fn discovery() -> Discovery {
        Discovery {
            issuer: "http://localhost:4000".into(),
            authorization_endpoint: "http://localhost:4000/authorize".into(),
            jwks_uri: "http://localhost:4000/.well-known/jwks.json".into(),
            userinfo_endpoint: None,
            end_session_endpoint: Some("http://localhost:4000/v2/logout".into()),
            token_endpoint: Some("http://localhost:4000/oauth/token".into()),
            revocation_endpoint: Some("http://localhost:4000/oauth/revoke".into()),
            dpop_signing_alg_values_supported: Vec::new(),
        }
    }

    fn implicit() -> AuthConfig {
        let text = crate::auth::protocol::config::tests::LOCAL.replace("}", r#", "flow": "implicit"}"#);
        AuthConfig::from_json(&text).expect("valid")
    }

    fn request(state: &str, nonce: &str, verifier: Option<&str>) -> Request {
        Request { state: state.into(), nonce: nonce.into(), verifier: verifier.map(str::to_owned) }
    }

    #[test]
    fn the_pkce_challenge_is_rfc_7636s_example() {
        // RFC 7636 Appendix B.
        assert_eq!(
            pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn a_code_flow_login_sends_the_challenge_never_the_verifier() {
        let url = authorize_url(&local(), &discovery(), Mode::Login, &request("s", "n", Some("the-verifier")));
        assert!(url.contains("response_type=code&"));
        assert!(url.contains(&format!("&code_challenge={}&code_challenge_method=S256", pkce_challenge("the-verifier"))));
        assert!(!url.contains("the-verifier"));
        assert!(url.contains("scope=openid+profile+email+read%3Amessages+offline_access&"));
        assert!(!url.contains("prompt"));
        let silent = authorize_url(&local(), &discovery(), Mode::Silent, &request("s", "n", Some("v")));
        assert!(silent.contains("redirect_uri=http%3A%2F%2Flocalhost%3A3001%2Fsilent&"));
        assert!(silent.ends_with("&prompt=none"));
    }

    #[test]
    fn values_are_form_encoded() {
        assert_eq!(query(&[("a", "aZ09-._*"), ("b", "a b&c=d/é")]), "a=aZ09-._*&b=a+b%26c%3Dd%2F%C3%A9");
    }

    #[test]
    fn login_url_carries_every_parameter_encoded() {
        let url = authorize_url(&implicit(), &discovery(), Mode::Login, &request("st&=", "n0", None));
        assert_eq!(
            url,
            "http://localhost:4000/authorize?client_id=dev-spa-client&response_type=token+id_token\
             &redirect_uri=http%3A%2F%2Flocalhost%3A5000%2Fcallback&scope=openid+profile+email+read%3Amessages\
             &audience=http%3A%2F%2Flocalhost%3A3001%2Fapi&state=st%26%3D&nonce=n0"
        );
        assert!(!url.contains("prompt"));
    }

    #[test]
    fn silent_url_asks_for_no_prompt_and_returns_to_the_silent_page() {
        let url = authorize_url(&implicit(), &discovery(), Mode::Silent, &request("s", "n", None));
        assert!(url.ends_with("&prompt=none"));
        assert!(url.contains("redirect_uri=http%3A%2F%2Flocalhost%3A3001%2Fsilent&"));
        let mut d = discovery();
        d.authorization_endpoint = "http://localhost:4000/authorize?tenant=x".into();
        let url = authorize_url(&implicit(), &d, Mode::Silent, &request("s", "n", None));
        assert!(url.starts_with("http://localhost:4000/authorize?tenant=x&client_id="));
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
}
