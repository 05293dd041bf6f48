//! The claim checks every token response must pass before it may replace the session — the checks
//! the tutorial's silent page skipped. Pure: the caller supplies the clock and what it expects.
//! The signature itself is checked by `browser::keys` with WebCrypto.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use sha2::{Digest, Sha256};

use super::error::TokenError;
use super::jwt::Jwt;

/// Clock-skew tolerance for `exp` and `iat`.
pub const LEEWAY_SECS: i64 = 60;

/// What a response to one of this tab's requests must contain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected<'a> {
    /// Configured issuer.
    pub issuer: &'a str,
    /// This app's client id.
    pub client_id: &'a str,
    /// The nonce sent with the request; `None` for an ID token from a refresh, which answers no
    /// authorization request.
    pub nonce: Option<&'a str>,
    /// The access token that came with the ID token.
    pub access_token: &'a str,
    /// Whether `at_hash` must be present (implicit flow, OIDC Core §3.2.2.10) or only checked when
    /// it is (code flow, §3.1.3.8).
    pub at_hash_required: bool,
    /// For a renewal: the current session's subject, which must not change.
    pub subject: Option<&'a str>,
    /// Now, in seconds since the epoch.
    pub now_secs: i64,
}

/// OIDC Core 3.2.2.9: left half of SHA-256 of the access token, base64url.
pub fn at_hash(access_token: &str) -> String {
    let digest = Sha256::digest(access_token.as_bytes());
    URL_SAFE_NO_PAD.encode(&digest[..16])
}

