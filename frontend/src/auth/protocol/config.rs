//! Run-time configuration (`/auth_config.json`) and the provider's discovery document. Read at
//! start so one build serves the local provider and any Auth0 tenant; validated here, purely, so a
//! wrong value becomes a page that says what is wrong instead of a renewal that silently fails. An
//! Auth0 `domain` goes through `auth_rules::auth0_issuer`, the rule the backend applies too.

use serde::{Deserialize, Deserializer, Serialize};

use super::error::{shown, AuthError, MAX_DESCRIPTION_CHARS};

/// Scopes asked for when the configuration names none.
const DEFAULT_SCOPE: &str = "openid profile email read:messages";
/// Silent-renewal timeout when the configuration names none.
const DEFAULT_TIMEOUT_MS: u32 = 10_000;
/// Largest `/auth_config.json` read: a real one is well under 1 KB.
pub const MAX_CONFIG_BYTES: usize = 16 * 1024;

/// Which OAuth flow logs in and renews.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Flow {
    /// Authorization code with PKCE (RFC 9700, RFC 10017): the default.
    Code,
    /// The tutorial's implicit flow (`response_type=token id_token`), kept as a mode.
    Implicit,
}

/// Where the session's tokens live in the browser.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenStorage {
    /// localStorage under the tutorial's keys, plus `refresh_token`: survives reloads.
    Local,
    /// Memory only, shared between tabs over BroadcastChannel: nothing token-shaped in any storage.
    Memory,
}

/// The scope that asks for a refresh token (Auth0 and OpenID Connect both use it).
pub const OFFLINE_ACCESS: &str = "offline_access";

/// `/auth_config.json` as written by `make dev` or by hand for Auth0 (see the README); its JSON
/// names are the camelCase of these fields. Any other member is refused: a typo (`apiBase`) would
/// otherwise be ignored and silently change what the app does.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RawConfig {
    /// Auth0 tenant domain; when set, the issuer is `https://<domain>/` and logout uses `/v2/logout`.
    pub domain: Option<String>,
    /// Issuer URL of any other OpenID provider (the local one by default).
    pub issuer: Option<String>,
    /// The SPA's client id at the provider.
    pub client_id: String,
    /// API identifier requested as `audience`.
    pub audience: String,
    /// Scopes requested at login and renewal (default: `openid profile email read:messages`).
    pub scope: Option<String>,
    /// Where login returns (`/callback` of this app).
    pub redirect_uri: String,
    /// Where silent renewal returns (`/silent` on the backend).
    pub silent_redirect_uri: String,
    /// Where the provider sends the browser after logout.
    pub logout_return_to: String,
    /// Base URL of the backend API.
    pub api_base_url: String,
    /// How long a silent renewal may take before it fails with a timeout (default 10 s).
    pub renewal_timeout_ms: Option<u32>,
    /// Only clear this app's session on Log Out; leave the provider session alone.
    pub local_logout_only: Option<bool>,
    /// `code` (default) or `implicit`.
    pub flow: Option<Flow>,
    /// Ask for rotating refresh tokens (`offline_access`); default true in the code flow.
    pub use_refresh_tokens: Option<bool>,
    /// `local` (default) or `memory`.
    pub token_storage: Option<TokenStorage>,
    /// Bind tokens to a browser key (DPoP, RFC 9449); default: when the provider advertises ES256.
    pub use_dpop: Option<bool>,
}

/// A member written as `null` counts as absent: its default.
pub(crate) fn nullable<'de, D: Deserializer<'de>, T: Deserialize<'de> + Default>(d: D) -> Result<T, D::Error> {
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

impl RawConfig {
    /// Reads the JSON text of `/auth_config.json` (not yet validated). serde's message says which
    /// member is wrong and where: the file is the operator's own, so repeating it is what helps.
    pub fn from_json(text: &str) -> Result<Self, AuthError> {
        const FILE: &str = "auth_config.json";
        if text.len() > MAX_CONFIG_BYTES {
            return Err(AuthError::Config(format!("{FILE}: larger than {MAX_CONFIG_BYTES} bytes")));
        }
        serde_json::from_str(text).map_err(|e| AuthError::Config(format!("{FILE}: {e}")))
    }
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
    /// The flow.
    pub flow: Flow,
    /// Whether refresh tokens are asked for (code flow only).
    pub use_refresh_tokens: bool,
    /// Where tokens are kept.
    pub token_storage: TokenStorage,
    /// What was asked of DPoP (`None`: whatever the provider supports); see [`AuthConfig::dpop`].
    pub use_dpop: Option<bool>,
}

