//! DPoP at the API (RFC 9449 §4.3, §7), through the same `configure` as `main`: a bound token with
//! a good proof passes; each check, broken on its own, is refused with the right challenge; a bound
//! token cannot be used as a bearer token; server nonces; a public base URL behind a proxy; CORS.

mod common;

use actix_web::http::{header, Method, StatusCode};
use actix_web::test;
use backend::config::DpopSettings;
use backend::dpop::token_hash;
use common::*;
use serde_json::{json, Value};

fn state(issuer: &str, dpop: DpopSettings) -> backend::AppState {
    app_state(issuer, 10, dpop)
}

#[actix_web::test]
async fn a_bound_token_with_a_good_proof_passes_once() {
    let issuer = Issuer::start().await;
    let app = app!(state(&issuer.url, DpopSettings::default()));
    let key = ProofKey::new();
    let t = token(&issuer.url, Some(&key));
    let proof = key.proof(&t, "once");
    let ok = call(&app, Method::GET, &format!("DPoP {t}"), &[&proof]).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.challenge);
    assert_eq!(ok.body["sub"], "dev|alice");
    let again = call(&app, Method::GET, &format!("DPoP {t}"), &[&proof]).await;
    assert_eq!(again.status, StatusCode::UNAUTHORIZED, "a replayed proof");
    assert!(again.challenge.contains(r#"error="invalid_dpop_proof""#), "{}", again.challenge);
    assert!(again.challenge.starts_with("DPoP ") && again.challenge.contains(r#"algs="ES256""#));
    let fresh = call(&app, Method::GET, &format!("DPoP {t}"), &[&key.proof(&t, "another")]).await;
    assert_eq!(fresh.status, StatusCode::OK, "a new proof for the same token");
}

#[actix_web::test]
async fn each_broken_check_is_refused_with_the_right_error() {
    let issuer = Issuer::start().await;
    let app = app!(state(&issuer.url, DpopSettings::default()));
    let key = ProofKey::new();
    let other = ProofKey::new();
    let t = token(&issuer.url, Some(&key));
    let good = |jti: &str| ProofKey::claims(&t, jti);
    let with = |jti: &str, field: &str, value: Value| {
        let mut c = good(jti);
        c[field] = value;
        key.sign(&key.header(), &c)
    };
    let header_with = |field: &str, value: Value| {
        let mut h = key.header();
        h[field] = value;
        h
    };
    let mut tampered = key.proof(&t, "tampered");
    tampered.replace_range(tampered.len() - 6.., "AAAAAA");
    let mut private_jwk = key.jwk();
    private_jwk["d"] = json!("c2VjcmV0");
    let mut wrong_curve = key.jwk();
    wrong_curve["crv"] = json!("P-384");
    let cases: Vec<(&str, String, &str)> = vec![
        ("typ", key.sign(&header_with("typ", json!("JWT")), &good("typ")), "invalid_dpop_proof"),
        ("no typ", key.sign(&header_with("typ", Value::Null), &good("notyp")), "invalid_dpop_proof"),
        ("alg", key.sign(&header_with("alg", json!("RS256")), &good("alg")), "invalid_dpop_proof"),
        ("alg none", key.sign(&header_with("alg", json!("none")), &good("none")), "invalid_dpop_proof"),
        ("private jwk", key.sign(&header_with("jwk", private_jwk), &good("d")), "invalid_dpop_proof"),
        ("curve", key.sign(&header_with("jwk", wrong_curve), &good("crv")), "invalid_dpop_proof"),
        ("crit", key.sign(&header_with("crit", json!(["exp"])), &good("crit")), "invalid_dpop_proof"),
        ("signature", tampered, "invalid_dpop_proof"),
        ("another key's signature", other.sign(&key.header(), &good("other-sig")), "invalid_dpop_proof"),
        ("htm", with("htm", "htm", json!("POST")), "invalid_dpop_proof"),
        ("htu path", with("path", "htu", json!("http://localhost:3001/api/private-scoped")), "invalid_dpop_proof"),
        ("htu host", with("host", "htu", json!("http://evil.example/api/private")), "invalid_dpop_proof"),
        ("iat old", with("old", "iat", json!(now() - 3600)), "invalid_dpop_proof"),
        ("iat future", with("future", "iat", json!(now() + 3600)), "invalid_dpop_proof"),
        ("iat at the integer limit", with("max", "iat", json!(i64::MAX)), "invalid_dpop_proof"),
        ("iat at the bottom", with("min", "iat", json!(i64::MIN)), "invalid_dpop_proof"),
        ("ath", with("ath", "ath", json!(token_hash("another token"))), "invalid_dpop_proof"),
        ("no ath", with("noath", "ath", Value::Null), "invalid_dpop_proof"),
        ("no jti", with("nojti", "jti", Value::Null), "invalid_dpop_proof"),
        ("malformed", "not.a.proof".to_owned(), "invalid_dpop_proof"),
        ("another key's proof", other.proof(&t, "other"), "invalid_token"),
    ];
    for (name, proof, error) in cases {
        let answer = call(&app, Method::GET, &format!("DPoP {t}"), &[&proof]).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{name}");
        assert!(answer.challenge.contains(&format!(r#"error="{error}""#)), "{name}: {}", answer.challenge);
        assert_eq!(answer.body["error"], error, "{name}");
        assert!(!answer.challenge.contains(&proof), "{name}: the proof is not echoed");
    }
    // A query string is not part of htu: a proof for the bare URL is good for `?x=1`.
    let proof = key.proof(&t, "query");
    let req = test::TestRequest::get()
        .uri("/api/private?x=1")
        .insert_header(("authorization", format!("DPoP {t}")))
        .insert_header(("dpop", proof))
        .to_request();
    assert_eq!(test::call_service(&app, req).await.status(), StatusCode::OK);
}

#[actix_web::test]
async fn the_scheme_and_the_binding_must_agree() {
    let issuer = Issuer::start().await;
    let app = app!(state(&issuer.url, DpopSettings::default()));
    let key = ProofKey::new();
    let bound = token(&issuer.url, Some(&key));
    let as_bearer = call(&app, Method::GET, &format!("Bearer {bound}"), &[]).await;
    assert_eq!(as_bearer.status, StatusCode::UNAUTHORIZED, "a bound token copied out and used as bearer");
    assert!(as_bearer.challenge.contains(r#"error="invalid_token""#));
    // Again, now that its verification is remembered (the extractor's fast path).
    let again = call(&app, Method::GET, &format!("Bearer {bound}"), &[]).await;
    assert_eq!(again.status, StatusCode::UNAUTHORIZED, "a bound token used as bearer, verified before");
    let without_proof = call(&app, Method::GET, &format!("DPoP {bound}"), &[]).await;
    assert!(without_proof.challenge.contains(r#"error="invalid_dpop_proof""#), "{}", without_proof.challenge);
    let two =
        call(&app, Method::GET, &format!("DPoP {bound}"), &[&key.proof(&bound, "a"), &key.proof(&bound, "b")]).await;
    assert!(two.challenge.contains(r#"error="invalid_dpop_proof""#), "two proofs");
    let unbound = token(&issuer.url, None);
    let unbound_as_dpop = call(&app, Method::GET, &format!("DPoP {unbound}"), &[&key.proof(&unbound, "u")]).await;
    assert!(unbound_as_dpop.challenge.contains(r#"error="invalid_token""#), "{}", unbound_as_dpop.challenge);
    assert_eq!(
        call(&app, Method::GET, &format!("Bearer {unbound}"), &[]).await.status,
        StatusCode::OK,
        "bearer tokens still work"
    );
    let none = call(&app, Method::GET, "", &[]).await;
    assert!(
        none.challenge.contains("Bearer") && none.challenge.contains(r#"DPoP realm="api", algs="ES256""#),
        "{}",
        none.challenge
    );
}

#[actix_web::test]
async fn a_server_nonce_is_asked_for_once_and_then_accepted() {
    let issuer = Issuer::start().await;
    let app = app!(state(&issuer.url, DpopSettings { nonce: true, ..DpopSettings::default() }));
    let key = ProofKey::new();
    let t = token(&issuer.url, Some(&key));
    let first = call(&app, Method::GET, &format!("DPoP {t}"), &[&key.proof(&t, "n1")]).await;
    assert_eq!(first.status, StatusCode::UNAUTHORIZED);
    assert!(first.challenge.contains(r#"error="use_dpop_nonce""#), "{}", first.challenge);
    let nonce = first.nonce.expect("DPoP-Nonce");
    let mut claims = ProofKey::claims(&t, "n2");
    claims["nonce"] = json!(nonce);
    let second = call(&app, Method::GET, &format!("DPoP {t}"), &[&key.sign(&key.header(), &claims)]).await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.challenge);
    claims["jti"] = json!("n3");
    claims["nonce"] = json!("made-up");
    let forged = call(&app, Method::GET, &format!("DPoP {t}"), &[&key.sign(&key.header(), &claims)]).await;
    assert!(forged.challenge.contains(r#"error="use_dpop_nonce""#));
}

#[actix_web::test]
async fn behind_a_proxy_the_public_base_url_is_what_proofs_name() {
    let issuer = Issuer::start().await;
    let public = DpopSettings { public_base_url: "https://api.example".into(), ..DpopSettings::default() };
    let app = app!(state(&issuer.url, public));
    let key = ProofKey::new();
    let t = token(&issuer.url, Some(&key));
    let mut claims = ProofKey::claims(&t, "p1");
    claims["htu"] = json!("https://API.example:443/api/private");
    assert_eq!(
        call(&app, Method::GET, &format!("DPoP {t}"), &[&key.sign(&key.header(), &claims)]).await.status,
        StatusCode::OK
    );
    let internal = call(&app, Method::GET, &format!("DPoP {t}"), &[&key.proof(&t, "p2")]).await;
    assert!(internal.challenge.contains(r#"error="invalid_dpop_proof""#), "the internal URL is not the public one");
}

#[actix_web::test]
async fn cors_lets_the_app_send_proofs_and_read_nonces() {
    let issuer = Issuer::start().await;
    let app = app!(state(&issuer.url, DpopSettings::default()));
    let preflight = test::TestRequest::default()
        .method(Method::OPTIONS)
        .uri("/api/private")
        .insert_header(("origin", APP_ORIGIN))
        .insert_header(("access-control-request-method", "GET"))
        .insert_header(("access-control-request-headers", "authorization, dpop"))
        .to_request();
    let res = test::call_service(&app, preflight).await;
    assert!(res.status().is_success(), "{}", res.status());
    let allowed = res.headers().get(header::ACCESS_CONTROL_ALLOW_HEADERS).and_then(|v| v.to_str().ok()).unwrap_or("");
    assert!(allowed.to_ascii_lowercase().contains("dpop"), "{allowed}");
    let key = ProofKey::new();
    let t = token(&issuer.url, Some(&key));
    let req = test::TestRequest::get()
        .uri("/api/private")
        .insert_header(("origin", APP_ORIGIN))
        .insert_header(("authorization", format!("DPoP {t}")))
        .insert_header(("dpop", key.proof(&t, "cors")))
        .to_request();
    let res = test::call_service(&app, req).await;
    let exposed = res.headers().get(header::ACCESS_CONTROL_EXPOSE_HEADERS).and_then(|v| v.to_str().ok()).unwrap_or("");
    assert!(exposed.to_ascii_lowercase().contains("dpop-nonce"), "{exposed}");
}
