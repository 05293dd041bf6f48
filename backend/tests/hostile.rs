//! The API against an attacker: signing keys the issuer removed, key sets with keys that must not
//! be used, JOSE headers and claims RFC 7515 / 8725 say to refuse, claims at the integer limits,
//! errors that could echo the attacker's input, and every method on every route.

mod common;

use std::time::Duration;

use actix_web::http::{header, Method, StatusCode};
use actix_web::test;
use backend::config::DpopSettings;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use common::*;
use jsonwebtoken::{crypto, Algorithm};
use serde_json::{json, Value};

fn state_max_age(issuer: &str, max_age: Duration) -> backend::AppState {
    let settings = backend::config::Settings::new(APP_ORIGIN, issuer, AUDIENCE, 5, 0).expect("settings");
    app_state_from(settings.with_jwks_max_age(max_age))
}

/// A token with exactly this header and these claims, signed by `key` (for headers no library makes).
fn signed(key: &TestKey, header: &Value, claims: &Value) -> String {
    let part = |v: &Value| URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).expect("json"));
    let input = format!("{}.{}", part(header), part(claims));
    let signature = crypto::sign(input.as_bytes(), &key.encoding, Algorithm::RS256).expect("sign");
    format!("{input}.{signature}")
}

fn rs256(kid: &str) -> Value {
    json!({"alg": "RS256", "kid": kid})
}

struct Answer {
    status: StatusCode,
    headers: header::HeaderMap,
    body: Value,
}

async fn call<S>(app: &S, method: Method, path: &str, token: Option<&str>) -> Answer
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse,
        Error = actix_web::Error,
    >,
{
    let mut req = test::TestRequest::default().method(method).uri(path);
    if let Some(token) = token {
        req = req.insert_header(("authorization", format!("Bearer {token}")));
    }
    let res = test::call_service(app, req.to_request()).await;
    let (status, headers) = (res.status(), res.headers().clone());
    let body = serde_json::from_slice(&test::read_body(res).await).unwrap_or(Value::Null);
    Answer { status, headers, body }
}

#[actix_web::test]
async fn a_key_the_issuer_removed_is_not_trusted_once_the_key_set_is_older_than_its_max_age() {
    let issuer = Issuer::start().await;
    let app = app!(state_max_age(&issuer.url, Duration::ZERO));
    let token = sign(&keys().0, &claims(&issuer.url));
    assert_eq!(call(&app, Method::GET, "/api/private", Some(&token)).await.status, StatusCode::OK);
    // The issuer rotates key-1 out (say, it leaked).
    *issuer.published.lock().expect("lock") = vec![keys().1.jwk.clone()];
    let cached = call(&app, Method::GET, "/api/private", Some(&token)).await;
    assert_eq!(cached.status, StatusCode::UNAUTHORIZED, "a token verified before, under the removed key");
    let mut other = claims(&issuer.url);
    other["sub"] = json!("dev|mallory");
    let fresh = call(&app, Method::GET, "/api/private", Some(&sign(&keys().0, &other))).await;
    assert_eq!(fresh.status, StatusCode::UNAUTHORIZED, "a new token under the removed key");
    let current = call(&app, Method::GET, "/api/private", Some(&sign(&keys().1, &claims(&issuer.url)))).await;
    assert_eq!(current.status, StatusCode::OK, "the published key still works");
}

#[actix_web::test]
async fn a_token_verified_before_is_refused_as_soon_as_a_fetch_shows_its_key_removed_within_the_max_age() {
    // A remembered verification holds only while its key is published: a new key set, fetched for
    // another token's unknown kid, ends it at once, not when the old set would have aged out. (Any
    // shortcut that trusts the key set as last seen must notice it was replaced.)
    let issuer = Issuer::start().await;
    let app = app!(state_max_age(&issuer.url, Duration::from_secs(3600)));
    let token = sign(&keys().0, &claims(&issuer.url));
    for _ in 0..2 {
        assert_eq!(call(&app, Method::GET, "/api/private", Some(&token)).await.status, StatusCode::OK);
    }
    *issuer.published.lock().expect("lock") = vec![keys().1.jwk.clone()];
    let current = call(&app, Method::GET, "/api/private", Some(&sign(&keys().1, &claims(&issuer.url)))).await;
    assert_eq!(current.status, StatusCode::OK, "a token under the new key, whose kid makes the API fetch again");
    assert_eq!(issuer.hits(), 2);
    let cached = call(&app, Method::GET, "/api/private", Some(&token)).await;
    assert_eq!(cached.status, StatusCode::UNAUTHORIZED, "a token verified before, under the removed key");
}

