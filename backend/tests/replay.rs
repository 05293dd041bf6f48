//! The DPoP replay check under hostile use (issue 22): a proof that is refused records nothing, one
//! key cannot fill the memory store for everyone, and a proof stays refused as a replay for as long
//! as it could be accepted.

mod common;

use actix_web::http::{Method, StatusCode};
use backend::config::DpopSettings;
use backend::dpop;
use backend::replay::{proof_id, MemoryStore, ReplayError, ReplayStore};
use common::*;
use serde_json::json;

fn dpop(capacity: usize) -> DpopSettings {
    DpopSettings { replay_capacity: capacity, ..DpopSettings::default() }
}

/// Hole 1: a user with any valid token and throwaway keys sent proofs that were recorded before the
/// token's binding was checked, and filled the cache for everyone (503 "too many recent proofs").
#[actix_web::test]
async fn proofs_refused_for_their_key_record_nothing() {
    let issuer = Issuer::start().await;
    let app = app!(app_state(&issuer.url, 10, dpop(3)));
    let owner = ProofKey::new();
    let t = token(&issuer.url, Some(&owner));
    for i in 0..10 {
        let thief = ProofKey::new();
        let answer = call(&app, Method::GET, &format!("DPoP {t}"), &[&thief.proof(&t, &format!("junk-{i}"))]).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "junk proof {i}: {}", answer.challenge);
        assert_eq!(answer.body["error"], "invalid_token", "junk proof {i}");
    }
    let answer = call(&app, Method::GET, &format!("DPoP {t}"), &[&owner.proof(&t, "mine")]).await;
    assert_eq!(answer.status, StatusCode::OK, "the owner's proof: {}", answer.challenge);
    let other = ProofKey::new();
    let other_token = token(&issuer.url, Some(&other));
    let answer = call(&app, Method::GET, &format!("DPoP {other_token}"), &[&other.proof(&other_token, "theirs")]).await;
    assert_eq!(answer.status, StatusCode::OK, "another user's proof: {}", answer.challenge);
}

/// One bound user cannot block the others: each key has a bounded share of the memory store.
#[actix_web::test]
async fn one_key_cannot_fill_the_memory_store_for_the_others() {
    let issuer = Issuer::start().await;
    let app = app!(app_state(&issuer.url, 10, dpop(10)));
    let (busy, other) = (ProofKey::new(), ProofKey::new());
    let (busy_token, other_token) = (token(&issuer.url, Some(&busy)), token(&issuer.url, Some(&other)));
    let mut accepted = 0;
    for i in 0..20 {
        let answer =
            call(&app, Method::GET, &format!("DPoP {busy_token}"), &[&busy.proof(&busy_token, &format!("b-{i}"))])
                .await;
        if answer.status != StatusCode::OK {
            assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE, "{}", answer.challenge);
            break;
        }
        accepted += 1;
    }
    assert!(accepted < 10, "one key took {accepted} of the 10 places");
    let answer = call(&app, Method::GET, &format!("DPoP {other_token}"), &[&other.proof(&other_token, "o-1")]).await;
    assert_eq!(answer.status, StatusCode::OK, "another user after the busy one: {}", answer.challenge);
}

/// Hole 2: a proof whose `iat` is ahead of the server's clock stays acceptable until
/// `iat + max_age + leeway`; its `jti` was forgotten `max_age + leeway` after it was first seen, so
/// it could be replayed once in between (accepted at t0, refused at t0+30 and t0+65, accepted again
/// at t0+66).
#[actix_web::test]
async fn a_proof_from_a_clock_ahead_is_refused_as_a_replay_for_as_long_as_it_is_acceptable() {
    let key = ProofKey::new();
    let access_token = "token";
    let t0 = 1_800_000_000;
    let mut claims = ProofKey::claims(access_token, "ahead");
    claims["iat"] = json!(t0 + 5);
    let proof = key.sign(&key.header(), &claims);
    let store = ReplayStore::Memory(MemoryStore::new(100, 100));
    let at = |now: u64| dpop::Expected { method: "GET", url: URL, access_token, now, max_age_secs: 60, leeway_secs: 5 };
    // What the API does with a proof whose token is bound to its key: check it, then record it.
    let use_proof = |now: u64| {
        let (proof, store) = (&proof, &store);
        async move {
            let checked = dpop::verify(proof, &at(now), None).map_err(|_| "refused by its checks")?;
            let id = proof_id(&checked.thumbprint, &checked.htu, &checked.jti);
            store.record(&id, &checked.thumbprint, now, checked.acceptable_until(&at(now))).await.map_err(|e| match e {
                ReplayError::Replay => "a replay",
                _ => "not recorded",
            })
        }
    };
    assert_eq!(use_proof(t0).await, Ok(()), "first use");
    for later in [30, 65, 66, 70] {
        assert_eq!(use_proof(t0 + later).await, Err("a replay"), "used again at t0+{later}");
    }
    assert_eq!(use_proof(t0 + 71).await, Err("refused by its checks"), "too old by then");
}

/// Replicas given one nonce secret (`--dpop-nonce-secret-file`) accept each other's nonces.
#[actix_web::test]
async fn a_nonce_from_one_replica_is_accepted_by_another() {
    let issuer = Issuer::start().await;
    let secret = backend::config::NonceSecret([42; 32]);
    let shared = || DpopSettings { nonce: true, nonce_secret: Some(secret.clone()), ..DpopSettings::default() };
    let (a, b) = (app!(app_state(&issuer.url, 10, shared())), app!(app_state(&issuer.url, 10, shared())));
    let key = ProofKey::new();
    let t = token(&issuer.url, Some(&key));
    let asked = call(&a, Method::GET, &format!("DPoP {t}"), &[&key.proof(&t, "first")]).await;
    assert_eq!(asked.body["error"], "use_dpop_nonce");
    let mut claims = ProofKey::claims(&t, "second");
    claims["nonce"] = json!(asked.nonce.expect("DPoP-Nonce from replica A"));
    let at_b = call(&b, Method::GET, &format!("DPoP {t}"), &[&key.sign(&key.header(), &claims)]).await;
    assert_eq!(at_b.status, StatusCode::OK, "replica A's nonce at replica B: {}", at_b.challenge);
    // Without a shared secret, each replica draws its own: B refuses A's nonce.
    let own = || DpopSettings { nonce: true, ..DpopSettings::default() };
    let (a, b) = (app!(app_state(&issuer.url, 10, own())), app!(app_state(&issuer.url, 10, own())));
    let asked = call(&a, Method::GET, &format!("DPoP {t}"), &[&key.proof(&t, "third")]).await;
    claims["jti"] = json!("fourth");
    claims["nonce"] = json!(asked.nonce.expect("DPoP-Nonce"));
    let at_b = call(&b, Method::GET, &format!("DPoP {t}"), &[&key.sign(&key.header(), &claims)]).await;
    assert_eq!(at_b.body["error"], "use_dpop_nonce", "separate secrets");
}

/// `/readyz` says whether DPoP proofs can be checked; the memory store always can.
#[actix_web::test]
async fn a_replica_on_the_memory_store_is_ready() {
    let issuer = Issuer::start().await;
    let app = app!(app_state(&issuer.url, 10, DpopSettings::default()));
    let res =
        actix_web::test::call_service(&app, actix_web::test::TestRequest::get().uri("/readyz").to_request()).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(actix_web::test::read_body(res).await, "ready");
}