/// The parts of the OpenID discovery document the app uses (its other members are ignored, as
/// OpenID Discovery says). Kept for the next load of the tab as it was read (`Serialize`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
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
    /// Where codes and refresh tokens are exchanged (required by the code flow).
    #[serde(default)]
    pub token_endpoint: Option<String>,
    /// RFC 7009 revocation, when the provider has one: Log Out revokes the refresh token there.
    #[serde(default)]
    pub revocation_endpoint: Option<String>,
    /// The DPoP proof algorithms the provider takes (RFC 9449 §5.1).
    #[serde(default, deserialize_with = "nullable")]
    pub dpop_signing_alg_values_supported: Vec<String>,
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
            origin_of(value).ok_or_else(|| {
                AuthError::Config(format!(
                    "`{name}` must be an absolute http(s) URL, got “{}”",
                    shown(value, MAX_DESCRIPTION_CHARS)
                ))
            })
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
        let mut scope = self.scope.unwrap_or_else(|| DEFAULT_SCOPE.to_owned());
        if !scope.split(' ').any(|s| s == "openid") {
            return Err(bad("`scope` must include openid"));
        }
        let renewal_timeout_ms = self.renewal_timeout_ms.unwrap_or(DEFAULT_TIMEOUT_MS);
        if !(1_000..=120_000).contains(&renewal_timeout_ms) {
            return Err(bad("`renewalTimeoutMs` must be between 1000 and 120000"));
        }
        let flow = self.flow.unwrap_or(Flow::Code);
        let use_refresh_tokens = match (flow, self.use_refresh_tokens) {
            (Flow::Code, choice) => choice.unwrap_or(true),
            (Flow::Implicit, Some(true)) => {
                return Err(bad("`useRefreshTokens` needs `flow: \"code\"` (the implicit flow gets no refresh token)"));
            }
            (Flow::Implicit, _) => false,
        };
        if flow == Flow::Implicit && self.use_dpop == Some(true) {
            return Err(bad(
                "`useDpop` needs `flow: \"code\"` (implicit tokens come from the redirect and cannot be bound)",
            ));
        }
        if use_refresh_tokens && !scope.split(' ').any(|s| s == OFFLINE_ACCESS) {
            scope.push(' ');
            scope.push_str(OFFLINE_ACCESS);
        }
        Ok(AuthConfig {
            issuer,
            is_auth0,
            client_id: self.client_id,
            audience: self.audience,
            scope,
            redirect_uri: self.redirect_uri,
            silent_redirect_uri: self.silent_redirect_uri,
            silent_origin,
            logout_return_to: self.logout_return_to,
            api_base_url: self.api_base_url.trim_end_matches('/').to_owned(),
            renewal_timeout_ms,
            local_logout_only: self.local_logout_only.unwrap_or(false),
            flow,
            use_refresh_tokens,
            token_storage: self.token_storage.unwrap_or(TokenStorage::Local),
            use_dpop: self.use_dpop,
        })
    }
}

impl AuthConfig {
    /// Parses and validates the JSON text of `/auth_config.json`.
    pub fn from_json(text: &str) -> Result<Self, AuthError> {
        RawConfig::from_json(text)?.validate()
    }

    /// Where discovery lives for this issuer.
    pub fn discovery_url(&self) -> String {
        format!("{}/.well-known/openid-configuration", self.issuer.trim_end_matches('/'))
    }

    /// Whether tokens are bound with DPoP: in the code flow, when asked for or (by default) when the
    /// provider advertises ES256 proofs; never in the implicit flow.
    pub fn dpop(&self, discovery: &Discovery) -> Result<bool, AuthError> {
        let advertised = discovery.dpop_signing_alg_values_supported.iter().any(|a| a == super::dpop::ALG);
        match (self.flow, self.use_dpop) {
            (Flow::Implicit, _) | (Flow::Code, Some(false)) => Ok(false),
            (Flow::Code, None) => Ok(advertised),
            (Flow::Code, Some(true)) if advertised => Ok(true),
            (Flow::Code, Some(true)) => Err(AuthError::Config(
                "`useDpop` is true but the provider does not advertise ES256 DPoP proofs \
                 (dpop_signing_alg_values_supported)"
                    .into(),
            )),
        }
    }

