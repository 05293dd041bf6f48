//! The requests the app sends the provider, as pure string work: the `/authorize` URL for login
//! and for silent renewal, and the logout URL. Every value is form-encoded.

use super::config::{AuthConfig, Discovery};

/// Which redirect the request is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Full-page login returning to `/callback`.
    Login,
    /// `prompt=none` in the hidden iframe returning to the silent page.
    Silent,
}

/// `k1=v1&k2=v2` in `application/x-www-form-urlencoded`, the encoding RFC 6749 §4.1.1 names for
/// these parameters (the crate is already in the bundle through yew-router).
pub fn query(pairs: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish()
}

/// `endpoint?query`, or `endpoint&query` when the endpoint already has a query.
fn with_query(endpoint: &str, pairs: &[(&str, &str)]) -> String {
    let sep = if endpoint.contains('?') { '&' } else { '?' };
    format!("{endpoint}{sep}{}", query(pairs))
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
        }
    }

    #[test]
    fn values_are_form_encoded() {
        assert_eq!(query(&[("a", "aZ09-._*"), ("b", "a b&c=d/é")]), "a=aZ09-._*&b=a+b%26c%3Dd%2F%C3%A9");
    }

    #[test]
    fn login_url_carries_every_parameter_encoded() {
        let url = authorize_url(&local(), &discovery(), Mode::Login, "st&=", "n0");
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
        let url = authorize_url(&local(), &discovery(), Mode::Silent, "s", "n");
        assert!(url.ends_with("&prompt=none"));
        assert!(url.contains("redirect_uri=http%3A%2F%2Flocalhost%3A3001%2Fsilent&"));
        let mut d = discovery();
        d.authorization_endpoint = "http://localhost:4000/authorize?tenant=x".into();
        assert!(authorize_url(&local(), &d, Mode::Silent, "s", "n")
            .starts_with("http://localhost:4000/authorize?tenant=x&client_id="));
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