#[actix_web::test]
async fn keys_younger_than_the_max_age_are_not_refetched_and_an_outage_past_it_is_503() {
    let issuer = Issuer::start().await;
    let app = app!(state_max_age(&issuer.url, Duration::from_secs(3600)));
    let token = sign(&keys().0, &claims(&issuer.url));
    for _ in 0..3 {
        assert_eq!(call(&app, Method::GET, "/api/private", Some(&token)).await.status, StatusCode::OK);
    }
    assert_eq!(issuer.hits(), 1, "within the max age the key set is trusted as fetched");

    let stale = app!(state_max_age(&issuer.url, Duration::ZERO));
    assert_eq!(call(&stale, Method::GET, "/api/private", Some(&token)).await.status, StatusCode::OK);
    issuer.set_up(false);
    let answer = call(&stale, Method::GET, "/api/private", Some(&token)).await;
    assert_eq!(
        answer.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "stale keys are not trusted, and an outage is not a 401"
    );
}

#[actix_web::test]
async fn only_rsa_signing_keys_for_rs256_are_used_and_duplicate_kids_are_refused() {
    let issuer = Issuer::start().await;
    let with = |kid: &str, extra: Value| {
        let mut jwk = keys().0.jwk.clone();
        jwk["kid"] = json!(kid);
        for (k, v) in extra.as_object().expect("object") {
            jwk[k] = v.clone();
        }
        jwk
    };
    let mut good = keys().1.jwk.clone();
    good["kid"] = json!("good");
    let mut also_good = keys().0.jwk.clone();
    also_good["kid"] = json!("bare");
    for field in ["use", "alg"] {
        also_good.as_object_mut().expect("object").remove(field);
    }
    *issuer.published.lock().expect("lock") = vec![
        with("enc", json!({"use": "enc"})),
        with("rs384", json!({"alg": "RS384"})),
        with("ops", json!({"key_ops": ["encrypt"]})),
        with("sig-ops", json!({"key_ops": ["sign", "verify"]})),
        with("dup", json!({})),
        with("dup", json!({})),
        with("broken", json!({"n": "!!!"})),
        with("ec", json!({"kty": "EC"})),
        good,
        also_good,
    ];
    let app = app!(app_state(&issuer.url, 3600, DpopSettings::default()));
    for (kid, expected) in [
        ("enc", StatusCode::UNAUTHORIZED),
        ("rs384", StatusCode::UNAUTHORIZED),
        ("ops", StatusCode::UNAUTHORIZED),
        ("dup", StatusCode::UNAUTHORIZED),
        ("broken", StatusCode::UNAUTHORIZED),
        ("ec", StatusCode::UNAUTHORIZED),
        ("sig-ops", StatusCode::OK),
        ("bare", StatusCode::OK),
    ] {
        let key = &keys().0;
        let token = signed(key, &rs256(kid), &claims(&issuer.url));
        assert_eq!(call(&app, Method::GET, "/api/private", Some(&token)).await.status, expected, "kid {kid}");
    }
    let token = signed(&keys().1, &rs256("good"), &claims(&issuer.url));
    assert_eq!(
        call(&app, Method::GET, "/api/private", Some(&token)).await.status,
        StatusCode::OK,
        "a bad key spoils nothing else"
    );
}

#[actix_web::test]
async fn headers_and_claims_rfc_8725_refuses_are_refused() {
    let issuer = Issuer::start().await;
    let app = app!(app_state(&issuer.url, 3600, DpopSettings::default()));
    let key = &keys().0;
    let good = claims(&issuer.url);
    let with_claim = |name: &str, value: Value| {
        let mut c = good.clone();
        c[name] = value;
        signed(key, &rs256("key-1"), &c)
    };
    let with_header = |name: &str, value: Value| {
        let mut h = rs256("key-1");
        h[name] = value;
        signed(key, &h, &good)
    };
    assert_eq!(
        call(&app, Method::GET, "/api/private", Some(&with_header("typ", json!("at+jwt")))).await.status,
        StatusCode::OK
    );
    assert_eq!(
        call(&app, Method::GET, "/api/private", Some(&with_header("typ", json!("JWT")))).await.status,
        StatusCode::OK
    );
    let refused = [
        ("crit", with_header("crit", json!(["exp"]))),
        ("typ of a DPoP proof", with_header("typ", json!("dpop+jwt"))),
        ("typ of a logout token", with_header("typ", json!("logout+jwt"))),
        ("iss as an array", with_claim("iss", json!([issuer.url]))),
        ("exp as a string", with_claim("exp", json!("soon"))),
        ("exp negative", with_claim("exp", json!(-1))),
        ("nbf at the limit", with_claim("nbf", json!(u64::MAX))),
        ("empty sub", with_claim("sub", json!(""))),
    ];
    for (name, token) in refused {
        let answer = call(&app, Method::GET, "/api/private", Some(&token)).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{name}");
        assert_eq!(answer.body["error"], "invalid_token", "{name}");
    }
    // At the integer limits: no panic, no wrap, in debug and release; asked twice (the cache).
    for (name, value) in
        [("exp", json!(u64::MAX)), ("exp", json!(i64::MAX)), ("iat", json!(u64::MAX)), ("iat", json!(i64::MIN))]
    {
        let token = with_claim(name, value.clone());
        for round in 0..2 {
            let answer = call(&app, Method::GET, "/api/private", Some(&token)).await;
            assert!(answer.status.is_client_error() || answer.status == StatusCode::OK, "{name}={value} round {round}");
        }
    }
}

