//! Run-time configuration (`/auth_config.json`) and the provider's discovery document. Read at
//! start so one build serves the local provider and any Auth0 tenant; validated here, purely, so a
//! wrong value becomes a page that says what is wrong instead of a renewal that silently fails. An
//! Auth0 `domain` goes through `auth_rules::auth0_issuer`, the rule the backend applies too.

use serde::Deserialize;

use super::error::AuthError;

fn default_scope() -> String {
    "openid profile email read:messages".into()
}
fn default_timeout() -> u32 {
    10_000
}

/// `/auth_config.json` as written by `make dev` or by hand for Auth0 (see the README).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RawConfig {
    /// Auth0 tenant domain; when set, the issuer is `https://<domain>/` and logout uses `/v2/logout`.
    #[serde(default)]
    pub domain: Option<String>,
    /// Issuer URL of any other OpenID provider (the local one by default).
    #[serde(default)]
    pub issuer: Option<String>,
    /// The SPA's client id at the provider.
    pub client_id: String,
    /// API identifier requested as `audience`.
    pub audience: String,
    /// Scopes requested at login and renewal.
    #[serde(default = "default_scope")]
    pub scope: String,
    /// Where login returns (`/callback` of this app).
    pub redirect_uri: String,
    /// Where silent renewal returns (`/silent` on the backend).
    pub silent_redirect_uri: String,
    /// Where the provider sends the browser after logout.
    pub logout_return_to: String,
    /// Base URL of the backend API.
    pub api_base_url: String,
    /// How long a silent renewal may take before it fails with a timeout.
    #[serde(default = "default_timeout")]
    pub renewal_timeout_ms: u32,
    /// Only clear this app's session on Log Out; leave the provider session alone.
    #[serde(default)]
    pub local_logout_only: bool,
}

/// Validated configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct AuthConfig {
    /// Issuer exactly as it appears in `iss`.
    pub issuer: String,
    /// True for an Auth0 tenant (logout through `/v2/logout?client_id&returnTo`).
    pub is_auth0: bool,
    /// Client id.
    pub client_id: String,
    /// API identifier.
    pub audience: String,
    /// Requested scopes.
    pub scope: String,
    /// Login callback URI.
    pub redirect_uri: String,
    /// Silent renewal callback URI.
    pub silent_redirect_uri: String,
    /// Origin of the silent page: the only origin whose messages are read.
    pub silent_origin: String,
    /// Post-logout return URI.
    pub logout_return_to: String,
    /// API base URL, without trailing slash.
    pub api_base_url: String,
    /// Silent renewal timeout.
    pub renewal_timeout_ms: u32,
    /// Logout stays local.
    pub local_logout_only: bool,
}

/// The parts of the OpenID discovery document the app uses.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Discovery {
    /// Must equal the configured issuer.
    pub issuer: String,
    /// `/authorize`.
    pub authorization_endpoint: String,
    /// JWKS location.
    pub jwks_uri: String,
    /// `/userinfo`.
    #[serde(default)]
    pub userinfo_endpoint: Option<String>,
    /// RP-initiated logout, when the provider has one.
    #[serde(default)]
    pub end_session_endpoint: Option<String>,
}

/// `scheme://host[:port]` of an absolute http(s) URL, or `None`.
pub fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    if !matches!(scheme, "http" | "https") {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next()?;
    if authority.is_empty() || authority.contains('@') || authority.contains(char::is_whitespace) {
        return None;
    }
    Some(format!("{scheme}://{}", authority.to_ascii_lowercase()))
}

