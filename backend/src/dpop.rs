//! DPoP (RFC 9449) at the API: the checks §4.3 and §7 ask of a proof that comes with a bound access
//! token. `typ` is `dpop+jwt`, the algorithm is ES256 (the only one offered, in `algs`), the key is a
//! public P-256 JWK and the signature verifies with it (ring); `htm` and `htu` are this request's
//! method and URL (behind the configured public base URL); `iat` is recent; `jti` was not seen
//! before (a bounded replay cache); `ath` is the hash of the token; and the token's `cnf.jkt` is the
//! key's RFC 7638 thumbprint. With `--dpop-nonce`, proofs must also carry a nonce this server issued.
//!
//! Every rejection is a fixed description: nothing of the proof is echoed.

use std::collections::{HashSet, VecDeque};
use std::hash::{BuildHasher, Hasher};
use std::sync::{Mutex, PoisonError};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use ring::signature::{UnparsedPublicKey, ECDSA_P256_SHA256_FIXED};
use serde::Deserialize;
use sha2::{Digest, Sha256};

/// The proof algorithms this API takes, as `WWW-Authenticate`'s `algs` says.
pub const ALGS: &str = "ES256";
/// Longest proof read (a P-256 proof is about 500 bytes).
const MAX_PROOF_LEN: usize = 4 * 1024;
/// Longest `jti` kept.
const MAX_JTI_LEN: usize = 256;

/// Why a proof was refused. Each has a fixed description, safe to send back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    /// No `DPoP` header, or more than one.
    #[error("exactly one DPoP proof is required")]
    Missing,
    /// Not a compact JWS of JSON, or too large.
    #[error("the DPoP proof is malformed")]
    Malformed,
    /// `typ` is not `dpop+jwt`.
    #[error("the DPoP proof's typ is not dpop+jwt")]
    Type,
    /// An algorithm other than ES256.
    #[error("the DPoP proof's algorithm is not accepted")]
    Algorithm,
    /// Not a public P-256 JWK (or private members in it).
    #[error("the DPoP proof's key is not a public P-256 JWK")]
    Key,
    /// The signature does not verify with the proof's key.
    #[error("the DPoP proof's signature is invalid")]
    Signature,
    /// `htm` is not this request's method.
    #[error("the DPoP proof is for another method")]
    Method,
    /// `htu` is not this request's URL.
    #[error("the DPoP proof is for another URL")]
    Url,
    /// `iat` too old or in the future.
    #[error("the DPoP proof is not recent")]
    Time,
    /// This `jti` was seen before.
    #[error("the DPoP proof was already used")]
    Replay,
    /// `ath` is not the hash of the access token.
    #[error("the DPoP proof is for another access token")]
    TokenHash,
    /// The proof lacks the nonce this server asks for, or carries an old one.
    #[error("a DPoP nonce is required")]
    UseNonce,
    /// The replay cache is full: no proof can be checked for replay now.
    #[error("too many recent DPoP proofs")]
    Busy,
}

#[derive(Deserialize)]
struct Header {
    typ: Option<String>,
    alg: String,
    jwk: Jwk,
}

#[derive(Deserialize)]
struct Jwk {
    kty: String,
    crv: Option<String>,
    x: Option<String>,
    y: Option<String>,
    d: Option<serde::de::IgnoredAny>,
}

#[derive(Deserialize)]
struct Claims {
    jti: String,
    htm: String,
    htu: String,
    iat: i64,
    ath: Option<String>,
    nonce: Option<String>,
}

/// RFC 7638 thumbprint of a P-256 JWK: what a bound token's `cnf.jkt` must be.
pub fn thumbprint(x: &str, y: &str) -> String {
    let canonical = format!(r#"{{"crv":"P-256","kty":"EC","x":"{x}","y":"{y}"}}"#);
    URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
}

/// `ath`: base64url SHA-256 of the access token.
pub fn token_hash(access_token: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(access_token.as_bytes()))
}

/// `scheme://host[:port]/path` as RFC 9449 §4.3 compares it: scheme and host lower-cased, default
/// port dropped, no query or fragment.
pub fn normalise_htu(url: &str) -> Option<String> {
    let url = url.split(['?', '#']).next()?;
    let (scheme, rest) = url.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    let (authority, path) = rest.find('/').map_or((rest, "/"), |i| (&rest[..i], &rest[i..]));
    let authority = authority.to_ascii_lowercase();
    let authority = match (scheme.as_str(), authority.rsplit_once(':')) {
        ("http", Some((host, "80"))) | ("https", Some((host, "443"))) => host.to_owned(),
        _ => authority,
    };
    (!authority.is_empty() && matches!(scheme.as_str(), "http" | "https"))
        .then(|| format!("{scheme}://{authority}{path}"))
}

