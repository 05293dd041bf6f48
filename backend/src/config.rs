//! Run-time configuration: one clap struct, every flag also read from an environment variable, so
//! the same binary serves `make dev`, the e2e suite and a production deployment without rebuilding.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;

use crate::error::ConfigError;

/// Command-line and environment configuration of the backend.
#[derive(Debug, Clone, Parser)]
#[command(name = "backend", version, about = "Silent-renewal page, JWT-protected API and SPA server")]
pub struct Cli {
    /// Address to bind; loopback by default so a dev machine exposes nothing.
    #[arg(long, env = "BACKEND_HOST", default_value = "127.0.0.1")]
    pub host: IpAddr,
    /// Port of the silent page and the API (the tutorial's :3001).
    #[arg(long, env = "BACKEND_PORT", default_value_t = 3001)]
    pub port: u16,
    /// The single origin allowed to frame `/silent`, receive its message and call the API with CORS.
    #[arg(long, env = "APP_ORIGIN", default_value = "http://localhost:5000")]
    pub app_origin: String,
    /// Issuer URL exactly as it appears in the tokens' `iss` (local IdP by default).
    #[arg(long, env = "AUTH_ISSUER", default_value = "http://localhost:4000", conflicts_with = "auth0_domain")]
    pub issuer: String,
    /// An Auth0 tenant domain (e.g. `example.eu.auth0.com`); sets the issuer to `https://<domain>/`.
    #[arg(long, env = "AUTH0_DOMAIN")]
    pub auth0_domain: Option<String>,
    /// The API identifier that access tokens must carry in `aud`.
    #[arg(long, env = "AUTH0_AUDIENCE", default_value = "http://localhost:3001/api")]
    pub audience: String,
    /// Clock-skew tolerance, in seconds, for `exp` and `nbf`.
    #[arg(long, env = "JWT_LEEWAY_SECS", default_value_t = 5)]
    pub leeway_secs: u64,
    /// Minimum seconds between two JWKS refetches caused by an unknown `kid` (stops key-id floods).
    #[arg(long, env = "JWKS_MIN_REFRESH_SECS", default_value_t = 10)]
    pub jwks_min_refresh_secs: u64,
    /// How long a fetched key set is trusted: past it, the keys are fetched again before a token
    /// (even one verified before) is accepted, so a key the issuer removed stops working.
    #[arg(long, env = "JWKS_MAX_AGE_SECS", default_value_t = 600)]
    pub jwks_max_age_secs: u64,
    /// The silent-renewal page template served at `/silent`.
    #[arg(long, env = "SILENT_PAGE", default_value = "public/silent.html")]
    pub silent_page: PathBuf,
    /// Also serve the built SPA on this port (history fallback to `index.html`); off when absent.
    #[arg(long, env = "SPA_PORT")]
    pub spa_port: Option<u16>,
    /// Directory of the built SPA (trunk's output).
    #[arg(long, env = "SPA_DIST", default_value = "frontend/dist")]
    pub dist: PathBuf,
    /// More origins the app page may call and frame, beyond the issuer and this API (comma
    /// separated): another address of the provider, say. Everything else is refused by its CSP.
    #[arg(long, env = "CSP_EXTRA_ORIGINS", value_delimiter = ',')]
    pub csp_extra_origins: Vec<String>,
    /// Print the `[serve]` section that gives `trunk serve` the app page's headers for this
    /// configuration, and exit (`make dev` uses it, so both servers send the same policy).
    #[arg(long)]
    pub print_trunk_serve: bool,
    /// The API's URL as clients see it (scheme://host[:port]), which DPoP proofs' `htu` must name;
    /// set it behind a proxy. Default: `http://localhost:<port>`.
    #[arg(long, env = "PUBLIC_BASE_URL")]
    pub public_base_url: Option<String>,
    /// How old a DPoP proof may be (its `iat`), in seconds; also how long its `jti` is remembered.
    #[arg(long, env = "DPOP_MAX_AGE_SECS", default_value_t = 60)]
    pub dpop_max_age_secs: u64,
    /// Ask DPoP proofs for a server nonce (`use_dpop_nonce`, RFC 9449 §9).
    #[arg(long, env = "DPOP_NONCE", default_value_t = false)]
    pub dpop_nonce: bool,
    /// Write an access log line per request (method, path without query, status, size, time).
    /// Off by default: formatting and writing a line per request costs about a tenth of the
    /// throughput (`make bench`); `make dev` turns it on.
    #[arg(long, env = "ACCESS_LOG", default_value_t = false)]
    pub access_log: bool,
    /// How long a client may take to send a request's head; a slower one is cut off (408).
    #[arg(long, env = "CLIENT_TIMEOUT_MS", default_value_t = 5_000)]
    pub client_timeout_ms: u64,
    /// How many DPoP proof ids the replay cache holds at most (about 16 bytes each); past it,
    /// proofs are refused with 503 until older ones age out.
    #[arg(long, env = "DPOP_REPLAY_CAPACITY", default_value_t = 1_000_000)]
    pub dpop_replay_capacity: usize,
}