    /// Checks a discovery document belongs to the configured issuer and has what the flow needs.
    pub fn check_discovery(&self, discovery: Discovery) -> Result<Discovery, AuthError> {
        if discovery.issuer != self.issuer {
            return Err(AuthError::IssuerMismatch { expected: self.issuer.clone(), found: discovery.issuer });
        }
        if self.flow == Flow::Code && discovery.token_endpoint.as_deref().and_then(origin_of).is_none() {
            return Err(AuthError::Config(
                "the provider's discovery document has no token_endpoint, which the code flow needs \
                 (set `flow` to \"implicit\", or check the provider)"
                    .into(),
            ));
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
        assert_eq!(c.scope, "openid profile email read:messages offline_access");
        assert_eq!((c.flow, c.use_refresh_tokens, c.token_storage), (Flow::Code, true, TokenStorage::Local));
        assert_eq!(c.renewal_timeout_ms, 10_000);
        assert!(!c.is_auth0);
        assert_eq!(c.discovery_url(), "http://localhost:4000/.well-known/openid-configuration");
    }

    #[test]
    fn the_flow_and_storage_modes_resolve_their_defaults() {
        let implicit = AuthConfig::from_json(&LOCAL.replace("}", r#", "flow": "implicit"}"#)).expect("valid");
        assert_eq!((implicit.flow, implicit.use_refresh_tokens), (Flow::Implicit, false));
        assert_eq!(implicit.scope, "openid profile email read:messages", "no offline_access without refresh tokens");
        let no_rt = AuthConfig::from_json(&LOCAL.replace("}", r#", "useRefreshTokens": false}"#)).expect("valid");
        assert_eq!((no_rt.flow, no_rt.use_refresh_tokens), (Flow::Code, false));
        assert!(!no_rt.scope.contains(OFFLINE_ACCESS));
        let asked =
            AuthConfig::from_json(&LOCAL.replace("}", r#", "scope": "openid offline_access"}"#)).expect("valid");
        assert_eq!(asked.scope, "openid offline_access", "not added twice");
        let memory = AuthConfig::from_json(&LOCAL.replace("}", r#", "tokenStorage": "memory"}"#)).expect("valid");
        assert_eq!(memory.token_storage, TokenStorage::Memory);
    }

    #[test]
    fn dpop_follows_the_provider_unless_asked_otherwise() {
        let mut d = crate::auth::protocol::authorize::tests::discovery();
        let with = |extra: &str| AuthConfig::from_json(&LOCAL.replace("}", &format!(", {extra}}}"))).expect("valid");
        assert_eq!(local().dpop(&d), Ok(false), "not advertised: bearer");
        d.dpop_signing_alg_values_supported = vec!["ES256".into(), "EdDSA".into()];
        assert_eq!(local().dpop(&d), Ok(true), "advertised: bound by default");
        assert_eq!(with(r#""useDpop": false"#).dpop(&d), Ok(false));
        assert_eq!(with(r#""flow": "implicit""#).dpop(&d), Ok(false), "implicit tokens cannot be bound");
        assert!(AuthConfig::from_json(&LOCAL.replace("}", r#", "flow": "implicit", "useDpop": true}"#)).is_err());
        d.dpop_signing_alg_values_supported = vec!["RS256".into()];
        assert!(matches!(with(r#""useDpop": true"#).dpop(&d), Err(AuthError::Config(_))), "asked for, not offered");
    }

    #[test]
    fn the_code_flow_needs_a_token_endpoint() {
        let mut d = crate::auth::protocol::authorize::tests::discovery();
        assert!(local().check_discovery(d.clone()).is_ok());
        d.token_endpoint = None;
        assert!(
            matches!(local().check_discovery(d.clone()), Err(AuthError::Config(m)) if m.contains("token_endpoint"))
        );
        let implicit = AuthConfig::from_json(&LOCAL.replace("}", r#", "flow": "implicit"}"#)).expect("valid");
        assert!(implicit.check_discovery(d).is_ok());
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
            (LOCAL.replace("}", r#", "flow": "hybrid"}"#), "auth_config.json"),
            (LOCAL.replace("}", r#", "flow": "implicit", "useRefreshTokens": true}"#), "useRefreshTokens"),
            (LOCAL.replace("}", r#", "tokenStorage": "cookie"}"#), "auth_config.json"),
            (LOCAL.replace("}", r#", "clientId": "another"}"#), "duplicate field `clientId`"),
            (LOCAL.replace("\"dev-spa-client\"", "5"), "invalid type"),
            (LOCAL.replace("}", r#", "renewalTimeoutMs": -5}"#), "auth_config.json"),
            (format!("{}{}", LOCAL, " ".repeat(MAX_CONFIG_BYTES)), "larger than"),
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
            token_endpoint: None,
            revocation_endpoint: None,
            dpop_signing_alg_values_supported: Vec::new(),
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
