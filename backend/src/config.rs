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
    /// How many DPoP proofs the memory replay store holds at most (about 60 bytes each); past it,
    /// proofs are refused with 503 until older ones age out.
    #[arg(long, env = "DPOP_REPLAY_CAPACITY", default_value_t = 1_000_000)]
    pub dpop_replay_capacity: usize,
    /// How many of those one proof key may hold (default: 1 % of the capacity), so that one user
    /// cannot fill the store for the others.
    #[arg(long, env = "DPOP_REPLAY_PER_KEY")]
    pub dpop_replay_per_key: Option<usize>,
    /// Where accepted DPoP proofs are remembered: `memory` (this process), or
    /// `redis://host:port/db`, shared by every replica behind a load balancer.
    #[arg(long, env = "DPOP_REPLAY_STORE", default_value = "memory")]
    pub replay_store: String,
    /// The Redis store's key prefix (several deployments can share one Redis).
    #[arg(long, env = "DPOP_REPLAY_PREFIX", default_value = "dpop:jti:")]
    pub dpop_replay_prefix: String,
    /// How long the Redis store has to answer, in ms; past it, the DPoP request gets 503 (never an
    /// unchecked proof).
    #[arg(long, env = "DPOP_REPLAY_TIMEOUT_MS", default_value_t = 50)]
    pub dpop_replay_timeout_ms: u64,
    /// A file of exactly 32 random bytes keying the DPoP nonces (`--dpop-nonce`), the same for every
    /// replica so that a nonce one gives, another accepts. Without it, each process draws its own.
    #[arg(long, env = "DPOP_NONCE_SECRET_FILE")]
    pub dpop_nonce_secret_file: Option<PathBuf>,
}

/// Where the API remembers accepted DPoP proofs.
#[derive(Clone, PartialEq, Eq)]
pub enum ReplayStoreSettings {
    /// In this process: `capacity` proofs, `per_key` of them for one key at most.
    Memory {
        /// Proofs held at most.
        capacity: usize,
        /// Proofs one key may hold.
        per_key: usize,
    },
    /// In Redis, shared by the replicas.
    Redis {
        /// `redis://host:port/db`.
        url: String,
        /// Key prefix.
        prefix: String,
        /// How long a command may take.
        timeout: Duration,
    },
}

/// Printed without the Redis URL's user and password.
impl std::fmt::Debug for ReplayStoreSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Memory { capacity, per_key } => {
                f.debug_struct("Memory").field("capacity", capacity).field("per_key", per_key).finish()
            }
            Self::Redis { url, prefix, timeout } => {
                let shown = match url.rsplit_once('@') {
                    Some((_, host)) => format!("redis://…@{host}"),
                    None => url.clone(),
                };
                f.debug_struct("Redis").field("url", &shown).field("prefix", prefix).field("timeout", timeout).finish()
            }
        }
    }
}

/// The 32 bytes keying the DPoP nonces; never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct NonceSecret(pub [u8; 32]);

impl std::fmt::Debug for NonceSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NonceSecret(…)")
    }
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
    /// The nonces' shared secret; `None`: drawn at start, for this process only.
    pub nonce_secret: Option<NonceSecret>,
    /// Memory store capacity (proofs).
    pub replay_capacity: usize,
    /// Where accepted proofs are remembered; `None`: in memory, with `replay_capacity` and 1 % of
    /// it per key.
    pub replay_store: Option<ReplayStoreSettings>,
}

impl DpopSettings {
    /// Where accepted proofs are remembered.
    pub fn store(&self) -> ReplayStoreSettings {
        self.replay_store.clone().unwrap_or(ReplayStoreSettings::Memory {
            capacity: self.replay_capacity,
            per_key: (self.replay_capacity / 100).max(1),
        })
    }
}