/// How the API checks DPoP proofs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DpopSettings {
    /// The API's public base URL, normalised, without a trailing slash.
    pub public_base_url: String,
    /// Maximum proof age, seconds.
    pub max_age_secs: u64,
    /// Whether proofs must carry a server nonce.
    pub nonce: bool,
    /// Replay cache capacity (proof ids).
    pub replay_capacity: usize,
}

impl Default for DpopSettings {
    fn default() -> Self {
        Self {
            public_base_url: "http://localhost:3001".into(),
            max_age_secs: 60,
            nonce: false,
            replay_capacity: 1_000_000,
        }
    }
}

/// Validated configuration shared by the HTTP handlers.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Origin (scheme://host[:port]) of the single-page app.
    pub app_origin: String,
    /// Expected `iss` claim.
    pub issuer: String,
    /// Expected `aud` claim.
    pub audience: String,
    /// Tolerance for `exp`/`nbf`.
    pub leeway: Duration,
    /// Minimum interval between unknown-`kid` JWKS refetches.
    pub jwks_min_refresh: Duration,
    /// How long a fetched key set is trusted.
    pub jwks_max_age: Duration,
    /// DPoP proof checking.
    pub dpop: DpopSettings,
}

impl Cli {
    /// Checks the values that clap cannot and derives the handler settings.
    pub fn settings(&self) -> Result<Settings, ConfigError> {
        let issuer = match &self.auth0_domain {
            Some(domain) => auth_rules::auth0_issuer(domain)?,
            None => self.issuer.clone(),
        };
        let settings =
            Settings::new(&self.app_origin, &issuer, &self.audience, self.leeway_secs, self.jwks_min_refresh_secs)?;
        let base = self.public_base_url.clone().unwrap_or_else(|| format!("http://localhost:{}", self.port));
        let public_base_url = crate::dpop::normalise_htu(&base)
            .filter(|u| u.ends_with('/') && u.matches('/').count() == 3)
            .map(|u| u.trim_end_matches('/').to_owned())
            .ok_or_else(|| {
                ConfigError::Invalid(format!("PUBLIC_BASE_URL must be scheme://host[:port], got {base:?}"))
            })?;
        if self.dpop_max_age_secs == 0 || self.dpop_replay_capacity == 0 {
            return Err(ConfigError::Invalid("DPOP_MAX_AGE_SECS and DPOP_REPLAY_CAPACITY must be positive".into()));
        }
        Ok(settings.with_jwks_max_age(Duration::from_secs(self.jwks_max_age_secs)).with_dpop(DpopSettings {
            public_base_url,
            max_age_secs: self.dpop_max_age_secs,
            nonce: self.dpop_nonce,
            replay_capacity: self.dpop_replay_capacity,
        }))
    }
}

impl Settings {
    /// Builds settings, refusing origins and issuers that would make every check meaningless.
    pub fn new(
        app_origin: &str,
        issuer: &str,
        audience: &str,
        leeway_secs: u64,
        jwks_min_refresh_secs: u64,
    ) -> Result<Self, ConfigError> {
        let app_origin = normalise_origin(app_origin)?;
        if !(issuer.starts_with("https://") || issuer.starts_with("http://")) {
            return Err(ConfigError::Invalid(format!("issuer must be an http(s) URL, got {issuer:?}")));
        }
        if audience.trim().is_empty() {
            return Err(ConfigError::Invalid("audience must not be empty".into()));
        }
        Ok(Self {
            app_origin,
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
            leeway: Duration::from_secs(leeway_secs),
            jwks_min_refresh: Duration::from_secs(jwks_min_refresh_secs),
            jwks_max_age: Duration::from_secs(600),
            dpop: DpopSettings::default(),
        })
    }

