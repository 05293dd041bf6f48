//! Browser-bound modules in headless Chromium: the session store (the tutorial's plain format, the
//! seal, generations refusing what was in flight at Log Out), the bounded lock wait, one-time login
//! states, WebCrypto signature checks against a fixed key (good and tampered tokens), and the
//! silent-renewal message filter with real `MessageEvent`s (wrong origin, wrong source, unknown
//! state) and its fail-fast timeout; and SHA-256 as the browser build computes it.

#![allow(missing_docs)]

use frontend::auth::browser::keys::{self as jwks, Jwk};
use frontend::auth::browser::{frame as silent, locks, store};
use frontend::auth::protocol::error::{AuthError, TimeoutStep, TokenError};
use frontend::auth::protocol::jwt;
use frontend::auth::protocol::paths::FrameStatus;
use frontend::auth::protocol::response::MESSAGE_TYPE;
use frontend::auth::protocol::session::Stored;
use frontend::auth::Session;
use gloo_timers::future::TimeoutFuture;
use js_sys::{Object, Reflect};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;
use web_sys::{MessageEvent, MessageEventInit};

wasm_bindgen_test_configure!(run_in_browser);

/// A public key and an ID token it signed, whose `at_hash` binds `ACCESS` (generated once with
/// Node's crypto; the private key was discarded).
const N: &str = "_LEoPgjvUJq2FS1sJRw2x4aqZGACTtHf0AVRrZZbCQHYUJN-KWF3KgZ1pEuKIDdtaCZA6mFEsPAFw4aaEfqszdTEuS8RFNfWvxeJYBhU6wldeGJjKHGmxhH1bZsJHI3p2xT4OFyCXJZZzetNCEiwCQ97R9p7V4Ea0m381ialZRNWj2XUeRvErklrAnzZ8iPG6lbCUX0Bpc3A2S4eaqED4nbm2urzOZV9h-yXcKfbskb5AnkuORVWJD8XvvuTR61wJ0GKwdYdD0UHWd_xJ6ZEHztJXgkmZACohg8dvAof26CYvN-pJsVOKmkjwGb3MoJLg_omcxXBCoJrc6OpZc1Ofw";
const ACCESS: &str = "fixture-access-token";
const TOKEN: &str = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImZpeHR1cmUifQ.eyJpc3MiOiJodHRwOi8vbG9jYWxob3N0OjQwMDAiLCJzdWIiOiJhdXRoMHxmaXh0dXJlIiwiYXVkIjoiZGV2LXNwYS1jbGllbnQiLCJleHAiOjQxMDI0NDQ4MDAsImlhdCI6MTcwMDAwMDAwMCwibm9uY2UiOiJuIiwiYXRfaGFzaCI6IjNxVXl4dlZnSVNqTjBoZmxZQ0NaQmcifQ.lM6QqrBvL8dxz4he6C6LR_oGVMcDTUJhJXUiXRFM8FBbFLckdmaUev363YiSFlHNxhiJOYUJGBNJxUDw4G2xzgh4rLsnHSrJ51XO7ibBmo5n3d_rdPZ9Q0kqmlMWVsBmnccx4jnxUrvJMs1mePTnygyejw55FrEBGXM9zvKLOg2dqMgNixuOCG0LxsZrQ6i361tOWE1m7eeZYIj1jzxKfZxMSSefwax_HqOJQdlypzsqeJ_Qjl0SZ5iqD9nXJlT6sOjJAIebM8_G-vbSvLOwOY4iEPC2IYZVYW_0-NZPbtEEsCSa_rNQFDNx2aLjOMJB_8Y9y_ztJ0BFX_E7MltNDw";

fn fixture_jwk() -> Jwk {
    Jwk { kty: "RSA".into(), kid: Some("fixture".into()), n: Some(N.into()), e: Some("AQAB".into()), ..Jwk::default() }
}