/// Proof identifiers seen within the acceptance window, one bucket per second, at most `capacity`
/// in all. Each is kept as a 64-bit keyed hash of (key thumbprint, `jti`): 8 bytes plus the set's
/// overhead, about 16 MB at the default capacity of 1,000,000.
pub struct ReplayCache {
    capacity: usize,
    window_secs: u64,
    hasher: std::collections::hash_map::RandomState,
    inner: Mutex<Buckets>,
}

#[derive(Default)]
struct Buckets {
    /// (second, identifiers first seen in that second), oldest first.
    seconds: VecDeque<(u64, HashSet<u64>)>,
    len: usize,
}

impl ReplayCache {
    /// Remembers identifiers for `window_secs` (the proofs' acceptance window), `capacity` at most.
    pub fn new(capacity: usize, window_secs: u64) -> Self {
        Self { capacity, window_secs, hasher: Default::default(), inner: Mutex::default() }
    }

    /// Records `jti` of `key` at `now`; `Replay` if it was seen in the window, `Busy` if full.
    fn record(&self, key: &str, jti: &str, now: u64) -> Result<(), ProofError> {
        let mut hasher = self.hasher.build_hasher();
        hasher.write(key.as_bytes());
        hasher.write_u8(0);
        hasher.write(jti.as_bytes());
        let id = hasher.finish();
        let mut b = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        while b.seconds.front().is_some_and(|(second, _)| second + self.window_secs < now) {
            if let Some((_, gone)) = b.seconds.pop_front() {
                b.len -= gone.len();
            }
        }
        if b.seconds.iter().any(|(_, ids)| ids.contains(&id)) {
            return Err(ProofError::Replay);
        }
        if b.len >= self.capacity {
            return Err(ProofError::Busy);
        }
        if b.seconds.back().is_none_or(|(second, _)| *second != now) {
            b.seconds.push_back((now, HashSet::new()));
        }
        if let Some((_, ids)) = b.seconds.back_mut() {
            ids.insert(id);
        }
        b.len += 1;
        Ok(())
    }
}

/// Server nonces (`--dpop-nonce`): a keyed hash of the current period, so any worker can check one
/// without shared state; the current and the previous period's are accepted.
pub struct Nonces {
    secret: [u8; 32],
    period_secs: u64,
}

impl Nonces {
    /// Nonces for `period_secs`-long periods, keyed by a random secret.
    pub fn new(period_secs: u64) -> Self {
        let mut secret = [0u8; 32];
        for chunk in secret.chunks_mut(8) {
            let random = std::collections::hash_map::RandomState::new().build_hasher().finish();
            chunk.copy_from_slice(&random.to_le_bytes());
        }
        Self { secret, period_secs: period_secs.max(1) }
    }

    fn for_period(&self, period: u64) -> String {
        let mut hash = Sha256::new();
        hash.update(self.secret);
        hash.update(period.to_le_bytes());
        URL_SAFE_NO_PAD.encode(&hash.finalize()[..16])
    }

    /// The nonce to hand out at `now`.
    pub fn current(&self, now: u64) -> String {
        self.for_period(now / self.period_secs)
    }

    fn accepts(&self, nonce: &str, now: u64) -> bool {
        let period = now / self.period_secs;
        nonce == self.for_period(period) || nonce == self.for_period(period.saturating_sub(1))
    }
}

/// What a proof is checked against.
pub struct Expected<'a> {
    /// The request's method.
    pub method: &'a str,
    /// The request's URL as the client sees it (public base URL + path), normalised.
    pub url: &'a str,
    /// The access token that came with the proof.
    pub access_token: &'a str,
    /// Now, seconds since the epoch.
    pub now: u64,
    /// How old a proof may be, in seconds.
    pub max_age_secs: u64,
    /// Clock skew tolerated, in seconds.
    pub leeway_secs: u64,
}

fn decode<T: for<'de> Deserialize<'de>>(part: &str) -> Result<T, ProofError> {
    let bytes = URL_SAFE_NO_PAD.decode(part).map_err(|_| ProofError::Malformed)?;
    serde_json::from_slice(&bytes).map_err(|_| ProofError::Malformed)
}

