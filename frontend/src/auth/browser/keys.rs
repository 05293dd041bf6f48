//! ID-token signatures checked with WebCrypto (`SubtleCrypto.verify`, RSASSA-PKCS1-v1_5/SHA-256)
//! against the issuer's JWKS, with the backend's rules for which keys count:
//! - only keys that may verify RS256 (`auth_rules::verifies_rs256`), and never a `kid` the set
//!   publishes twice (`auth_rules::duplicated_kids`);
//! - a token that names no `kid` is verified with the set's one usable key; with several, it is
//!   refused (OIDC Core §10.1 requires a `kid` then; guessing is not verifying);
//! - a key that cannot be read or imported is skipped, and the others still work;
//! - the set is trusted for `MAX_AGE_MS`, then fetched again before a key from it is used, so a key
//!   the issuer removed stops verifying; an unknown `kid` refetches once (a provider restarted with
//!   new keys), and a still-unknown `kid` is an error.

use std::cell::RefCell;

use js_sys::{Array, Object, Reflect};
use serde::Deserialize;
use serde_json::Value;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::CryptoKey;

use super::env::{js_error, window};
use crate::auth::protocol::error::{AuthError, TokenError};
use crate::auth::protocol::jwt::Jwt;

/// A JWKS as the issuer publishes it (RFC 7517 §5): its keys are read one by one, so one the app
/// cannot read does not take the others with it.
#[derive(Deserialize)]
struct Published {
    keys: Vec<Value>,
}

/// One key of a JWKS, as far as RS256 needs it (RFC 7517 §4, RFC 7518 §6.3).
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
pub struct Jwk {
    /// Key type; only "RSA" is used.
    pub kty: String,
    /// Key id.
    #[serde(default)]
    pub kid: Option<String>,
    /// Modulus (base64url).
    #[serde(default)]
    pub n: Option<String>,
    /// Exponent (base64url).
    #[serde(default)]
    pub e: Option<String>,
    /// `use`: `sig`, or absent.
    #[serde(default, rename = "use")]
    pub use_: Option<String>,
    /// `alg`: `RS256`, or absent.
    #[serde(default)]
    pub alg: Option<String>,
    /// `key_ops`: must allow `verify` when present.
    #[serde(default)]
    pub key_ops: Option<Vec<String>>,
}

/// How long a fetched key set is trusted before it is fetched again (the backend's default
/// `--jwks-max-age-secs`).
pub const MAX_AGE_MS: f64 = 600_000.0;

/// The keys of a set that may verify a token: readable, allowed by `auth_rules::verifies_rs256`,
/// with both RSA parameters, and a `kid` published once (or none at all).
pub fn usable(keys: &[Value]) -> Vec<Jwk> {
    // Each key read on its own, so one the app cannot read does not take the others with it.
    let readable: Vec<Jwk> = keys.iter().filter_map(|key| Jwk::deserialize(key).ok()).collect();
    let twice = auth_rules::duplicated_kids(readable.iter().filter_map(|k| k.kid.as_deref()));
    readable
        .iter()
        .filter(|key| {
            let ops: Option<Vec<&str>> = key.key_ops.as_ref().map(|ops| ops.iter().map(String::as_str).collect());
            auth_rules::verifies_rs256(auth_rules::KeyUse {
                kty: &key.kty,
                use_: key.use_.as_deref(),
                alg: key.alg.as_deref(),
                key_ops: ops.as_deref(),
            }) && key.n.is_some()
                && key.e.is_some()
                && key.kid.as_deref().is_none_or(|kid| !twice.contains(kid))
        })
        .cloned()
        .collect()
}

/// The key of `keys` (each with its `kid`, if it has one) that verifies a token naming `kid`: the
/// one with that `kid`; for a token naming none, the set's only key.
pub fn choose<K: Clone>(keys: &[(Option<String>, K)], kid: Option<&str>) -> Result<K, TokenError> {
    match kid {
        Some(kid) => keys.iter().find(|(k, _)| k.as_deref() == Some(kid)).map(|(_, key)| key.clone()),
        None if keys.len() > 1 => return Err(TokenError::KeyIdAbsent),
        None => keys.first().map(|(_, key)| key.clone()),
    }
    .ok_or(TokenError::UnknownKey)
}

/// The imported keys of one JWKS, and when it was fetched.
struct KeySet {
    uri: String,
    fetched_at: f64,
    /// Each with its `kid`, if it has one.
    keys: Vec<(Option<String>, CryptoKey)>,
}

thread_local! {
    static KEYS: RefCell<Option<KeySet>> = const { RefCell::new(None) };
}

fn algorithm() -> Result<Object, AuthError> {
    let algo = Object::new();
    Reflect::set(&algo, &"name".into(), &"RSASSA-PKCS1-v1_5".into()).map_err(js_error("algorithm"))?;
    Reflect::set(&algo, &"hash".into(), &"SHA-256".into()).map_err(js_error("algorithm"))?;
    Ok(algo)
}

fn subtle() -> Result<web_sys::SubtleCrypto, AuthError> {
    Ok(window()?.crypto().map_err(js_error("crypto"))?.subtle())
}

/// Imports an RSA public JWK as a WebCrypto verification key.
pub async fn import(jwk: &Jwk) -> Result<CryptoKey, AuthError> {
    let (Some(n), Some(e)) = (&jwk.n, &jwk.e) else {
        return Err(AuthError::BadAnswer { what: "JWKS", detail: "an RSA key without n or e".into() });
    };
    let data = Object::new();
    for (k, v) in [("kty", "RSA"), ("n", n.as_str()), ("e", e.as_str()), ("alg", "RS256"), ("ext", "true")] {
        let value: JsValue = if k == "ext" { JsValue::TRUE } else { v.into() };
        Reflect::set(&data, &k.into(), &value).map_err(js_error("jwk"))?;
    }
    let usages = Array::of1(&"verify".into());
    let promise =
        subtle()?.import_key_with_object("jwk", &data, &algorithm()?, false, &usages).map_err(js_error("importKey"))?;
    let key = JsFuture::from(promise).await.map_err(js_error("importKey"))?;
    key.dyn_into::<CryptoKey>().map_err(js_error("importKey"))
}