/// Runs `f` holding the renewal lock, as every store write must.
async fn holding<T: 'static, F: std::future::Future<Output = T> + 'static>(
    f: impl FnOnce(locks::Held) -> F + 'static,
) -> T {
    locks::exclusive(Box::new(move |_, held| Box::pin(f(held)))).await.expect("lock")
}

fn local_storage() -> web_sys::Storage {
    web_sys::window().and_then(|w| w.local_storage().ok().flatten()).expect("localStorage")
}

fn session(expires_at: f64) -> Session {
    Session::from_parts(ACCESS.into(), TOKEN.into(), expires_at).expect("session")
}

/// The browser build hashes with sha2's compact backend (frontend/Cargo.toml), which the native
/// tests never run: RFC 7636's S256 example, the fixture token's `at_hash`, and a digest of more
/// than one 64-byte block (computed with Python's hashlib).
#[wasm_bindgen_test]
fn sha256_in_the_browser_build_matches_known_digests() {
    use frontend::auth::protocol::{authorize::pkce_challenge, claims::at_hash, session::fingerprint};
    assert_eq!(
        pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    );
    assert_eq!(at_hash(ACCESS), "3qUyxvVgISjN0hflYCCZBg");
    assert_eq!(fingerprint(&[&"a".repeat(100), "b"]), "K_UDVSzzwGR6dOgj");
}

#[wasm_bindgen_test]
async fn a_login_is_stored_in_the_tutorials_plain_format_with_its_seal() {
    local_storage().clear().expect("clear");
    assert_eq!(store::read(), Stored::Absent { generation: 0 });
    let s = session(4_102_444_800_000.0);
    let login = s.clone();
    let committed = holding(move |held| async move { store::commit_login(&held, &login, 0).await }).await;
    assert_eq!(committed, Ok(1));
    let storage = local_storage();
    assert_eq!(storage.get_item("access_token").ok().flatten().as_deref(), Some(ACCESS), "plain, not JSON-quoted");
    assert_eq!(storage.get_item("id_token").ok().flatten().as_deref(), Some(TOKEN));
    assert_eq!(storage.get_item("expires_at").ok().flatten().as_deref(), Some("4102444800000"));
    assert_eq!(storage.get_item(store::GENERATION).ok().flatten().as_deref(), Some("1"));
    assert_eq!(store::read(), Stored::Session { session: Box::new(s), generation: 1 });

    // Another tab halfway through writing a new session: an access token the seal does not cover.
    storage.set_item("access_token", "someone-else's-token").expect("set");
    assert_eq!(store::read(), Stored::Changing { generation: 1 });
}

#[wasm_bindgen_test]
async fn after_log_out_no_commit_in_flight_can_store_a_session() {
    local_storage().clear().expect("clear");
    let s = session(4_102_444_800_000.0);
    let login = s.clone();
    let generation =
        holding(move |held| async move { store::commit_login(&held, &login, 0).await }).await.expect("login");

    // A renewal of that generation is in flight when the person logs out.
    assert_eq!(store::begin_logout(), Ok(generation + 1));
    let late = s.clone();
    let refused =
        holding(move |held| async move { store::commit_renewal(&held, &late, generation, FrameStatus::Unknown).await })
            .await;
    assert_eq!(refused, Err(AuthError::Superseded));
    // What the logout left is no session, and is removed.
    assert_eq!(store::read(), Stored::Absent { generation: generation + 1 });
    store::remove_leftovers();
    for key in ["access_token", "id_token", "expires_at", store::SEAL] {
        assert_eq!(local_storage().get_item(key).ok().flatten(), None, "{key} removed");
    }
    // A login started before the logout is refused too; one started after it is stored.
    let stale = s.clone();
    let refused = holding(move |held| async move { store::commit_login(&held, &stale, generation).await }).await;
    assert_eq!(refused, Err(AuthError::Superseded));
    let fresh = s.clone();
    let stored = holding(move |held| async move { store::commit_login(&held, &fresh, generation + 1).await }).await;
    assert_eq!(stored, Ok(generation + 2));
}