impl RawConfig {
    /// Checks every field and derives the issuer and the silent origin.
    pub fn validate(self) -> Result<AuthConfig, AuthError> {
        let bad = |what: &str| AuthError::Config(what.to_owned());
        let (issuer, is_auth0) = match (self.domain.as_deref(), self.issuer) {
            (Some(domain), None) => {
                let issuer =
                    auth_rules::auth0_issuer(domain).map_err(|e| AuthError::Config(format!("`domain`: {e}")))?;
                (issuer, true)
            }
            (None, Some(issuer)) => (issuer, false),
            (Some(_), Some(_)) => return Err(bad("set either `domain` (Auth0) or `issuer`, not both")),
            (None, None) => return Err(bad("`domain` (Auth0) or `issuer` is required")),
        };
        let url = |name: &str, value: &str| {
            origin_of(value)
                .ok_or_else(|| AuthError::Config(format!("`{name}` must be an absolute http(s) URL, got {value:?}")))
        };
        url("issuer", &issuer)?;
        url("redirectUri", &self.redirect_uri)?;
        let silent_origin = url("silentRedirectUri", &self.silent_redirect_uri)?;
        url("logoutReturnTo", &self.logout_return_to)?;
        url("apiBaseUrl", &self.api_base_url)?;
        if self.client_id.trim().is_empty() {
            return Err(bad("`clientId` must not be empty"));
        }
        if self.audience.trim().is_empty() {
            return Err(bad("`audience` must not be empty"));
        }
        if !self.scope.split(' ').any(|s| s == "openid") {
            return Err(bad("`scope` must include openid"));
        }
        if !(1_000..=120_000).contains(&self.renewal_timeout_ms) {
            return Err(bad("`renewalTimeoutMs` must be between 1000 and 120000"));
        }
        Ok(AuthConfig {
            issuer,
            is_auth0,
            client_id: self.client_id,
            audience: self.audience,
            scope: self.scope,
            redirect_uri: self.redirect_uri,
            silent_redirect_uri: self.silent_redirect_uri,
            silent_origin,
            logout_return_to: self.logout_return_to,
            api_base_url: self.api_base_url.trim_end_matches('/').to_owned(),
            renewal_timeout_ms: self.renewal_timeout_ms,
            local_logout_only: self.local_logout_only,
        })
    }
}

impl AuthConfig {
    /// Parses and validates the JSON text of `/auth_config.json`.
    pub fn from_json(text: &str) -> Result<Self, AuthError> {
        serde_json::from_str::<RawConfig>(text)
            .map_err(|e| AuthError::Config(format!("auth_config.json: {e}")))?
            .validate()
    }

    /// Where discovery lives for this issuer.
    pub fn discovery_url(&self) -> String {
        format!("{}/.well-known/openid-configuration", self.issuer.trim_end_matches('/'))
    }