/// What an error description may be: fixed wording, ASCII, nothing of the request in it.
fn assert_clean(answer: &Answer, input: &str) {
    let description = answer.body["error_description"].as_str().unwrap_or_default();
    let challenge = answer.headers.get(header::WWW_AUTHENTICATE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    for text in [description, challenge] {
        assert!(text.chars().all(|c| c.is_ascii() && !c.is_ascii_control()), "{text:?}");
        assert!(
            !text.contains("<script>") && !text.contains("evil") && !text.contains("unknown variant"),
            "{text:?} echoes {input:?}"
        );
    }
}

#[actix_web::test]
async fn errors_never_echo_the_attacker() {
    let issuer = Issuer::start().await;
    let app = app!(app_state(&issuer.url, 3600, DpopSettings::default()));
    let part = |v: &Value| URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).expect("json"));
    let sig = URL_SAFE_NO_PAD.encode(b"sig");
    let hostile = [
        format!(
            "{}.{}.{sig}",
            part(&json!({"alg": "<script>evil\u{202e}", "kid": "key-1"})),
            part(&claims(&issuer.url))
        ),
        format!("{}.{}.{sig}", part(&json!({"alg": "none"})), part(&claims(&issuer.url))),
        format!(
            "{}.{}.{sig}",
            part(&json!({"alg": "RS256", "kid": "evil\u{202e}\u{0007}<script>"})),
            part(&claims(&issuer.url))
        ),
        format!(
            "{}.{}.{sig}",
            part(&json!({"alg": "RS256", "kid": "key-1"})),
            URL_SAFE_NO_PAD.encode("{\"evil\":<script>")
        ),
        "evil<script>.\u{202e}.x".to_owned(),
    ];
    for token in hostile {
        let req =
            test::TestRequest::get().uri("/api/private").insert_header(("authorization", format!("Bearer {token}")));
        let res = test::call_service(&app, req.to_request()).await;
        let (status, headers) = (res.status(), res.headers().clone());
        let body = serde_json::from_slice(&test::read_body(res).await).unwrap_or(Value::Null);
        let answer = Answer { status, headers, body };
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{token}");
        assert_clean(&answer, &token);
    }
}

#[actix_web::test]
async fn every_route_answers_every_method_sensibly() {
    let app = app!(app_state("http://127.0.0.1:9", 10, DpopSettings::default()));
    for path in ["/api/public", "/healthz", "/silent"] {
        let head = call(&app, Method::HEAD, path, None).await;
        assert_eq!(head.status, StatusCode::OK, "HEAD {path}");
    }
    assert_eq!(
        call(&app, Method::HEAD, "/api/private", None).await.status,
        StatusCode::UNAUTHORIZED,
        "HEAD needs a token too"
    );
    for path in ["/api/public", "/api/private", "/api/private-scoped", "/healthz", "/silent"] {
        for method in [Method::POST, Method::PUT, Method::DELETE, Method::PATCH] {
            let answer = call(&app, method.clone(), path, None).await;
            assert_eq!(answer.status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
            let allow = answer.headers.get(header::ALLOW).and_then(|v| v.to_str().ok()).unwrap_or_default();
            assert_eq!(allow, "GET, HEAD", "{method} {path}");
            assert_eq!(nosniff(&answer.headers), Some("nosniff"), "{method} {path}");
        }
    }
    let nowhere = call(&app, Method::GET, "/nowhere", None).await;
    assert_eq!((nowhere.status, nosniff(&nowhere.headers)), (StatusCode::NOT_FOUND, Some("nosniff")));
    // A body where none is read: refused by size before anything else, with the route's headers.
    let big = test::TestRequest::post()
        .uri("/api/private")
        .insert_header((header::CONTENT_LENGTH, "10485760"))
        .set_payload(vec![b'x'; 64 * 1024])
        .to_request();
    let refused = test::call_service(&app, big).await;
    assert_eq!(refused.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(nosniff(refused.headers()), Some("nosniff"));
    assert_eq!(refused.headers().get(header::CACHE_CONTROL).and_then(|v| v.to_str().ok()), Some("no-store"));
}

/// The `X-Content-Type-Options` every answer of the API listener has.
fn nosniff(headers: &header::HeaderMap) -> Option<&str> {
    headers.get(header::X_CONTENT_TYPE_OPTIONS).and_then(|v| v.to_str().ok())
}

#[actix_web::test]
async fn api_answers_are_never_stored_by_a_cache() {
    // A private answer holds the user's claims; a shared or browser cache must not keep it.
    let issuer = Issuer::start().await;
    let app = app!(state_max_age(&issuer.url, Duration::from_secs(600)));
    let token = sign(&keys().0, &claims(&issuer.url));
    for (path, token) in [("/api/public", None), ("/api/private", Some(token.as_str())), ("/api/private", None)] {
        let answer = call(&app, Method::GET, path, token).await;
        let cache = answer.headers.get(header::CACHE_CONTROL).and_then(|v| v.to_str().ok());
        assert_eq!(cache, Some("no-store"), "{path} ({})", answer.status);
    }
}