#[wasm_bindgen_test]
async fn a_session_ended_by_the_provider_begins_an_empty_generation_once() {
    local_storage().clear().expect("clear");
    let s = session(4_102_444_800_000.0);
    let generation = holding(move |held| async move { store::commit_login(&held, &s, 0).await }).await.expect("login");
    assert_eq!(holding(move |held| async move { store::end(&held, generation) }).await, Ok(Some(generation + 1)));
    assert_eq!(store::read(), Stored::Absent { generation: generation + 1 });
    assert_eq!(holding(move |held| async move { store::end(&held, generation) }).await, Ok(None), "already over");
}

#[wasm_bindgen_test]
async fn a_bounded_wait_for_the_lock_gives_up_while_another_holder_keeps_it() {
    let (release, released) = futures::channel::oneshot::channel::<()>();
    let holder = locks::exclusive(Box::new(move |_, _held| {
        Box::pin(async move {
            released.await.expect("released by the waiter");
        })
    }));
    let waiter = async {
        TimeoutFuture::new(20).await;
        let waited: Result<(), _> = locks::exclusive_within(200, Box::new(|_, _held| Box::pin(async {}))).await;
        assert_eq!(waited, Err(locks::LockError::Busy(200)));
        release.send(()).expect("holder waiting");
    };
    let (held, ()) = futures::join!(holder, waiter);
    assert_eq!(held, Ok(()));
}

#[wasm_bindgen_test]
fn a_login_state_is_usable_once() {
    let pending = store::Pending {
        state: "st".into(),
        nonce: "n".into(),
        verifier: Some("v".into()),
        return_to: "/profile".into(),
        created_at: js_sys::Date::now(),
        generation: 0,
    };
    store::push_pending(pending.clone()).expect("stored");
    assert_eq!(store::take_pending("st", js_sys::Date::now()), Some(pending));
    assert_eq!(store::take_pending("st", js_sys::Date::now()), None, "replayed state");
    assert_eq!(store::take_pending("never-issued", js_sys::Date::now()), None);
}

#[wasm_bindgen_test]
async fn webcrypto_accepts_a_good_signature_and_rejects_tampering() {
    let key = jwks::import(&fixture_jwk()).await.expect("imported");
    let good = jwt::decode(TOKEN).expect("decodes");
    assert_eq!(jwks::verify_with(&key, &good).await, Ok(()));

    let mut payload_changed = good.clone();
    payload_changed.signing_input = payload_changed.signing_input.replace('e', "f");
    assert_eq!(jwks::verify_with(&key, &payload_changed).await, Err(AuthError::Token(TokenError::Signature)));

    let mut signature_changed = good.clone();
    signature_changed.signature[10] ^= 1;
    assert_eq!(jwks::verify_with(&key, &signature_changed).await, Err(AuthError::Token(TokenError::Signature)));
}

/// A JWKS served from a `data:` URL, so each test has its own set (the key cache is per URL).
fn jwks_uri(keys: serde_json::Value) -> String {
    let json = serde_json::json!({ "keys": keys }).to_string();
    format!("data:application/json,{}", String::from(js_sys::encode_uri_component(&json)))
}

#[wasm_bindgen_test]
async fn a_key_that_cannot_be_imported_is_skipped_and_the_others_still_verify() {
    let good = jwt::decode(TOKEN).expect("decodes");
    let fixture = serde_json::json!({"kty": "RSA", "kid": "fixture", "n": N, "e": "AQAB", "use": "sig"});
    let broken = serde_json::json!({"kty": "RSA", "kid": "broken", "n": "!!not base64!!", "e": "AQAB"});
    let unreadable = serde_json::json!({"kty": "RSA", "kid": ["not", "a", "string"], "n": N, "e": "AQAB"});
    let uri = jwks_uri(serde_json::json!([broken, unreadable, fixture]));
    assert_eq!(jwks::verify(&uri, &good).await, Ok(()));
}

