//! ID-token signatures checked with WebCrypto (`SubtleCrypto.verify`, RSASSA-PKCS1-v1_5/SHA-256)
//! against the issuer's JWKS. Imported keys are cached per tab; an unknown `kid` refetches the set
//! once (a provider restarted with new keys), and a still-unknown `kid` is an error.

use std::cell::RefCell;
use std::collections::HashMap;

use js_sys::{Array, Object, Reflect};
use serde::Deserialize;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::CryptoKey;

use super::env::{js_error, window};
use crate::auth::protocol::error::{AuthError, TokenError};
use crate::auth::protocol::jwt::Jwt;

/// One key of a JWKS, as far as RS256 needs it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
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
}

#[derive(Deserialize)]
struct JwkSet {
    keys: Vec<Jwk>,
}

thread_local! {
    static KEYS: RefCell<HashMap<String, CryptoKey>> = RefCell::new(HashMap::new());
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
    let set: JwkSet = super::http::get_json(jwks_uri, None).await.map_err(|e| e.from_provider("JWKS"))?;
    let mut fresh = HashMap::new();
    for jwk in set.keys.iter().filter(|k| k.kty == "RSA") {
        if let Some(kid) = &jwk.kid {
            fresh.insert(kid.clone(), import(jwk).await?);
        }
    }
    KEYS.with(|keys| *keys.borrow_mut() = fresh);
    Ok(())
}

fn cached(kid: &str) -> Option<CryptoKey> {
    KEYS.with(|keys| keys.borrow().get(kid).cloned())
}

/// Checks the token's signature against the issuer's keys (fetched once, refetched on a new `kid`).
pub async fn verify(jwks_uri: &str, jwt: &Jwt) -> Result<(), AuthError> {
    if jwt.header.alg != "RS256" {
        return Err(TokenError::Algorithm(jwt.header.alg.clone()).into());
    }
    let kid = jwt.header.kid.clone().unwrap_or_default();
    let key = match cached(&kid) {
        Some(key) => key,
        None => {
            refresh(jwks_uri).await?;
            cached(&kid).ok_or(TokenError::UnknownKey(kid))?
        }
    };
    verify_with(&key, jwt).await
}
