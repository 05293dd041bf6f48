//! The :3001 routes over the same `configure` as `main`: silent page and its headers, method and
//! path handling, every token rejection, CORS for the app's origin and for foreign ones, JWKS caching.

mod common;

use actix_web::http::{header, Method, StatusCode};
use actix_web::test;
use common::*;
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use serde_json::{json, Value};

fn state(issuer: &str, min_refresh_secs: u64) -> backend::AppState {
    app_state(issuer, min_refresh_secs, backend::config::DpopSettings::default())
}

async fn get_with<S>(app: &S, path: &str, headers: &[(&str, &str)]) -> (StatusCode, header::HeaderMap, Vec<u8>)
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse,
        Error = actix_web::Error,
    >,
{
    let mut req = test::TestRequest::get().uri(path);
    for (name, value) in headers {
        req = req.insert_header((*name, *value));
    }
    let res = test::call_service(app, req.to_request()).await;
    let (status, headers) = (res.status(), res.headers().clone());
    (status, headers, test::read_body(res).await.to_vec())
}

fn header_str(headers: &header::HeaderMap, name: header::HeaderName) -> &str {
    headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
}

#[actix_web::test]
async fn silent_page_is_served_with_its_security_headers() {
    let app = app!(state("http://127.0.0.1:9", 10));
    let (status, headers, body) = get_with(&app, "/silent", &[]).await;
    assert_eq!(status, StatusCode::OK);
    let body = String::from_utf8(body).expect("utf8");
    assert!(body.contains(r#""http://localhost:5000""#), "origin written into the page");
    assert!(!body.contains("__APP_ORIGIN__"));
    assert!(!body.contains(r#""*""#), "never posts to any origin");
    let csp = header_str(&headers, header::CONTENT_SECURITY_POLICY);
    assert!(csp.contains("frame-ancestors http://localhost:5000;"), "{csp}");
    assert!(csp.contains("script-src 'sha256-"), "{csp}");
    assert!(csp.contains("default-src 'none'"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(header_str(&headers, header::REFERRER_POLICY), "no-referrer");
    assert_eq!(header_str(&headers, header::X_CONTENT_TYPE_OPTIONS), "nosniff");
    assert_eq!(header_str(&headers, header::CACHE_CONTROL), "no-store");
    assert!(header_str(&headers, header::CONTENT_TYPE).starts_with("text/html"));
}

#[actix_web::test]
async fn silent_page_answers_head_and_refuses_other_methods() {
    let app = app!(state("http://127.0.0.1:9", 10));
    let res = test::call_service(&app, test::TestRequest::with_uri("/silent").method(Method::HEAD).to_request()).await;
    assert_eq!(res.status(), StatusCode::OK);
    for method in [Method::POST, Method::PUT, Method::DELETE] {
        let res =
            test::call_service(&app, test::TestRequest::with_uri("/silent").method(method.clone()).to_request()).await;
        assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED, "{method}");
        assert_eq!(res.headers().get(header::ALLOW).and_then(|v| v.to_str().ok()), Some("GET, HEAD"));
    }
}

#[actix_web::test]
async fn path_traversal_never_reaches_the_file_system() {
    let app = app!(state("http://127.0.0.1:9", 10));
    for path in [
        "/silent/../Cargo.toml",
        "/silent/..%2fCargo.toml",
        "/silent%2f..%2fCargo.toml",
        "/silent/%2e%2e/Cargo.toml",
        "/../Cargo.toml",
        "/public/silent.html",
        "/silent.html/..",
    ] {
        let (status, _, body) = get_with(&app, path, &[]).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert!(!String::from_utf8_lossy(&body).contains("[package]"), "{path}");
    }
}

#[actix_web::test]
async fn public_api_needs_no_token_and_healthz_answers() {
    let app = app!(state("http://127.0.0.1:9", 10));
    let (status, _, body) = get_with(&app, "/api/public", &[]).await;
    assert_eq!(status, StatusCode::OK);
    let body: Value = serde_json::from_slice(&body).expect("json");
    assert!(body["message"].as_str().is_some_and(|m| m.contains("public")));
    assert_eq!(get_with(&app, "/healthz", &[]).await.0, StatusCode::OK);
}

#[actix_web::test]
async fn valid_tokens_reach_private_routes_and_scope_is_enforced() {
    let issuer = Issuer::start().await;
    let app = app!(state(&issuer.url, 10));
    let token = sign(&keys().0, &claims(&issuer.url));
    let bearer = format!("Bearer {token}");
    let (status, headers, body) = get_with(&app, "/api/private", &[("authorization", &bearer)]).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    assert_eq!(header_str(&headers, header::CACHE_CONTROL), "no-store");
    let body: Value = serde_json::from_slice(&body).expect("json");
    assert_eq!(body["sub"], "dev|alice");
    assert_eq!(get_with(&app, "/api/private-scoped", &[("authorization", &bearer)]).await.0, StatusCode::OK);

    let mut unscoped = claims(&issuer.url);
    unscoped["scope"] = json!("openid profile");
    let bearer = format!("Bearer {}", sign(&keys().0, &unscoped));
    assert_eq!(get_with(&app, "/api/private", &[("authorization", &bearer)]).await.0, StatusCode::OK);
    let (status, headers, body) = get_with(&app, "/api/private-scoped", &[("authorization", &bearer)]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        header_str(&headers, header::WWW_AUTHENTICATE),
        r#"Bearer realm="api", error="insufficient_scope", scope="read:messages""#
    );
    let body: Value = serde_json::from_slice(&body).expect("json");
    assert_eq!(body["error"], "insufficient_scope");
}

#[actix_web::test]
async fn a_missing_token_gets_bare_challenges_for_both_schemes() {
    let app = app!(state("http://127.0.0.1:9", 10));
    let (status, headers, _) = get_with(&app, "/api/private", &[]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // RFC 6750 §3.1: no error code without credentials; RFC 9449 §7.1: DPoP offered beside Bearer.
    assert_eq!(header_str(&headers, header::WWW_AUTHENTICATE), r#"Bearer realm="api", DPoP realm="api", algs="ES256""#);
}

#[actix_web::test]
async fn every_bad_token_is_rejected_as_invalid_token() {
    let issuer = Issuer::start().await;
    let app = app!(state(&issuer.url, 10));
    let good = claims(&issuer.url);
    let with = |field: &str, value: Value| {
        let mut c = good.clone();
        c[field] = value;
        c
    };
    let without = |field: &str| {
        let mut c = good.clone();
        c.as_object_mut().expect("object").remove(field);
        c
    };
    let signed_good = sign(&keys().0, &good);
    let (head, rest) = signed_good.split_once('.').expect("jwt");
    let (_, sig) = rest.split_once('.').expect("jwt");
    let forged_payload = base64::Engine::encode(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
        serde_json::to_vec(&with("sub", json!("dev|mallory"))).expect("json"),
    );
    // HS256 with the public key's bytes as the HMAC secret: the classic algorithm-confusion forgery.
    let mut hs_header = Header::new(Algorithm::HS256);
    hs_header.kid = Some("key-1".into());
    let hs256 =
        encode(&hs_header, &good, &EncodingKey::from_secret(keys().0.jwk["n"].as_str().unwrap_or("").as_bytes()))
            .expect("hs256");

    let cases: Vec<(&str, String)> = vec![
        ("alg none", raw_token(&json!({"alg": "none", "kid": "key-1"}), &good, b"")),
        (
            "alg none, no signature",
            format!("{}.", raw_token(&json!({"alg": "none"}), &good, b"").rsplit_once('.').expect("jwt").0),
        ),
        ("HS256", hs256),
        ("wrong issuer", sign(&keys().0, &with("iss", json!("http://evil.example")))),
        ("wrong audience", sign(&keys().0, &with("aud", json!("http://other-api")))),
        ("expired beyond leeway", sign(&keys().0, &with("exp", json!(now() - 60)))),
        ("nbf in the future", sign(&keys().0, &with("nbf", json!(now() + 600)))),
        ("no exp", sign(&keys().0, &without("exp"))),
        ("no sub", sign(&keys().0, &without("sub"))),
        ("tampered payload", format!("{head}.{forged_payload}.{sig}")),
        ("signed by another key under a published kid", {
            let mut header = Header::new(Algorithm::RS256);
            header.kid = Some(keys().0.kid.clone());
            encode(&header, &good, &keys().1.encoding).expect("sign")
        }),
        ("garbage", "not-a-jwt".into()),
        ("oversized", "a".repeat(9000)),
    ];
    for (name, token) in cases {
        let bearer = format!("Bearer {token}");
        let (status, headers, body) = get_with(&app, "/api/private", &[("authorization", &bearer)]).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{name}: {}", String::from_utf8_lossy(&body));
        let challenge = header_str(&headers, header::WWW_AUTHENTICATE);
        assert!(challenge.starts_with(r#"Bearer realm="api", error="invalid_token""#), "{name}: {challenge}");
        assert!(
            !String::from_utf8_lossy(&body).contains(&token[..token.len().min(40)]) || token.len() < 20,
            "{name}: token echoed"
        );
    }
    for bad_header in ["Basic dXNlcjpwYXNz", "Bearer", "Bearer ", signed_good.as_str()] {
        let (status, headers, _) = get_with(&app, "/api/private", &[("authorization", bad_header)]).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{bad_header}");
        assert!(header_str(&headers, header::WWW_AUTHENTICATE).contains("invalid_token"), "{bad_header}");
    }
}

#[actix_web::test]
async fn an_expired_token_within_leeway_is_still_accepted() {
    let issuer = Issuer::start().await;
    let app = app!(state(&issuer.url, 10));
    let mut c = claims(&issuer.url);
    c["exp"] = json!(now() - 2);
    let bearer = format!("Bearer {}", sign(&keys().0, &c));
    assert_eq!(get_with(&app, "/api/private", &[("authorization", &bearer)]).await.0, StatusCode::OK);
}

#[actix_web::test]
async fn keys_are_cached_and_an_unknown_kid_refetches_at_most_once_per_interval() {
    let issuer = Issuer::start().await;
    let app = app!(state(&issuer.url, 3600));
    let good = format!("Bearer {}", sign(&keys().0, &claims(&issuer.url)));
    let mut other = claims(&issuer.url);
    other["sub"] = json!("dev|bob");
    let good2 = format!("Bearer {}", sign(&keys().0, &other));
    assert_eq!(get_with(&app, "/api/private", &[("authorization", &good)]).await.0, StatusCode::OK);
    assert_eq!(get_with(&app, "/api/private", &[("authorization", &good2)]).await.0, StatusCode::OK);
    assert_eq!(issuer.hits(), 1, "known kid: JWKS fetched once");

    // A flood of unknown key ids costs the issuer nothing more inside the interval.
    for i in 0..20 {
        let mut c = claims(&issuer.url);
        c["sub"] = json!(format!("u{i}"));
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(format!("made-up-{i}"));
        let token = encode(&header, &c, &keys().0.encoding).expect("sign");
        let bearer = format!("Bearer {token}");
        assert_eq!(get_with(&app, "/api/private", &[("authorization", &bearer)]).await.0, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(issuer.hits(), 1, "unknown kids did not refetch within the interval");
}

#[actix_web::test]
async fn a_rotated_key_is_picked_up_by_refetching() {
    let issuer = Issuer::start().await;
    let app = app!(state(&issuer.url, 0));
    let first = format!("Bearer {}", sign(&keys().0, &claims(&issuer.url)));
    assert_eq!(get_with(&app, "/api/private", &[("authorization", &first)]).await.0, StatusCode::OK);
    *issuer.published.lock().expect("lock") = vec![keys().1.jwk.clone()];
    let rotated = format!("Bearer {}", sign(&keys().1, &claims(&issuer.url)));
    assert_eq!(get_with(&app, "/api/private", &[("authorization", &rotated)]).await.0, StatusCode::OK);
    assert_eq!(issuer.hits(), 2);
}

#[actix_web::test]
async fn an_unreachable_issuer_is_a_503_not_a_401() {
    // Port 9 (discard) on loopback: connection refused.
    let app = app!(state("http://127.0.0.1:9", 0));
    let bearer = format!("Bearer {}", sign(&keys().0, &claims("http://127.0.0.1:9")));
    let (status, _, body) = get_with(&app, "/api/private", &[("authorization", &bearer)]).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    let body: Value = serde_json::from_slice(&body).expect("json");
    assert_eq!(body["error"], "temporarily_unavailable");
}

#[actix_web::test]
async fn a_failed_key_fetch_is_503_until_a_fetch_succeeds_even_inside_the_refetch_interval() {
    let issuer = Issuer::start().await;
    issuer.set_up(false);
    // The real limit: one refetch an hour for unknown key ids.
    let app = app!(state(&issuer.url, 3600));
    let bearer = format!("Bearer {}", sign(&keys().0, &claims(&issuer.url)));
    for attempt in 1..=3 {
        let (status, headers, _) = get_with(&app, "/api/private", &[("authorization", &bearer)]).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "attempt {attempt} while the issuer is down");
        assert!(!header_str(&headers, header::WWW_AUTHENTICATE).contains("invalid_token"), "attempt {attempt}");
    }
    issuer.set_up(true);
    let (status, _, _) = get_with(&app, "/api/private", &[("authorization", &bearer)]).await;
    assert_eq!(status, StatusCode::OK, "the first request after the outage fetches the keys");
    // Now the limit applies: an unknown kid within the hour does not refetch.
    let hits = issuer.hits();
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some("made-up".into());
    let unknown = format!("Bearer {}", encode(&header, &claims(&issuer.url), &keys().0.encoding).expect("sign"));
    assert_eq!(get_with(&app, "/api/private", &[("authorization", &unknown)]).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(issuer.hits(), hits, "no refetch inside the interval after a successful fetch");
}

#[actix_web::test]
async fn requests_queued_behind_a_failing_key_fetch_share_its_outcome() {
    let issuer = Issuer::start().await;
    issuer.set_up(false);
    let app = app!(state(&issuer.url, 3600));
    let bearer = format!("Bearer {}", sign(&keys().0, &claims(&issuer.url)));
    let headers = [("authorization", bearer.as_str())];
    let calls = (0..10).map(|_| get_with(&app, "/api/private", &headers));
    let statuses: Vec<StatusCode> = futures::future::join_all(calls).await.into_iter().map(|r| r.0).collect();
    assert!(statuses.iter().all(|s| *s == StatusCode::SERVICE_UNAVAILABLE), "{statuses:?}");
    assert_eq!(issuer.hits(), 1, "ten requests during one outage, one fetch");
}

#[actix_web::test]
async fn an_answer_without_origin_has_no_cors_headers_and_still_varies_by_origin() {
    let issuer = Issuer::start().await;
    let app = app!(state(&issuer.url, 10));
    let bearer = format!("Bearer {}", sign(&keys().0, &claims(&issuer.url)));
    for (path, auth) in [("/api/private", Some(bearer.as_str())), ("/api/private", None), ("/api/public", None)] {
        let headers_sent: Vec<(&str, &str)> = auth.map(|a| vec![("authorization", a)]).unwrap_or_default();
        let (_, plain, _) = get_with(&app, path, &headers_sent).await;
        assert!(plain.iter().all(|(name, _)| !name.as_str().starts_with("access-control-")), "{path}: {plain:?}");
        assert!(header_str(&plain, header::VARY).contains("Origin"), "{path}: a cache must not reuse it for a browser");
        let with_origin: Vec<(&str, &str)> = headers_sent.iter().copied().chain([("origin", APP_ORIGIN)]).collect();
        let (_, cors, _) = get_with(&app, path, &with_origin).await;
        assert_eq!(header_str(&cors, header::ACCESS_CONTROL_ALLOW_ORIGIN), APP_ORIGIN, "{path}");
        assert!(header_str(&cors, header::VARY).contains("Origin"), "{path}");
    }
}

#[actix_web::test]
async fn cors_allows_the_app_origin_only_even_on_errors() {
    let issuer = Issuer::start().await;
    let app = app!(state(&issuer.url, 10));
    let preflight = test::TestRequest::default()
        .method(Method::OPTIONS)
        .uri("/api/private")
        .insert_header(("origin", APP_ORIGIN))
        .insert_header(("access-control-request-method", "GET"))
        .insert_header(("access-control-request-headers", "authorization"))
        .to_request();
    let res = test::call_service(&app, preflight).await;
    assert!(res.status().is_success(), "{}", res.status());
    assert_eq!(header_str(res.headers(), header::ACCESS_CONTROL_ALLOW_ORIGIN), APP_ORIGIN);
    assert!(header_str(res.headers(), header::ACCESS_CONTROL_ALLOW_HEADERS)
        .to_ascii_lowercase()
        .contains("authorization"));
    assert!(header_str(res.headers(), header::ACCESS_CONTROL_ALLOW_METHODS).contains("GET"));

    let bearer = format!("Bearer {}", sign(&keys().0, &claims(&issuer.url)));
    let (status, headers, _) =
        get_with(&app, "/api/private", &[("origin", APP_ORIGIN), ("authorization", &bearer)]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(header_str(&headers, header::ACCESS_CONTROL_ALLOW_ORIGIN), APP_ORIGIN);

    let (status, headers, _) = get_with(&app, "/api/private", &[("origin", APP_ORIGIN)]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(header_str(&headers, header::ACCESS_CONTROL_ALLOW_ORIGIN), APP_ORIGIN, "errors carry CORS too");

    for foreign in ["http://evil.example", "http://localhost:5001", "null"] {
        let (_, headers, _) = get_with(&app, "/api/public", &[("origin", foreign)]).await;
        assert!(headers.get(header::ACCESS_CONTROL_ALLOW_ORIGIN).is_none(), "{foreign}");
        let preflight = test::TestRequest::default()
            .method(Method::OPTIONS)
            .uri("/api/private")
            .insert_header(("origin", foreign))
            .insert_header(("access-control-request-method", "GET"))
            .to_request();
        let res = test::call_service(&app, preflight).await;
        assert!(res.headers().get(header::ACCESS_CONTROL_ALLOW_ORIGIN).is_none(), "{foreign}");
    }
    let post = test::TestRequest::default()
        .method(Method::OPTIONS)
        .uri("/api/private")
        .insert_header(("origin", APP_ORIGIN))
        .insert_header(("access-control-request-method", "POST"))
        .to_request();
    let res = test::call_service(&app, post).await;
    assert!(res.headers().get(header::ACCESS_CONTROL_ALLOW_ORIGIN).is_none(), "POST not allowed");
}