/// Verifies the JWS signature of `jwt` with `key`.
pub async fn verify_with(key: &CryptoKey, jwt: &Jwt) -> Result<(), AuthError> {
    let promise = subtle()?
        .verify_with_object_and_u8_array_and_u8_array(&algorithm()?, key, &jwt.signature, jwt.signing_input.as_bytes())
        .map_err(js_error("verify"))?;
    let valid = JsFuture::from(promise).await.map_err(js_error("verify"))?;
    if valid.as_bool() == Some(true) {
        Ok(())
    } else {
        Err(TokenError::Signature.into())
    }
}

async fn refresh(jwks_uri: &str) -> Result<(), AuthError> {
    let set: Published = super::http::get_json(jwks_uri, None).await.map_err(|e| e.from_provider("JWKS"))?;
    let fetched_at = js_sys::Date::now();
    let mut keys = Vec::new();
    for jwk in usable(&set.keys) {
        // A key WebCrypto refuses (a bad modulus) is skipped: tokens under the others still verify.
        if let Ok(key) = import(&jwk).await {
            keys.push((jwk.kid, key));
        }
    }
    KEYS.with(|cache| *cache.borrow_mut() = Some(KeySet { uri: jwks_uri.to_owned(), fetched_at, keys }));
    Ok(())
}

/// The key for `kid` from the set fetched from `jwks_uri`, if that set is less than `MAX_AGE_MS`
/// old; `None` when there is no such set.
fn cached(jwks_uri: &str, kid: Option<&str>) -> Option<Result<CryptoKey, TokenError>> {
    let now = js_sys::Date::now();
    KEYS.with(|cache| {
        let cache = cache.borrow();
        let set = cache.as_ref().filter(|set| set.uri == jwks_uri && now - set.fetched_at < MAX_AGE_MS)?;
        Some(choose(&set.keys, kid))
    })
}

/// Checks the token's signature against the issuer's keys (fetched once, refetched when the key it
/// needs is not in the set held, or when the set is older than `MAX_AGE_MS`).
pub async fn verify(jwks_uri: &str, jwt: &Jwt) -> Result<(), AuthError> {
    if jwt.header.alg != "RS256" {
        return Err(TokenError::Algorithm.into());
    }
    let kid = jwt.header.kid.as_deref();
    let key = match cached(jwks_uri, kid) {
        Some(Ok(key)) => key,
        // Not in the set held (a key published since, a provider restarted), or no set held: once.
        Some(Err(_)) | None => {
            refresh(jwks_uri).await?;
            cached(jwks_uri, kid).unwrap_or(Err(TokenError::UnknownKey))?
        }
    };
    verify_with(&key, jwt).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn kids(keys: serde_json::Value) -> Vec<String> {
        usable(keys.as_array().expect("an array")).into_iter().map(|key| key.kid.unwrap_or_default()).collect()
    }

    #[test]
    fn only_signature_keys_for_rs256_with_a_single_kid_are_used() {
        let rsa = |kid: &str, extra: serde_json::Value| {
            let mut key = json!({"kty": "RSA", "kid": kid, "n": "AQAB", "e": "AQAB"});
            if let (Some(key), serde_json::Value::Object(extra)) = (key.as_object_mut(), extra) {
                key.extend(extra);
            }
            key
        };
        let set = json!([
            rsa("plain", json!({})),
            rsa("sig", json!({"use": "sig", "alg": "RS256", "key_ops": ["verify"]})),
            rsa("enc", json!({"use": "enc"})),
            rsa("es256", json!({"alg": "ES256"})),
            rsa("sign-only", json!({"key_ops": ["sign"]})),
            {"kty": "EC", "kid": "ec", "crv": "P-256", "x": "AA", "y": "AA"},
            rsa("twice", json!({})),
            rsa("twice", json!({})),
            {"kty": "RSA", "kid": "no-modulus", "e": "AQAB"},
            {"kty": "RSA", "kid": 7, "n": "AQAB", "e": "AQAB"},
            rsa("broken-ops", json!({"key_ops": "verify"})),
            rsa("after-the-broken-ones", json!({})),
        ]);
        assert_eq!(kids(set), ["plain", "sig", "after-the-broken-ones"]);
        assert_eq!(kids(json!([{"kty": "RSA", "n": "AQAB", "e": "AQAB"}])), [""], "a key without a kid is usable");
    }

    /// OpenID's RP tests kid-absent-single-jwks (the only key verifies) and kid-absent-multiple-jwks
    /// (refused: which key is meant cannot be told).
    #[test]
    fn a_token_without_a_kid_takes_the_only_key_or_is_refused() {
        let one = [(None, "k0")];
        assert_eq!(choose(&one, None), Ok("k0"));
        assert_eq!(choose(&[(Some("a".to_owned()), "ka")], None), Ok("ka"), "the only key, whatever its kid");
        let two = [(Some("a".to_owned()), "ka"), (None, "k0")];
        assert_eq!(choose(&two, None), Err(TokenError::KeyIdAbsent));
        assert_eq!(choose(&two, Some("a")), Ok("ka"));
        assert_eq!(choose(&two, Some("b")), Err(TokenError::UnknownKey));
        assert_eq!(choose::<&str>(&[], None), Err(TokenError::UnknownKey));
    }
}
