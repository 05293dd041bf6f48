//! Access-token validation for the API: RS256 only, keys from the issuer's JWKS found through OpenID
//! discovery, cached, and refetched on an unknown `kid` at most once per `jwks_min_refresh` after a
//! successful fetch, so a flood of made-up key ids cannot turn the API into a load generator against
//! the issuer. A failed fetch is the server's problem, not the token's: it answers 503 (never 401,
//! which would make the app renew for nothing) until a fetch succeeds, and requests that queued
//! behind a failing fetch share its outcome instead of refetching one after another.
//!
//! Verified tokens are remembered until they expire (bounded), because an RSA verification costs
//! far more than the rest of a request and a browser sends the same token many times.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{decode, decode_header, Algorithm, DecodingKey, Validation};
use serde::{Deserialize, Serialize};

use crate::config::Settings;
use crate::error::{ApiError, JwksError};

/// Upper bound of remembered verified tokens; beyond it expired entries go, then everything.
const VERIFIED_CACHE_CAP: usize = 4096;

/// The claims the API uses from an access token.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
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

#[derive(Default)]
struct KeyState {
    keys: HashMap<String, DecodingKey>,
    /// When a fetch last succeeded: the refetch limit counts from here.
    last_success: Option<Instant>,
    /// Whether the latest fetch failed (then the next request fetches again).
    last_failed: bool,
}

/// Validates bearer tokens against the configured issuer and audience.
pub struct Validator {
    settings: Settings,
    http: reqwest::Client,
    validation: Validation,
    keys: RwLock<Arc<HashMap<String, DecodingKey>>>,
    refresh: tokio::sync::Mutex<KeyState>,
    /// Fetches finished (either way); a request that waited for the lock compares it to what it saw.
    fetches_done: AtomicU64,
    verified: Mutex<HashMap<String, Claims>>,
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
            verified: Mutex::default(),
        }
    }

    /// Checks signature, algorithm, `iss`, `aud`, `exp` and `nbf`, returning the claims.
    pub async fn validate(&self, token: &str) -> Result<Claims, ApiError> {
        if let Some(claims) = self.remembered(token) {
            return Ok(claims);
        }
        let header = decode_header(token).map_err(|e| ApiError::InvalidToken(format!("malformed token: {e}")))?;
        if header.alg != Algorithm::RS256 {
            return Err(ApiError::InvalidToken(format!("algorithm {:?} is not accepted", header.alg)));
        }
        let kid = header.kid.ok_or_else(|| ApiError::InvalidToken("token has no key id".into()))?;
        let key = self.key(&kid).await?;
        let data =
            decode::<Claims>(token, &key, &self.validation).map_err(|e| ApiError::InvalidToken(describe(e.kind())))?;
        self.remember(token, &data.claims);
        Ok(data.claims)
    }

    fn remembered(&self, token: &str) -> Option<Claims> {
        let cache = self.verified.lock().unwrap_or_else(PoisonError::into_inner);
        let claims = cache.get(token)?;
        (claims.exp + self.settings.leeway.as_secs() > now_secs()).then(|| claims.clone())
    }

    fn remember(&self, token: &str, claims: &Claims) {
        let mut cache = self.verified.lock().unwrap_or_else(PoisonError::into_inner);
        if cache.len() >= VERIFIED_CACHE_CAP {
            let now = now_secs();
            cache.retain(|_, c| c.exp + self.settings.leeway.as_secs() > now);
            if cache.len() >= VERIFIED_CACHE_CAP {
                cache.clear();
            }
        }
        cache.insert(token.to_owned(), claims.clone());
    }

    async fn key(&self, kid: &str) -> Result<DecodingKey, ApiError> {
        if let Some(key) = self.cached_key(kid) {
            return Ok(key);
        }
        let seen = self.fetches_done.load(Ordering::Acquire);
        // One fetch at a time; whoever waited here may find the key loaded, or the fetch failed.
        let mut state = self.refresh.lock().await;
        if let Some(key) = state.keys.get(kid) {
            return Ok(key.clone());
        }
        if state.last_failed && self.fetches_done.load(Ordering::Acquire) != seen {
            return Err(ApiError::KeysUnavailable(JwksError::Shared));
        }
        let limited = state.last_success.is_some_and(|t| t.elapsed() < self.settings.jwks_min_refresh);
        if limited && !state.last_failed {
            return Err(ApiError::InvalidToken("unknown signing key".into()));
        }
        let fetched = self.fetch_keys().await;
        self.fetches_done.fetch_add(1, Ordering::AcqRel);
        let keys = match fetched {
            Ok(keys) => keys,
            Err(error) => {
                state.last_failed = true;
                tracing::warn!(error = %error, "cannot load the issuer's signing keys; answering 503");
                return Err(ApiError::KeysUnavailable(error));
            }
        };
        tracing::info!(count = keys.len(), "loaded issuer signing keys");
        state.last_failed = false;
        state.last_success = Some(Instant::now());
        state.keys = keys;
        *self.keys.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(state.keys.clone());
        state.keys.get(kid).cloned().ok_or_else(|| ApiError::InvalidToken("unknown signing key".into()))
    }

    fn cached_key(&self, kid: &str) -> Option<DecodingKey> {
        self.keys.read().unwrap_or_else(PoisonError::into_inner).get(kid).cloned()
    }

    async fn fetch_keys(&self) -> Result<HashMap<String, DecodingKey>, JwksError> {
        let discovery_url = self.settings.discovery_url();
        let discovery: Discovery = self.get_json(&discovery_url).await?;
        let set: JwkSet = self.get_json(&discovery.jwks_uri).await?;
        Ok(set
            .keys
            .iter()
            .filter_map(|jwk| {
                let kid = jwk.common.key_id.clone()?;
                DecodingKey::from_jwk(jwk).ok().map(|key| (kid, key))
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
fn describe(kind: &jsonwebtoken::errors::ErrorKind) -> String {
    use jsonwebtoken::errors::ErrorKind as K;
    match kind {
        K::ExpiredSignature => "token expired".into(),
        K::ImmatureSignature => "token not valid yet (nbf)".into(),
        K::InvalidIssuer => "wrong issuer".into(),
        K::InvalidAudience => "wrong audience".into(),
        K::InvalidSignature => "bad signature".into(),
        K::InvalidAlgorithm => "algorithm not accepted".into(),
        K::MissingRequiredClaim(claim) => format!("missing claim {claim}"),
        _ => "malformed token".into(),
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
        let claims = |scope: &str| Claims { sub: "u".into(), exp: 0, scope: Some(scope.into()), cnf: None };
        assert!(claims("openid read:messages").has_scope("read:messages"));
        assert!(!claims("openid read:messages-all").has_scope("read:messages"));
        assert!(!claims("").has_scope("read:messages"));
        assert!(!Claims { sub: "u".into(), exp: 0, scope: None, cnf: None }.has_scope("read:messages"));
    }
}
