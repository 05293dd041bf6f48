//! DPoP in the browser: one ECDSA P-256 key pair per origin, made by WebCrypto with its private key
//! **not extractable**, kept in IndexedDB as `CryptoKey`s (which survive a reload but cannot be read
//! out), created once under the renewal lock so every tab signs with the same key, and deleted at
//! Log Out. Proofs are built by `protocol::dpop` and signed here. Servers may ask for a nonce
//! (`DPoP-Nonce`): the last one each origin gave is remembered and put in the next proof.

use std::cell::RefCell;
use std::collections::BTreeMap;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::CryptoKey;

use super::env::{js_error, now_ms, random_token, window};
use super::idb;
use super::locks::Held;
use super::store;
use crate::auth::protocol::config::origin_of;
use crate::auth::protocol::dpop::{self as rules, Claims, PublicJwk};
use crate::auth::protocol::error::AuthError;

const KEY_ID: &str = "dpop";

/// The origin's DPoP key: the private half (usable, not readable) and the public JWK.
#[derive(Debug, Clone, PartialEq)]
pub struct DpopKey {
    private: CryptoKey,
    /// The public key, as it goes in every proof.
    pub jwk: PublicJwk,
}

thread_local! {
    /// The key as this page last read it, and the generation then: a login or logout (in any tab)
    /// starts a new generation and may have replaced or deleted the key, so the copy is read again.
    static KEY: RefCell<Option<(u64, DpopKey)>> = const { RefCell::new(None) };
    /// The last DPoP nonce each origin gave, by origin.
    static NONCES: RefCell<BTreeMap<String, String>> = const { RefCell::new(BTreeMap::new()) };
}

fn subtle() -> Result<web_sys::SubtleCrypto, AuthError> {
    Ok(window()?.crypto().map_err(js_error("crypto"))?.subtle())
}

fn object(pairs: &[(&str, &str)]) -> Result<Object, AuthError> {
    let o = Object::new();
    for (k, v) in pairs {
        Reflect::set(&o, &(*k).into(), &(*v).into()).map_err(js_error("object"))?;
    }
    Ok(o)
}

fn field(value: &JsValue, name: &str) -> Result<JsValue, AuthError> {
    Reflect::get(value, &name.into()).map_err(js_error("field"))
}

/// Reads a stored `{privateKey, x, y}` record back.
fn from_record(record: &JsValue) -> Option<DpopKey> {
    let private = field(record, "privateKey").ok()?.dyn_into::<CryptoKey>().ok()?;
    let x = field(record, "x").ok()?.as_string()?;
    let y = field(record, "y").ok()?.as_string()?;
    Some(DpopKey { private, jwk: PublicJwk { x, y } })
}

async fn generate() -> Result<(DpopKey, JsValue), AuthError> {
    let algorithm = object(&[("name", "ECDSA"), ("namedCurve", "P-256")])?;
    let usages = Array::of1(&"sign".into());
    // `false`: the private key can be used to sign, never exported (RFC 10017 §6.4).
    let promise = subtle()?.generate_key_with_object(&algorithm, false, &usages).map_err(js_error("generateKey"))?;
    let pair = JsFuture::from(promise).await.map_err(js_error("generateKey"))?;
    let private: CryptoKey = field(&pair, "privateKey")?.dyn_into().map_err(js_error("privateKey"))?;
    let public: CryptoKey = field(&pair, "publicKey")?.dyn_into().map_err(js_error("publicKey"))?;
    let exported = JsFuture::from(subtle()?.export_key("jwk", &public).map_err(js_error("exportKey"))?)
        .await
        .map_err(js_error("exportKey"))?;
    let coordinate = |name| field(&exported, name).ok().and_then(|v| v.as_string());
    let (Some(x), Some(y)) = (coordinate("x"), coordinate("y")) else {
        return Err(AuthError::Browser("exportKey: the public key has no coordinates".into()));
    };
    let record = Object::new();
    Reflect::set(&record, &"privateKey".into(), &private).map_err(js_error("record"))?;
    Reflect::set(&record, &"x".into(), &x.as_str().into()).map_err(js_error("record"))?;
    Reflect::set(&record, &"y".into(), &y.as_str().into()).map_err(js_error("record"))?;
    Ok((DpopKey { private, jwk: PublicJwk { x, y } }, record.into()))
}

/// The origin's key, if one exists (in this page, or stored by any tab).
pub async fn current() -> Result<Option<DpopKey>, AuthError> {
    let generation = store::generation();
    if let Some(key) = KEY.with(|k| k.borrow().as_ref().filter(|(g, _)| *g == generation).map(|(_, key)| key.clone())) {
        return Ok(Some(key));
    }
    let key = from_record(&idb::get(idb::KEYS, KEY_ID).await?);
    KEY.with(|k| *k.borrow_mut() = key.clone().map(|key| (generation, key)));
    Ok(key)
}

/// The origin's key, made now if there is none. Under the lock, so two tabs never make two keys.
pub async fn ensure(_: &Held) -> Result<DpopKey, AuthError> {
    if let Some(key) = current().await? {
        return Ok(key);
    }
    let (key, record) = generate().await?;
    idb::put(idb::KEYS, KEY_ID, &record).await?;
    KEY.with(|k| *k.borrow_mut() = Some((store::generation(), key.clone())));
    Ok(key)
}

/// The key token requests carry when tokens are bound (`bind`), made if needed; `None` otherwise.
pub async fn when_bound(bind: bool, held: &Held) -> Result<Option<DpopKey>, AuthError> {
    if bind {
        ensure(held).await.map(Some)
    } else {
        Ok(None)
    }
}

/// Log Out: the key goes, in this page and in storage. The next login makes a new one.
pub async fn forget() -> Result<(), AuthError> {
    KEY.with(|k| k.borrow_mut().take());
    NONCES.with(|n| n.borrow_mut().clear());
    idb::delete(idb::KEYS, KEY_ID).await
}

/// A signed proof for `htm url`, carrying `access_token`'s hash for a resource request, and the
/// server's last nonce if it gave one.
pub async fn proof(key: &DpopKey, htm: &str, url: &str, access_token: Option<&str>) -> Result<String, AuthError> {
    let jti = random_token()?;
    let nonce = origin_of(url).and_then(|origin| NONCES.with(|n| n.borrow().get(&origin).cloned()));
    let claims =
        Claims { jti: &jti, htm, htu: url, iat: (now_ms() / 1000.0) as i64, access_token, nonce: nonce.as_deref() };
    let input = rules::signing_input(&key.jwk, &claims)
        .ok_or_else(|| AuthError::BadAnswer { what: "DPoP nonce", detail: "characters a proof cannot carry".into() })?;
    let algorithm = object(&[("name", "ECDSA"), ("hash", "SHA-256")])?;
    let data = input.as_bytes();
    let promise = subtle()?.sign_with_object_and_u8_array(&algorithm, &key.private, data).map_err(js_error("sign"))?;
    let signature = Uint8Array::new(&JsFuture::from(promise).await.map_err(js_error("sign"))?).to_vec();
    Ok(format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature)))
}

/// Remembers the `DPoP-Nonce` a server at `url`'s origin sent; `true` if it is new (worth a retry).
pub fn remember_nonce(url: &str, nonce: &str) -> bool {
    let Some(origin) = origin_of(url) else { return false };
    NONCES.with(|n| n.borrow_mut().insert(origin, nonce.to_owned()).as_deref() != Some(nonce))
}