/// Runs every claim check in a fixed order and returns the first failure.
pub fn check(jwt: &Jwt, expected: &Expected<'_>) -> Result<(), TokenError> {
    let claims = &jwt.claims;
    if jwt.header.alg != "RS256" {
        return Err(TokenError::Algorithm);
    }
    if claims.iss != expected.issuer {
        return Err(TokenError::Issuer);
    }
    if !claims.aud.contains(expected.client_id) {
        return Err(TokenError::Audience);
    }
    match claims.azp.as_deref() {
        Some(azp) if azp != expected.client_id => return Err(TokenError::AuthorizedParty),
        None if claims.aud.len() > 1 => return Err(TokenError::AuthorizedParty),
        _ => {}
    }
    // Saturating: a token may carry any integer, and none of them may wrap into a valid time.
    if claims.exp.saturating_add(LEEWAY_SECS) <= expected.now_secs {
        return Err(TokenError::Expired);
    }
    if claims.iat.saturating_sub(LEEWAY_SECS) > expected.now_secs {
        return Err(TokenError::IssuedInFuture);
    }
    if let Some(nonce) = expected.nonce {
        if claims.nonce.as_deref() != Some(nonce) {
            return Err(TokenError::Nonce);
        }
    }
    match claims.at_hash.as_deref() {
        Some(hash) if hash != at_hash(expected.access_token) => return Err(TokenError::AtHash),
        None if expected.at_hash_required => return Err(TokenError::AtHash),
        _ => {}
    }
    if let Some(subject) = expected.subject {
        if claims.sub != subject {
            return Err(TokenError::SubjectChanged);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::protocol::jwt::{decode, tests::b64};
    use serde_json::{json, Value};

    const NOW: i64 = 1_800_000_000;

    fn token(header: Value, claims: Value) -> Jwt {
        decode(&format!("{}.{}.c2ln", b64(&header), b64(&claims))).expect("decodes")
    }

    fn good_claims() -> Value {
        json!({
            "iss": "http://localhost:4000", "sub": "auth0|alice", "aud": "client", "exp": NOW + 3600,
            "iat": NOW, "nonce": "n1", "at_hash": at_hash("access")
        })
    }

    fn expected() -> Expected<'static> {
        Expected {
            issuer: "http://localhost:4000",
            client_id: "client",
            nonce: Some("n1"),
            access_token: "access",
            at_hash_required: true,
            subject: None,
            now_secs: NOW,
        }
    }

    fn with(field: &str, value: Value) -> Jwt {
        let mut c = good_claims();
        c[field] = value;
        token(json!({"alg": "RS256"}), c)
    }

    #[test]
    fn at_hash_matches_the_spec_example() {
        // OIDC Core A.3: access token "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y" → at_hash "77QmUPtjPfzWtF2AnpK9RQ".
        assert_eq!(at_hash("jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y"), "77QmUPtjPfzWtF2AnpK9RQ");
    }

    #[test]
    fn a_good_token_passes_and_a_renewal_keeps_the_subject() {
        let jwt = token(json!({"alg": "RS256"}), good_claims());
        assert_eq!(check(&jwt, &expected()), Ok(()));
        let renewal = Expected { subject: Some("auth0|alice"), ..expected() };
        assert_eq!(check(&jwt, &renewal), Ok(()));
        let other_user = Expected { subject: Some("auth0|bob"), ..expected() };
        assert_eq!(check(&jwt, &other_user), Err(TokenError::SubjectChanged));
    }

    #[test]
    fn each_claim_failure_is_named() {
        let cases = [
            (token(json!({"alg": "none"}), good_claims()), TokenError::Algorithm),
            (token(json!({"alg": "HS256"}), good_claims()), TokenError::Algorithm),
            (with("iss", json!("http://evil")), TokenError::Issuer),
            (with("aud", json!("other")), TokenError::Audience),
            (with("aud", json!(["client", "other"])), TokenError::AuthorizedParty),
            (with("azp", json!("other")), TokenError::AuthorizedParty),
            (with("exp", json!(NOW - LEEWAY_SECS)), TokenError::Expired),
            (with("iat", json!(NOW + LEEWAY_SECS + 1)), TokenError::IssuedInFuture),
            (with("nonce", json!("replayed")), TokenError::Nonce),
            (with("nonce", Value::Null), TokenError::Nonce),
            (with("at_hash", json!(at_hash("another access token"))), TokenError::AtHash),
            (with("at_hash", Value::Null), TokenError::AtHash),
        ];
        for (jwt, error) in cases {
            assert_eq!(check(&jwt, &expected()), Err(error.clone()), "{error}");
        }
    }

    #[test]
    fn the_code_flow_checks_at_hash_when_present_and_a_refresh_has_no_nonce() {
        let code = Expected { at_hash_required: false, ..expected() };
        assert_eq!(check(&with("at_hash", Value::Null), &code), Ok(()));
        assert_eq!(check(&with("at_hash", json!(at_hash("another"))), &code), Err(TokenError::AtHash));
        let refresh = Expected { nonce: None, at_hash_required: false, subject: Some("auth0|alice"), ..expected() };
        assert_eq!(check(&with("nonce", Value::Null), &refresh), Ok(()));
        assert_eq!(check(&with("sub", json!("auth0|bob")), &refresh), Err(TokenError::SubjectChanged));
    }

    #[test]
    fn failures_name_no_claim_value() {
        for jwt in [
            token(json!({"alg": "MARK\u{202e}"}), good_claims()),
            with("iss", json!("http://MARK.example")),
            with("azp", json!("MARK")),
        ] {
            let error = check(&jwt, &expected()).expect_err("refused");
            assert!(!error.to_string().contains("MARK"), "{error}");
        }
    }

    #[test]
    fn times_at_the_integer_limits_are_refused_without_overflow() {
        for (field, value) in [("exp", json!(i64::MIN)), ("iat", json!(i64::MAX)), ("exp", json!(i64::MIN + 1))] {
            assert!(check(&with(field, value.clone()), &expected()).is_err(), "{field}={value}");
        }
        assert_eq!(check(&with("exp", json!(i64::MAX)), &expected()), Ok(()), "a far expiry is not a crash");
        assert_eq!(check(&with("iat", json!(i64::MIN)), &expected()), Ok(()));
        let at_the_end = Expected { now_secs: i64::MAX, ..expected() };
        assert_eq!(check(&with("exp", json!(i64::MAX)), &at_the_end), Err(TokenError::Expired));
    }

    #[test]
    fn leeway_tolerates_small_clock_skew() {
        assert_eq!(check(&with("exp", json!(NOW - LEEWAY_SECS + 1)), &expected()), Ok(()));
        assert_eq!(check(&with("iat", json!(NOW + LEEWAY_SECS)), &expected()), Ok(()));
        let mut multi = good_claims();
        multi["aud"] = json!(["client", "api"]);
        multi["azp"] = json!("client");
        assert_eq!(check(&token(json!({"alg": "RS256"}), multi), &expected()), Ok(()));
    }
}
