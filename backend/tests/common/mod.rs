//! Test issuer: an RSA key, a local discovery + JWKS server on an ephemeral port, and a token minter,
//! so the backend is tested against real signatures without any network.
// Shared by several test binaries, each of which uses only part of it.
#![allow(dead_code)]

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

use actix_web::{web, App, HttpResponse, HttpServer};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use ring::rand::SystemRandom;
use ring::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::traits::PublicKeyParts;
use rsa::RsaPrivateKey;
use serde_json::{json, Value};

pub const AUDIENCE: &str = "http://localhost:3001/api";
pub const APP_ORIGIN: &str = "http://localhost:5000";

/// One signing key with its key id.
pub struct TestKey {
    pub kid: String,
    pub encoding: EncodingKey,
    pub jwk: Value,
}

fn make_key(kid: &str) -> TestKey {
    let mut rng = rand::thread_rng();
    let private = RsaPrivateKey::new(&mut rng, 2048).expect("rsa key");
    let der = private.to_pkcs1_der().expect("der");
    let public = private.to_public_key();
    TestKey {
        kid: kid.to_owned(),
        encoding: EncodingKey::from_rsa_der(der.as_bytes()),
        jwk: json!({
            "kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid,
            "n": URL_SAFE_NO_PAD.encode(public.n().to_bytes_be()),
            "e": URL_SAFE_NO_PAD.encode(public.e().to_bytes_be()),
        }),
    }
}

/// Key generation is the slow part: each test binary makes its two keys once.
pub fn keys() -> &'static (TestKey, TestKey) {
    static KEYS: OnceLock<(TestKey, TestKey)> = OnceLock::new();
    KEYS.get_or_init(|| (make_key("key-1"), make_key("key-2")))
}

/// A running fake issuer whose published key set can be changed and whose JWKS hits are counted.
#[derive(Clone)]
pub struct Issuer {
    pub url: String,
    pub published: Arc<Mutex<Vec<Value>>>,
    pub jwks_hits: Arc<AtomicUsize>,
    /// While false, the JWKS endpoint answers 503 (an issuer outage).
    pub up: Arc<AtomicBool>,
}

impl Issuer {
    pub async fn start() -> Self {
        let published = Arc::new(Mutex::new(vec![keys().0.jwk.clone()]));
        let jwks_hits = Arc::new(AtomicUsize::new(0));
        let up = Arc::new(AtomicBool::new(true));
        let (p, h, u) = (published.clone(), jwks_hits.clone(), up.clone());
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let url = format!("http://127.0.0.1:{port}");
        let jwks_uri = format!("{url}/.well-known/jwks.json");
        let server = HttpServer::new(move || {
            let (p, h, u, jwks_uri) = (p.clone(), h.clone(), u.clone(), jwks_uri.clone());
            App::new()
                .route(
                    "/.well-known/openid-configuration",
                    web::get().to(move || {
                        let jwks_uri = jwks_uri.clone();
                        async move { HttpResponse::Ok().json(json!({ "jwks_uri": jwks_uri })) }
                    }),
                )
                .route(
                    "/.well-known/jwks.json",
                    web::get().to(move || {
                        let (p, h, u) = (p.clone(), h.clone(), u.clone());
                        async move {
                            h.fetch_add(1, Ordering::SeqCst);
                            if !u.load(Ordering::SeqCst) {
                                return HttpResponse::ServiceUnavailable().finish();
                            }
                            let keys = p.lock().expect("lock").clone();
                            HttpResponse::Ok().json(json!({ "keys": keys }))
                        }
                    }),
                )
        })
        .workers(1)
        .listen(listener)
        .expect("listen")
        .run();
        actix_web::rt::spawn(server);
        Self { url, published, jwks_hits, up }
    }

    /// Simulates an outage (`false`) or the issuer coming back (`true`).
    pub fn set_up(&self, up: bool) {
        self.up.store(up, Ordering::SeqCst);
    }

    pub fn hits(&self) -> usize {
        self.jwks_hits.load(Ordering::SeqCst)
    }
}

pub fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).expect("clock").as_secs() as i64
}

/// Claims of a good token for `issuer`; tests change one field at a time.
pub fn claims(issuer: &str) -> Value {
    json!({
        "iss": issuer, "aud": AUDIENCE, "sub": "dev|alice",
        "iat": now(), "exp": now() + 300, "scope": "openid profile read:messages",
    })
}

pub fn sign(key: &TestKey, claims: &Value) -> String {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(key.kid.clone());
    encode(&header, claims, &key.encoding).expect("sign")
}

