//! Access-token validation for the API: RS256 only, keys from the issuer's JWKS found through OpenID
//! discovery.
//!
//! - Only keys that may verify RS256 are used (`auth_rules::verifies_rs256`: RSA, `use` sig,
//!   `alg` RS256, `key_ops` verify, when given); a key id published twice is trusted for neither;
//!   a key that cannot be parsed is skipped and the others still work.
//! - A key set is trusted for `jwks_max_age`; past it, the keys are fetched again before any token,
//!   even one verified before, is accepted: a key the issuer removed stops working. Each remembered
//!   verification keeps its `kid`, and is refused once that key is no longer published.
//! - An unknown `kid` refetches at most once per `jwks_min_refresh` after a successful fetch, so a
//!   flood of made-up key ids cannot turn the API into a load generator against the issuer.
//! - A failed fetch is the server's problem, not the token's: 503 (never 401, which would make the
//!   app renew for nothing) until a fetch succeeds; requests queued behind a failing fetch share its
//!   outcome instead of refetching one after another.
//! - RFC 8725: a `crit` header is refused, `typ` must be absent, `JWT` or `at+jwt`, `iss` a single
//!   string, `sub` non-empty; time arithmetic saturates. Every refusal has a fixed description.
//!
//! Verified tokens are remembered until they expire (bounded), because an RSA verification costs
//! far more than the rest of a request and a browser sends the same token many times.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{decode, Algorithm, DecodingKey, Validation};
use serde::{Deserialize, Serialize};

use crate::config::Settings;
use crate::error::{ApiError, JwksError};

/// Upper bound of remembered verified tokens; beyond it expired entries go, then everything.
const VERIFIED_CACHE_CAP: usize = 4096;

/// The claims the API uses from an access token.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    /// Issuer: one string (jsonwebtoken would take a list whose members all match).
    pub iss: String,
    /// Subject (the user).
    pub sub: String,
    /// Expiry, seconds since the epoch.
    pub exp: u64,
    /// Space-separated granted scopes (Auth0 and oidc-provider both use this form).
    #[serde(default)]
    pub scope: Option<String>,
    /// RFC 7800 confirmation: a DPoP-bound token names its key's thumbprint here (`jkt`).
    #[serde(default)]
    pub cnf: Option<Confirmation>,
}

/// The `cnf` claim of a sender-constrained token.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Confirmation {
    /// RFC 9449 §6.1: the JWK SHA-256 thumbprint of the key proofs must be signed with.
    #[serde(default)]
    pub jkt: Option<String>,
}

impl Claims {
    /// The thumbprint the token is bound to, if it is bound.
    pub fn bound_to(&self) -> Option<&str> {
        self.cnf.as_ref().and_then(|c| c.jkt.as_deref())
    }

    /// Whether `scope` is one of the granted scopes (exact, space-delimited match).
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scope.as_deref().is_some_and(|s| s.split(' ').any(|granted| granted == scope))
    }
}

#[derive(Deserialize)]
struct Discovery {
    jwks_uri: String,
}

#[derive(Deserialize)]
struct KeySet {
    keys: Vec<serde_json::Value>,
}

/// The JOSE header fields checked before anything else.
#[derive(Deserialize)]
struct Header {
    alg: String,
    #[serde(default)]
    kid: Option<String>,
    #[serde(default)]
    typ: Option<String>,
    #[serde(default)]
    crit: Option<serde::de::IgnoredAny>,
}

/// The issuer's keys as last fetched, and when.
#[derive(Clone, Default)]
struct Keys {
    by_kid: Arc<Map<DecodingKey>>,
    fetched_at: Option<Instant>,
}

impl Keys {
    fn fresh(&self, max_age: Duration) -> bool {
        self.fetched_at.is_some_and(|t| t.elapsed() < max_age)
    }
}

#[derive(Default)]
struct FetchState {
    /// Whether the latest fetch failed (then the next request fetches again).
    last_failed: bool,
}

/// A verification remembered: the claims, and the key that checked the signature.
#[derive(Clone)]
struct Remembered {
    /// The whole token (the map is keyed by its signature, which is shorter to hash).
    token: String,
    claims: Arc<Claims>,
    /// Shared, so that a hit hands it out without allocating.
    kid: Arc<str>,
}