/// Checks `proof` against the request; returns the key's thumbprint, for the token's `cnf.jkt`.
pub fn verify(
    proof: &str,
    expected: &Expected<'_>,
    replay: &ReplayCache,
    nonces: Option<&Nonces>,
) -> Result<String, ProofError> {
    if proof.len() > MAX_PROOF_LEN {
        return Err(ProofError::Malformed);
    }
    let mut parts = proof.split('.');
    let (Some(h), Some(p), Some(s), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(ProofError::Malformed);
    };
    let header: Header = decode(h)?;
    if header.typ.as_deref() != Some("dpop+jwt") {
        return Err(ProofError::Type);
    }
    if header.alg != "ES256" {
        return Err(ProofError::Algorithm);
    }
    let jwk = &header.jwk;
    let (Some(x), Some(y)) = (jwk.x.as_deref(), jwk.y.as_deref()) else { return Err(ProofError::Key) };
    if jwk.kty != "EC" || jwk.crv.as_deref() != Some("P-256") || jwk.d.is_some() {
        return Err(ProofError::Key);
    }
    let (Ok(xb), Ok(yb)) = (URL_SAFE_NO_PAD.decode(x), URL_SAFE_NO_PAD.decode(y)) else { return Err(ProofError::Key) };
    if xb.len() != 32 || yb.len() != 32 {
        return Err(ProofError::Key);
    }
    let point: Vec<u8> = [&[4u8][..], &xb, &yb].concat();
    let signature = URL_SAFE_NO_PAD.decode(s).map_err(|_| ProofError::Malformed)?;
    let signed = &proof[..h.len() + 1 + p.len()];
    UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, &point)
        .verify(signed.as_bytes(), &signature)
        .map_err(|_| ProofError::Signature)?;
    let claims: Claims = decode(p)?;
    if claims.htm != expected.method {
        return Err(ProofError::Method);
    }
    if normalise_htu(&claims.htu).as_deref() != Some(expected.url) {
        return Err(ProofError::Url);
    }
    let now = i64::try_from(expected.now).unwrap_or(i64::MAX);
    let oldest = now.saturating_sub_unsigned(expected.max_age_secs.saturating_add(expected.leeway_secs));
    let newest = now.saturating_add_unsigned(expected.leeway_secs);
    if claims.iat < oldest || claims.iat > newest {
        return Err(ProofError::Time);
    }
    if claims.ath.as_deref() != Some(token_hash(expected.access_token).as_str()) {
        return Err(ProofError::TokenHash);
    }
    if let Some(nonces) = nonces {
        if !claims.nonce.as_deref().is_some_and(|n| nonces.accepts(n, expected.now)) {
            return Err(ProofError::UseNonce);
        }
    }
    if claims.jti.is_empty() || claims.jti.len() > MAX_JTI_LEN {
        return Err(ProofError::Malformed);
    }
    let key = thumbprint(x, y);
    replay.record(&key, &claims.jti, expected.now)?;
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_compared_as_rfc_9449_normalises_them() {
        assert_eq!(
            normalise_htu("HTTP://LocalHost:80/api/private?x=1#y").as_deref(),
            Some("http://localhost/api/private")
        );
        assert_eq!(normalise_htu("https://a.example:443/p").as_deref(), Some("https://a.example/p"));
        assert_eq!(normalise_htu("http://a.example:3001").as_deref(), Some("http://a.example:3001/"));
        assert_eq!(normalise_htu("ftp://a/"), None);
        assert_eq!(normalise_htu("/relative"), None);
    }

    #[test]
    fn the_replay_cache_forgets_after_the_window_and_refuses_past_capacity() {
        let cache = ReplayCache::new(2, 10);
        assert_eq!(cache.record("k", "a", 100), Ok(()));
        assert_eq!(cache.record("k", "a", 105), Err(ProofError::Replay));
        assert_eq!(cache.record("other key", "a", 105), Ok(()), "a jti is per key");
        assert_eq!(cache.record("k", "b", 106), Err(ProofError::Busy), "full");
        assert_eq!(cache.record("k", "b", 111), Ok(()), "the second-100 bucket aged out, making room");
        assert_eq!(cache.record("k", "a", 116), Ok(()), "forgotten after the window: its iat is too old anyway");
    }

    #[test]
    fn nonces_last_two_periods() {
        let nonces = Nonces::new(60);
        let n = nonces.current(600);
        assert!(nonces.accepts(&n, 600) && nonces.accepts(&n, 660));
        assert!(!nonces.accepts(&n, 720), "two periods later");
        assert!(!nonces.accepts("made-up", 600));
        assert_ne!(Nonces::new(60).current(600), n, "each server start has its own secret");
    }
}