/// A token assembled by hand (for `alg: none` and other headers no library will produce).
pub fn raw_token(header: &Value, claims: &Value, signature: &[u8]) -> String {
    let part = |v: &Value| URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).expect("json"));
    format!("{}.{}.{}", part(header), part(claims), URL_SAFE_NO_PAD.encode(signature))
}

/// The :3001 app's state for `issuer`, the refetch interval and DPoP rules, as `main` builds it.
pub fn app_state(issuer: &str, min_refresh_secs: u64, dpop: backend::config::DpopSettings) -> backend::AppState {
    let settings = backend::config::Settings::new(APP_ORIGIN, issuer, AUDIENCE, 5, min_refresh_secs)
        .expect("settings")
        .with_dpop(dpop);
    app_state_from(settings)
}

/// The :3001 app's state for these settings.
pub fn app_state_from(settings: backend::config::Settings) -> backend::AppState {
    let template =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../public/silent.html")).expect("silent.html");
    let silent = backend::silent::SilentPage::render(&template, &settings.app_origin).expect("render");
    backend::AppState::new(settings, silent).expect("state")
}

/// The :3001 routes over `configure`, as a test service.
#[macro_export]
macro_rules! app {
    ($state:expr) => {{
        let state = $state;
        actix_web::test::init_service(actix_web::App::new().configure(move |cfg| backend::configure(cfg, &state))).await
    }};
}

/// The URL DPoP proofs name in these tests: `/api/private` under the default public base URL.
pub const URL: &str = "http://localhost:3001/api/private";

/// A P-256 key as the browser holds one: it signs proofs, its thumbprint binds tokens.
pub struct ProofKey {
    pair: EcdsaKeyPair,
    x: String,
    y: String,
}

impl ProofKey {
    pub fn new() -> Self {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).expect("key");
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng).expect("key");
        let point = pair.public_key().as_ref().to_vec();
        let (x, y) = (URL_SAFE_NO_PAD.encode(&point[1..33]), URL_SAFE_NO_PAD.encode(&point[33..65]));
        Self { pair, x, y }
    }

    pub fn jkt(&self) -> String {
        backend::dpop::thumbprint(&self.x, &self.y)
    }

    pub fn jwk(&self) -> Value {
        json!({"kty": "EC", "crv": "P-256", "x": self.x, "y": self.y})
    }

    /// A proof with this header and these claims, signed by this key.
    pub fn sign(&self, header: &Value, claims: &Value) -> String {
        let part = |v: &Value| URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).expect("json"));
        let input = format!("{}.{}", part(header), part(claims));
        let signature = self.pair.sign(&SystemRandom::new(), input.as_bytes()).expect("sign");
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature.as_ref()))
    }

    pub fn header(&self) -> Value {
        json!({"typ": "dpop+jwt", "alg": "ES256", "jwk": self.jwk()})
    }

    /// The claims of a good proof for `GET URL` with `token`.
    pub fn claims(token: &str, jti: &str) -> Value {
        json!({"jti": jti, "htm": "GET", "htu": URL, "iat": now(), "ath": backend::dpop::token_hash(token)})
    }

    pub fn proof(&self, token: &str, jti: &str) -> String {
        self.sign(&self.header(), &Self::claims(token, jti))
    }
}

/// A token for the test issuer bound to `key` (or not bound).
pub fn token(issuer: &str, key: Option<&ProofKey>) -> String {
    let mut c = claims(issuer);
    if let Some(key) = key {
        c["cnf"] = json!({"jkt": key.jkt()});
    }
    sign(&keys().0, &c)
}

pub struct Answer {
    pub status: actix_web::http::StatusCode,
    pub challenge: String,
    pub nonce: Option<String>,
    pub body: Value,
}

pub async fn call<S>(app: &S, method: actix_web::http::Method, authorization: &str, proofs: &[&str]) -> Answer
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse,
        Error = actix_web::Error,
    >,
{
    let mut req = actix_web::test::TestRequest::default().method(method).uri("/api/private");
    if !authorization.is_empty() {
        req = req.insert_header(("authorization", authorization));
    }
    for proof in proofs {
        req = req.append_header(("dpop", *proof));
    }
    let res = actix_web::test::call_service(app, req.to_request()).await;
    let status = res.status();
    let text = |name: &str| res.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let (challenge, nonce) = (text("www-authenticate").unwrap_or_default(), text("dpop-nonce"));
    let body = serde_json::from_slice(&actix_web::test::read_body(res).await).unwrap_or(Value::Null);
    Answer { status, challenge, nonce, body }
}