/// The maps an API request looks up (verified tokens by signature, keys by kid). foldhash, not
/// SipHash: hashing the ~340-character signature with SipHash was ~1 % of a request's CPU time.
/// Flooding is no concern: entries are made only for tokens whose signature verified, and for the
/// issuer's own keys; the seed is random per process all the same.
type Map<V> = HashMap<String, V, foldhash::fast::RandomState>;

/// A compact JWS's signature segment: the verified-token cache's key (the entry keeps the whole
/// token, compared on every hit, so a forged token reusing a signature never matches).
fn signature(token: &str) -> &str {
    token.rsplit('.').next().unwrap_or(token)
}

/// Validates bearer tokens against the configured issuer and audience.
pub struct Validator {
    settings: Settings,
    http: reqwest::Client,
    validation: Validation,
    keys: RwLock<Keys>,
    refresh: tokio::sync::Mutex<FetchState>,
    /// Fetches finished (either way); a request that waited for the lock compares it to what it saw.
    fetches_done: AtomicU64,
    /// The latest fetch failed: read without the fetch lock, so the unknown-kid fast path knows
    /// a retry is due (`FetchState::last_failed` is the same fact, under the lock).
    last_fetch_failed: AtomicBool,
    /// Read by every API request on every worker at once: a read-write lock, so that readers do not
    /// queue behind each other (a mutex here made the workers wait and wake each other).
    verified: RwLock<Map<Remembered>>,
}

/// Whether an access token's `typ` is one an issuer gives access tokens (RFC 9068 §2.1), or none.
fn access_token_type(typ: Option<&str>) -> bool {
    typ.is_none_or(|t| ["JWT", "at+jwt", "application/at+jwt"].iter().any(|ok| t.eq_ignore_ascii_case(ok)))
}

