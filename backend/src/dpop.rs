//! DPoP (RFC 9449) at the API: the checks §4.3 and §7 ask of a proof that comes with a bound access
//! token. `typ` is `dpop+jwt`, the algorithm is ES256 (the only one offered, in `algs`), the key is a
//! public P-256 JWK and the signature verifies with it (ring); `htm` and `htu` are this request's
//! method and URL (behind the configured public base URL); `iat` is recent; `ath` is the hash of the
//! token; no `crit` extension is asked of it. With `--dpop-nonce`, proofs must also carry a nonce this
//! server issued. The caller then checks the token's `cnf.jkt` against the key's RFC 7638
//! thumbprint and, last of all, records the proof in the replay store (`crate::replay`), so that a
//! proof refused for any reason records nothing.
//!
//! Every rejection is a fixed description: nothing of the proof is echoed.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use ring::rand::{SecureRandom, SystemRandom};
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
    /// The header names critical extensions (`crit`, RFC 7515 §4.1.11), which this server does not
    /// understand, so it must not accept the proof.
    #[error("the DPoP proof has critical extensions this server does not understand")]
    Critical,
    /// `ath` is not the hash of the access token.
    #[error("the DPoP proof is for another access token")]
    TokenHash,
    /// The proof lacks the nonce this server asks for, or carries an old one.
    #[error("a DPoP nonce is required")]
    UseNonce,
    /// The replay store is full, or this key holds its whole share of it: no proof of it can be
    /// checked for replay now.
    #[error("too many recent DPoP proofs")]
    Busy,
}

#[derive(Deserialize)]
struct Header {
    typ: Option<String>,
    alg: String,
    jwk: Jwk,
    crit: Option<serde::de::IgnoredAny>,
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

/// Server nonces (`--dpop-nonce`): a keyed hash of the current period, so any worker, and any
/// replica given the same secret (`--dpop-nonce-secret-file`), can check one without shared state;
/// the current and the previous period's are accepted.
pub struct Nonces {
    secret: [u8; 32],
    period_secs: u64,
}

impl Nonces {
    /// Nonces for `period_secs`-long periods, keyed by `secret`.
    pub fn new(period_secs: u64, secret: [u8; 32]) -> Self {
        Self { secret, period_secs: period_secs.max(1) }
    }

    /// Nonces keyed by 32 bytes from the system's cryptographic random source: this process only.
    pub fn random(period_secs: u64) -> Result<Self, ring::error::Unspecified> {
        let mut secret = [0u8; 32];
        SystemRandom::new().fill(&mut secret)?;
        Ok(Self::new(period_secs, secret))
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

    /// Whether `nonce` is this period's or the previous one's.
    pub fn accepts(&self, nonce: &str, now: u64) -> bool {
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

/// A proof that passed every check of its own; not yet recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proof {
    /// The key's RFC 7638 thumbprint, for the token's `cnf.jkt`.
    pub thumbprint: String,
    /// The URL it names, normalised.
    pub htu: String,
    /// Its identifier.
    pub jti: String,
    /// When it says it was made.
    pub iat: i64,
}

impl Proof {
    /// The last second at which this proof could still be accepted: the replay store must remember
    /// it that long. From `iat` when the client's clock runs ahead, else from `now`.
    pub fn acceptable_until(&self, expected: &Expected<'_>) -> u64 {
        let made = u64::try_from(self.iat).unwrap_or(0).max(expected.now);
        made.saturating_add(expected.max_age_secs).saturating_add(expected.leeway_secs)
    }
}

/// Checks `proof` against the request (everything but replay, which the caller records last).
pub fn verify(proof: &str, expected: &Expected<'_>, nonces: Option<&Nonces>) -> Result<Proof, ProofError> {
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
    if header.crit.is_some() {
        return Err(ProofError::Critical);
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
    let htu = normalise_htu(&claims.htu).filter(|htu| htu == expected.url).ok_or(ProofError::Url)?;
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
    Ok(Proof { thumbprint: thumbprint(x, y), htu, jti: claims.jti, iat: claims.iat })
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
    fn nonces_last_two_periods() {
        let nonces = Nonces::random(60).expect("random");
        let n = nonces.current(600);
        assert!(nonces.accepts(&n, 600) && nonces.accepts(&n, 660));
        assert!(!nonces.accepts(&n, 720), "two periods later");
        assert!(!nonces.accepts("made-up", 600));
        assert_ne!(Nonces::random(60).expect("random").current(600), n, "each random secret has its own nonces");
        let shared = [7u8; 32];
        assert!(
            Nonces::new(60, shared).accepts(&Nonces::new(60, shared).current(600), 630),
            "one secret, two replicas"
        );
    }
}