impl Default for DpopSettings {
    fn default() -> Self {
        Self {
            public_base_url: "http://localhost:3001".into(),
            max_age_secs: 60,
            nonce: false,
            nonce_secret: None,
            replay_capacity: 1_000_000,
            replay_store: None,
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
            nonce_secret: self.dpop_nonce_secret_file.as_deref().map(read_nonce_secret).transpose()?,
            replay_capacity: self.dpop_replay_capacity,
            replay_store: Some(self.replay_store()?),
        }))
    }

    fn replay_store(&self) -> Result<ReplayStoreSettings, ConfigError> {
        if self.replay_store == "memory" {
            let per_key = self.dpop_replay_per_key.unwrap_or((self.dpop_replay_capacity / 100).max(1));
            if per_key == 0 || per_key > self.dpop_replay_capacity {
                return Err(ConfigError::Invalid(
                    "DPOP_REPLAY_PER_KEY must be between 1 and DPOP_REPLAY_CAPACITY".into(),
                ));
            }
            return Ok(ReplayStoreSettings::Memory { capacity: self.dpop_replay_capacity, per_key });
        }
        let url = &self.replay_store;
        // Only the scheme and the parse are checked here: the store connects when first used, so a
        // replica starts (and says it is not ready) while Redis is down.
        if !url.starts_with("redis://") || redis::Client::open(url.as_str()).is_err() {
            return Err(ConfigError::Invalid(
                "DPOP_REPLAY_STORE must be `memory` or redis://host:port/db (the URL's password, if any, is not shown)"
                    .into(),
            ));
        }
        if self.dpop_replay_timeout_ms == 0 {
            return Err(ConfigError::Invalid("DPOP_REPLAY_TIMEOUT_MS must be positive".into()));
        }
        Ok(ReplayStoreSettings::Redis {
            url: url.clone(),
            prefix: self.dpop_replay_prefix.clone(),
            timeout: Duration::from_millis(self.dpop_replay_timeout_ms),
        })
    }
}

/// The nonce secret in `path`: exactly 32 bytes (`head -c 32 /dev/urandom > secret`).
fn read_nonce_secret(path: &std::path::Path) -> Result<NonceSecret, ConfigError> {
    let bytes = std::fs::read(path).map_err(|source| ConfigError::Io { path: path.display().to_string(), source })?;
    let secret = <[u8; 32]>::try_from(bytes.as_slice()).map_err(|_| {
        ConfigError::Invalid(format!(
            "{} must hold exactly 32 bytes, not {} (make one with `head -c 32 /dev/urandom`)",
            path.display(),
            bytes.len()
        ))
    })?;
    Ok(NonceSecret(secret))
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
    fn the_replay_store_and_the_nonce_secret_are_checked_at_start() {
        let settings = |args: &[&str]| Cli::parse_from(["backend"].iter().chain(args)).settings();
        let store = |args: &[&str]| settings(args).map(|s| s.dpop.store());
        assert_eq!(
            store(&[]).ok(),
            Some(ReplayStoreSettings::Memory { capacity: 1_000_000, per_key: 10_000 }),
            "memory by default, 1 % of it per key"
        );
        assert!(matches!(
            store(&["--replay-store", "redis://127.0.0.1:6390/2"]),
            Ok(ReplayStoreSettings::Redis { url, prefix, timeout })
                if url == "redis://127.0.0.1:6390/2" && prefix == "dpop:jti:" && timeout == Duration::from_millis(50)
        ));
        for bad in ["http://127.0.0.1:6390", "redis", "redis://", "memcached://x"] {
            assert!(store(&["--replay-store", bad]).is_err(), "{bad}");
        }
        assert!(store(&["--dpop-replay-per-key", "0"]).is_err());
        assert!(store(&["--dpop-replay-capacity", "10", "--dpop-replay-per-key", "11"]).is_err());
        let shown = format!("{:?}", store(&["--replay-store", "redis://user:hunter2@db.internal:6379/0"]));
        assert!(!shown.contains("hunter2") && shown.contains("db.internal:6379/0"), "{shown}");

        let dir = std::env::temp_dir().join(format!("nonce-secret-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let (good, short) = (dir.join("good"), dir.join("short"));
        std::fs::write(&good, [7u8; 32]).expect("write");
        std::fs::write(&short, [7u8; 31]).expect("write");
        let secret = |path: &std::path::Path| settings(&["--dpop-nonce-secret-file", &path.display().to_string()]);
        assert_eq!(secret(&good).ok().and_then(|s| s.dpop.nonce_secret), Some(NonceSecret([7; 32])));
        assert!(secret(&short).is_err_and(|e| e.to_string().contains("exactly 32 bytes")));
        assert!(secret(&dir.join("missing")).is_err());
        assert!(!format!("{:?}", NonceSecret([7; 32])).contains('7'), "never printed");
        std::fs::remove_dir_all(&dir).expect("cleanup");
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