impl Validator {
    /// Creates a validator; keys are fetched lazily on the first token.
    pub fn new(settings: Settings) -> Self {
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_issuer(&[settings.issuer.as_str()]);
        validation.set_audience(&[settings.audience.as_str()]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = settings.leeway.as_secs();
        validation.validate_nbf = true;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()
            .unwrap_or_else(|_| reqwest::Client::new());
        Self {
            settings,
            http,
            validation,
            keys: RwLock::default(),
            refresh: tokio::sync::Mutex::default(),
            fetches_done: AtomicU64::new(0),
            last_fetch_failed: AtomicBool::new(false),
            verified: RwLock::default(),
        }
    }

    /// Checks the header, signature, `iss`, `aud`, `exp`, `nbf` and `sub`, returning the claims.
    pub async fn validate(&self, token: &str) -> Result<Arc<Claims>, ApiError> {
        if let Some((claims, kid)) = self.remembered(token) {
            // Still signed by a published key? (A fresh key set, fetched if it is too old.) The
            // common case is answered under the read lock, without copying the key.
            if !self.published(&kid) {
                self.key(&kid).await?;
            }
            return Ok(claims);
        }
        let header = token
            .split('.')
            .next()
            .and_then(|h| URL_SAFE_NO_PAD.decode(h).ok())
            .and_then(|bytes| serde_json::from_slice::<Header>(&bytes).ok())
            .ok_or(ApiError::InvalidToken("malformed token"))?;
        if header.crit.is_some() {
            return Err(ApiError::InvalidToken("critical header extensions are not supported"));
        }
        if header.alg != "RS256" {
            return Err(ApiError::InvalidToken("algorithm not accepted"));
        }
        if !access_token_type(header.typ.as_deref()) {
            return Err(ApiError::InvalidToken("not an access token (typ)"));
        }
        let kid = header.kid.ok_or(ApiError::InvalidToken("token has no key id"))?;
        let key = self.key(&kid).await?;
        let data =
            decode::<Claims>(token, &key, &self.validation).map_err(|e| ApiError::InvalidToken(describe(e.kind())))?;
        if data.claims.sub.is_empty() {
            return Err(ApiError::InvalidToken("empty subject"));
        }
        let claims = Arc::new(data.claims);
        self.remember(token, &claims, &kid);
        Ok(claims)
    }

    /// The claims of `token` if it was verified before, is unexpired, and its key is in a key set no
    /// older than `jwks_max_age`: what [`validate`](Self::validate) would answer, without waiting.
    /// `None` means ask `validate`.
    pub fn remembered_now(&self, token: &str) -> Option<Arc<Claims>> {
        self.remembered(token).filter(|(_, kid)| self.published(kid)).map(|(claims, _)| claims)
    }

    fn live(&self, exp: u64) -> bool {
        exp.saturating_add(self.settings.leeway.as_secs()) > now_secs()
    }

    fn remembered(&self, token: &str) -> Option<(Arc<Claims>, Arc<str>)> {
        let cache = self.verified.read().unwrap_or_else(PoisonError::into_inner);
        cache
            .get(signature(token))
            .filter(|r| r.token == token && self.live(r.claims.exp))
            .map(|r| (r.claims.clone(), r.kid.clone()))
    }

    fn remember(&self, token: &str, claims: &Arc<Claims>, kid: &str) {
        let mut cache = self.verified.write().unwrap_or_else(PoisonError::into_inner);
        if cache.len() >= VERIFIED_CACHE_CAP {
            cache.retain(|_, r| self.live(r.claims.exp));
            if cache.len() >= VERIFIED_CACHE_CAP {
                cache.clear();
            }
        }
        let remembered = Remembered { token: token.to_owned(), claims: claims.clone(), kid: kid.into() };
        cache.insert(signature(token).to_owned(), remembered);
    }

    /// Whether `kid` is in a key set no older than `jwks_max_age` (no fetch: `false` means ask [`key`](Self::key)).
    fn published(&self, kid: &str) -> bool {
        let keys = self.keys.read().unwrap_or_else(PoisonError::into_inner);
        keys.fresh(self.settings.jwks_max_age) && keys.by_kid.contains_key(kid)
    }

    /// The key `kid` names in a key set no older than `jwks_max_age`.
    async fn key(&self, kid: &str) -> Result<DecodingKey, ApiError> {
        let max_age = self.settings.jwks_max_age;
        {
            let keys = self.keys.read().unwrap_or_else(PoisonError::into_inner);
            if keys.fresh(max_age) {
                if let Some(key) = keys.by_kid.get(kid) {
                    return Ok(key.clone());
                }
                // A flood of unknown kids inside the refetch interval is refused here, without
                // queueing on the fetch lock (the soak in `make bench` measures this path).
                if self.within_refetch_interval(&keys) && !self.last_fetch_failed.load(Ordering::Acquire) {
                    return Err(ApiError::InvalidToken("unknown signing key"));
                }
            }
        }
        let seen = self.fetches_done.load(Ordering::Acquire);
        // One fetch at a time; whoever waited here may find the keys loaded, or the fetch failed.
        let mut state = self.refresh.lock().await;
        let keys = self.keys.read().unwrap_or_else(PoisonError::into_inner).clone();
        let fresh = keys.fresh(max_age);
        if fresh {
            if let Some(key) = keys.by_kid.get(kid) {
                return Ok(key.clone());
            }
        }
        if state.last_failed && self.fetches_done.load(Ordering::Acquire) != seen {
            return Err(ApiError::KeysUnavailable(JwksError::Shared));
        }
        if fresh && self.within_refetch_interval(&keys) && !state.last_failed {
            return Err(ApiError::InvalidToken("unknown signing key"));
        }
        let fetched = self.fetch_keys().await;
        self.fetches_done.fetch_add(1, Ordering::AcqRel);
        let by_kid = match fetched {
            Ok(keys) => keys,
            Err(error) => {
                state.last_failed = true;
                self.last_fetch_failed.store(true, Ordering::Release);
                tracing::warn!(error = %error, "cannot load the issuer's signing keys; answering 503");
                return Err(ApiError::KeysUnavailable(error));
            }
        };
        tracing::info!(count = by_kid.len(), "loaded issuer signing keys");
        state.last_failed = false;
        self.last_fetch_failed.store(false, Ordering::Release);
        let key = by_kid.get(kid).cloned();
        *self.keys.write().unwrap_or_else(PoisonError::into_inner) =
            Keys { by_kid: Arc::new(by_kid), fetched_at: Some(Instant::now()) };
        key.ok_or(ApiError::InvalidToken("unknown signing key"))
    }

    /// Whether the key set was fetched less than `jwks_min_refresh` ago (no refetch yet).
    fn within_refetch_interval(&self, keys: &Keys) -> bool {
        keys.fetched_at.is_some_and(|t| t.elapsed() < self.settings.jwks_min_refresh)
    }

    /// The issuer's usable keys: RS256 signature keys only, each kid once; broken keys skipped.
    async fn fetch_keys(&self) -> Result<Map<DecodingKey>, JwksError> {
        let discovery_url = self.settings.discovery_url();
        let discovery: Discovery = self.get_json(&discovery_url).await?;
        let set: KeySet = self.get_json(&discovery.jwks_uri).await?;
        let text = |jwk: &serde_json::Value, name: &str| jwk.get(name).and_then(|v| v.as_str()).map(str::to_owned);
        let usable: Vec<(String, &serde_json::Value)> = set
            .keys
            .iter()
            .filter(|jwk| {
                let ops: Option<Vec<&str>> = jwk
                    .get("key_ops")
                    .map(|v| v.as_array().map_or(Vec::new(), |a| a.iter().filter_map(|o| o.as_str()).collect()));
                let (kty, use_, alg) = (text(jwk, "kty"), text(jwk, "use"), text(jwk, "alg"));
                auth_rules::verifies_rs256(auth_rules::KeyUse {
                    kty: kty.as_deref().unwrap_or_default(),
                    use_: use_.as_deref(),
                    alg: alg.as_deref(),
                    key_ops: ops.as_deref(),
                })
            })
            .filter_map(|jwk| Some((text(jwk, "kid")?, jwk)))
            .collect();
        let twice = auth_rules::duplicated_kids(usable.iter().map(|(kid, _)| kid.as_str()));
        if !twice.is_empty() {
            tracing::warn!(count = twice.len(), "the issuer publishes a key id twice; neither key is trusted");
        }
        Ok(usable
            .iter()
            .filter(|(kid, _)| !twice.contains(&kid.as_str()))
            .filter_map(|(kid, jwk)| {
                let key =
                    serde_json::from_value::<Jwk>((*jwk).clone()).ok().and_then(|j| DecodingKey::from_jwk(&j).ok());
                if key.is_none() {
                    tracing::warn!("skipping a signing key that cannot be parsed");
                }
                Some((kid.clone(), key?))
            })
            .collect())
    }

    async fn get_json<T: serde::de::DeserializeOwned>(&self, url: &str) -> Result<T, JwksError> {
        let fetch = |source| JwksError::Fetch { url: url.to_owned(), source };
        let response = self.http.get(url).send().await.map_err(fetch)?.error_for_status().map_err(fetch)?;
        let bytes = response.bytes().await.map_err(fetch)?;
        serde_json::from_slice(&bytes).map_err(|e| JwksError::Malformed { url: url.to_owned(), reason: e.to_string() })
    }
}

/// A description safe to return to the caller: it names the failed check, never the token.
fn describe(kind: &jsonwebtoken::errors::ErrorKind) -> &'static str {
    use jsonwebtoken::errors::ErrorKind as K;
    match kind {
        K::ExpiredSignature => "token expired",
        K::ImmatureSignature => "token not valid yet (nbf)",
        K::InvalidIssuer => "wrong issuer",
        K::InvalidAudience => "wrong audience",
        K::InvalidSignature => "bad signature",
        K::InvalidAlgorithm => "algorithm not accepted",
        K::MissingRequiredClaim(_) => "missing a required claim",
        _ => "malformed token",
    }
}

/// Seconds since the epoch (0 if the clock is before it).
pub fn now_secs() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_matching_is_exact() {
        let claims =
            |scope: &str| Claims { iss: "i".into(), sub: "u".into(), exp: 0, scope: Some(scope.into()), cnf: None };
        assert!(claims("openid read:messages").has_scope("read:messages"));
        assert!(!claims("openid read:messages-all").has_scope("read:messages"));
        assert!(!claims("").has_scope("read:messages"));
        assert!(!Claims { iss: "i".into(), sub: "u".into(), exp: 0, scope: None, cnf: None }.has_scope("read:messages"));
    }
}