    /// Checks a discovery document belongs to the configured issuer.
    pub fn check_discovery(&self, discovery: Discovery) -> Result<Discovery, AuthError> {
        if discovery.issuer != self.issuer {
            return Err(AuthError::IssuerMismatch { expected: self.issuer.clone(), found: discovery.issuer });
        }
        Ok(discovery)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) const LOCAL: &str = r#"{
        "issuer": "http://localhost:4000", "clientId": "dev-spa-client", "audience": "http://localhost:3001/api",
        "redirectUri": "http://localhost:5000/callback", "silentRedirectUri": "http://localhost:3001/silent",
        "logoutReturnTo": "http://localhost:5000/", "apiBaseUrl": "http://localhost:3001/"
    }"#;

    pub(crate) fn local() -> AuthConfig {
        AuthConfig::from_json(LOCAL).expect("valid config")
    }

    #[test]
    fn local_config_is_valid_with_defaults() {
        let c = local();
        assert_eq!(c.silent_origin, "http://localhost:3001");
        assert_eq!(c.api_base_url, "http://localhost:3001");
        assert_eq!(c.scope, "openid profile email read:messages");
        assert_eq!(c.renewal_timeout_ms, 10_000);
        assert!(!c.is_auth0);
        assert_eq!(c.discovery_url(), "http://localhost:4000/.well-known/openid-configuration");
    }

    #[test]
    fn auth0_domain_sets_issuer() {
        let text = LOCAL.replace(r#""issuer": "http://localhost:4000""#, r#""domain": "example.eu.auth0.com""#);
        let c = AuthConfig::from_json(&text).expect("valid");
        assert_eq!(c.issuer, "https://example.eu.auth0.com/");
        assert!(c.is_auth0);
    }

    /// The table the backend's `--auth0-domain` runs too (`auth_rules::DOMAIN_EXAMPLES`): one rule.
    #[test]
    fn auth0_domain_rule_matches_the_backend() {
        for (domain, expected) in auth_rules::DOMAIN_EXAMPLES {
            let text = LOCAL.replace(r#""issuer": "http://localhost:4000""#, &format!(r#""domain": "{domain}""#));
            match expected {
                Ok(issuer) => {
                    let config = AuthConfig::from_json(&text).unwrap_or_else(|e| panic!("{domain}: {e}"));
                    assert_eq!(config.issuer, *issuer, "{domain}");
                }
                Err(_) => assert!(AuthConfig::from_json(&text).is_err(), "{domain:?} accepted"),
            }
        }
    }

    /// Runs `scripts/auth-config.sh` as `make config` does and parses what it wrote.
    fn script_output(env: &[(&str, &str)]) -> Result<AuthConfig, AuthError> {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
        let out = std::env::temp_dir().join(format!("auth_config-{}-{}.json", std::process::id(), env.len()));
        let status = std::process::Command::new("bash")
            .arg(format!("{root}/scripts/auth-config.sh"))
            .arg(&out)
            .env_remove("AUTH0_DOMAIN")
            .envs(env.iter().copied())
            .stdout(std::process::Stdio::null())
            .status()
            .expect("bash runs");
        assert!(status.success(), "auth-config.sh failed with {env:?}");
        let text = std::fs::read_to_string(&out).expect("written");
        std::fs::remove_file(&out).expect("removed");
        AuthConfig::from_json(&text)
    }

    #[test]
    fn the_config_script_writes_what_the_app_accepts() {
        let local = script_output(&[]).expect("local provider config");
        assert_eq!(local.issuer, "http://localhost:4000");
        let tenant = [("AUTH0_CLIENT_ID", "abc"), ("AUTH0_AUDIENCE", "https://api.example")];
        for domain in ["t.auth0.com", "https://t.auth0.com", "https://t.auth0.com/"] {
            let env = [tenant[0], tenant[1], ("AUTH0_DOMAIN", domain)];
            let config = script_output(&env).unwrap_or_else(|e| panic!("{domain}: {e}"));
            assert_eq!(config.issuer, "https://t.auth0.com/", "{domain}");
            assert!(config.is_auth0);
        }
    }

    #[test]
    fn bad_configs_say_what_is_wrong() {
        let cases = [
            (LOCAL.replace("http://localhost:3001/silent", "/silent"), "silentRedirectUri"),
            (LOCAL.replace("dev-spa-client", " "), "clientId"),
            (LOCAL.replace(r#""issuer": "http://localhost:4000","#, ""), "issuer"),
            (LOCAL.replace("\"apiBaseUrl\"", "\"apiBase\""), "unknown field"),
            ("{".to_owned(), "auth_config.json"),
            (LOCAL.replace("}", r#", "renewalTimeoutMs": 5}"#), "renewalTimeoutMs"),
            (LOCAL.replace("}", r#", "scope": "profile"}"#), "openid"),
        ];
        for (text, needle) in cases {
            let err = AuthConfig::from_json(&text).expect_err(needle).to_string();
            assert!(err.contains(needle), "{needle}: {err}");
        }
    }

    #[test]
    fn origins_are_extracted_strictly() {
        assert_eq!(origin_of("http://LOCALHOST:3001/silent?x#y").as_deref(), Some("http://localhost:3001"));
        assert_eq!(origin_of("javascript:alert(1)"), None);
        assert_eq!(origin_of("http://user@evil/"), None);
        assert_eq!(origin_of("https://"), None);
    }

    #[test]
    fn discovery_for_another_issuer_is_refused() {
        let d = Discovery {
            issuer: "http://evil:4000".into(),
            authorization_endpoint: "http://evil:4000/authorize".into(),
            jwks_uri: "x".into(),
            userinfo_endpoint: None,
            end_session_endpoint: None,
        };
        assert_eq!(
            local().check_discovery(d),
            Err(AuthError::IssuerMismatch {
                expected: "http://localhost:4000".into(),
                found: "http://evil:4000".into()
            })
        );
    }
}