    /// The same settings, trusting a fetched key set for `max_age`.
    pub fn with_jwks_max_age(self, max_age: Duration) -> Self {
        Self { jwks_max_age: max_age, ..self }
    }

    /// The same settings with these DPoP rules.
    pub fn with_dpop(self, dpop: DpopSettings) -> Self {
        Self { dpop, ..self }
    }

    /// Where OpenID discovery lives for the issuer (Auth0's issuer ends in `/`, the local one does not).
    pub fn discovery_url(&self) -> String {
        format!("{}/.well-known/openid-configuration", self.issuer.trim_end_matches('/'))
    }
}

/// Accepts `scheme://host[:port]` only: a path, `*` or `null` as the app origin is a misconfiguration.
fn normalise_origin(origin: &str) -> Result<String, ConfigError> {
    let origin = origin.trim().trim_end_matches('/');
    let rest = origin.strip_prefix("http://").or_else(|| origin.strip_prefix("https://")).ok_or_else(|| {
        ConfigError::Invalid(format!("app origin must start with http:// or https://, got {origin:?}"))
    })?;
    let valid_host =
        !rest.is_empty() && rest.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    if !valid_host {
        return Err(ConfigError::Invalid(format!("app origin must be scheme://host[:port], got {origin:?}")));
    }
    Ok(origin.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_normalised_and_paths_refused() {
        let ok = Settings::new("http://localhost:5000/", "http://localhost:4000", "api", 5, 10);
        assert_eq!(ok.map(|s| s.app_origin).ok().as_deref(), Some("http://localhost:5000"));
        for bad in ["*", "null", "localhost:5000", "http://localhost:5000/app", "http://"] {
            assert!(Settings::new(bad, "http://localhost:4000", "api", 5, 10).is_err(), "{bad}");
        }
    }

    /// The table the app's configuration runs too (`auth_rules::DOMAIN_EXAMPLES`): one rule.
    #[test]
    fn auth0_domain_rule_matches_the_app() {
        for (domain, expected) in auth_rules::DOMAIN_EXAMPLES {
            let settings = Cli::parse_from(["backend".to_owned(), format!("--auth0-domain={domain}")]).settings();
            match expected {
                Ok(issuer) => assert_eq!(settings.map(|s| s.issuer).ok().as_deref(), Some(*issuer), "{domain:?}"),
                Err(_) => assert!(settings.is_err(), "{domain:?} accepted"),
            }
        }
    }

    #[test]
    fn the_public_base_url_is_an_origin() {
        let settings =
            |url: &str| Cli::parse_from(["backend".to_owned(), format!("--public-base-url={url}")]).settings();
        assert_eq!(
            settings("https://API.example:443/").map(|s| s.dpop.public_base_url).ok().as_deref(),
            Some("https://api.example")
        );
        assert!(settings("https://api.example/v1").is_err(), "a path");
        assert!(settings("api.example").is_err());
        let default = Cli::parse_from(["backend", "--port", "3101"]).settings().map(|s| s.dpop.public_base_url);
        assert_eq!(default.ok().as_deref(), Some("http://localhost:3101"));
    }

    #[test]
    fn the_access_log_is_off_unless_asked_for() {
        assert!(!Cli::parse_from(["backend"]).access_log);
        assert!(Cli::parse_from(["backend", "--access-log"]).access_log);
    }

    #[test]
    fn auth0_domain_becomes_an_issuer_with_trailing_slash() {
        let cli = Cli::parse_from(["backend", "--auth0-domain", "example.eu.auth0.com"]);
        let settings = cli.settings().ok();
        assert_eq!(settings.as_ref().map(|s| s.issuer.as_str()), Some("https://example.eu.auth0.com/"));
        assert_eq!(
            settings.map(|s| s.discovery_url()).as_deref(),
            Some("https://example.eu.auth0.com/.well-known/openid-configuration")
        );
        let bad = Cli::parse_from(["backend", "--auth0-domain", "evil.com/path"]);
        assert!(bad.settings().is_err());
    }
}