#[wasm_bindgen_test]
async fn a_kid_published_twice_or_for_encryption_verifies_nothing() {
    let good = jwt::decode(TOKEN).expect("decodes");
    let fixture = serde_json::json!({"kty": "RSA", "kid": "fixture", "n": N, "e": "AQAB"});
    let twice = jwks_uri(serde_json::json!([fixture.clone(), fixture.clone()]));
    assert_eq!(jwks::verify(&twice, &good).await, Err(AuthError::Token(TokenError::UnknownKey)));
    let mut encryption = fixture;
    encryption["use"] = "enc".into();
    let for_encryption = jwks_uri(serde_json::json!([encryption]));
    assert_eq!(jwks::verify(&for_encryption, &good).await, Err(AuthError::Token(TokenError::UnknownKey)));
}

fn post(origin: &str, source: Option<&JsValue>, state: &str) {
    let data = Object::new();
    let hash = format!("#access_token=a&id_token=b&token_type=Bearer&expires_in=60&state={state}");
    for (k, v) in [("type", MESSAGE_TYPE), ("hash", hash.as_str()), ("search", "")] {
        Reflect::set(&data, &k.into(), &v.into()).expect("set");
    }
    let init = MessageEventInit::new();
    init.set_data(&data);
    init.set_origin(origin);
    if let Some(source) = source {
        init.set_source(Some(&Object::from(source.clone())));
    }
    let event = MessageEvent::new_with_event_init_dict("message", &init).expect("event");
    web_sys::window().expect("window").dispatch_event(&event).expect("dispatched");
}

fn frame_window(state: &str) -> Option<JsValue> {
    let document = web_sys::window()?.document()?;
    let frame = document.query_selector(&format!("iframe[data-silent-renewal='{state}']")).ok()??;
    let frame: web_sys::HtmlIFrameElement = wasm_bindgen::JsCast::dyn_into(frame).ok()?;
    frame.content_window().map(JsValue::from)
}

#[wasm_bindgen_test]
async fn the_message_filter_reads_only_our_frame_at_the_silent_origin_with_our_state() {
    const ORIGIN: &str = "http://localhost:3001";
    let forge = async {
        TimeoutFuture::new(0).await;
        let ours = frame_window("s1").expect("iframe is in the DOM while renewing");
        let this_window = JsValue::from(web_sys::window().expect("window"));
        post("http://evil.example", Some(&ours), "s1"); // wrong origin
        post(ORIGIN, Some(&this_window), "s1"); // wrong source
        post(ORIGIN, None, "s1"); // no source
        post(ORIGIN, Some(&ours), "old-state"); // unknown or replayed state
        TimeoutFuture::new(50).await;
        post(ORIGIN, Some(&ours), "s1"); // the real answer
    };
    let run = silent::run("about:blank", ORIGIN, "http://localhost:3001/silent", "s1", 5_000);
    let (result, ()) = futures::join!(run, forge);
    assert_eq!(result.expect("answered").state, "s1");
    assert!(frame_window("s1").is_none(), "iframe removed");
}

#[wasm_bindgen_test]
async fn a_frame_that_loads_but_never_posts_fails_fast_and_cleans_up() {
    // about:blank loads and stays silent, like a provider's error page: no need to wait 5 s.
    let result = silent::run("about:blank", "http://localhost:3001", "http://localhost:3001/silent", "s2", 5_000).await;
    match result {
        Err(AuthError::Timeout { after_ms, step, silent_uri }) => {
            assert!(after_ms < 3_000, "failed after {after_ms} ms");
            assert!(after_ms >= silent::LOAD_GRACE_MS - 50, "waited the grace period ({after_ms} ms)");
            assert_eq!(step, TimeoutStep::SilentPage);
            assert_eq!(silent_uri, "http://localhost:3001/silent");
        }
        other => panic!("expected a timeout, got {other:?}"),
    }
    assert!(frame_window("s2").is_none(), "iframe removed");
}
