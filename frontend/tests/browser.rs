//! Browser-bound modules in headless Chromium: storage round trip, WebCrypto signature checks
//! against a fixed key (good and tampered tokens), and the silent-renewal message filter with
//! real `MessageEvent`s (wrong origin, wrong source, unknown state) and its timeout.

#![allow(missing_docs)]

use frontend::auth::error::{AuthError, TokenError};
use frontend::auth::jwks::{self, Jwk};
use frontend::auth::{jwt, silent, store, Session};
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
    Jwk { kty: "RSA".into(), kid: Some("fixture".into()), n: Some(N.into()), e: Some("AQAB".into()) }
}

#[wasm_bindgen_test]
fn session_round_trips_through_local_storage_under_the_tutorial_keys() {
    store::clear();
    assert!(store::load().is_none());
    let session = Session::from_parts(ACCESS.into(), TOKEN.into(), 4_102_444_800_000.0).expect("session");
    store::save(&session).expect("saved");
    let storage = web_sys::window().and_then(|w| w.local_storage().ok().flatten()).expect("localStorage");
    assert_eq!(storage.get_item("access_token").ok().flatten(), Some(format!("\"{ACCESS}\"")));
    assert_eq!(storage.get_item("expires_at").ok().flatten().as_deref(), Some("4102444800000"));
    assert_eq!(store::load(), Some(session));
    assert!(matches!(store::load_state(), store::Stored::Session(_)));

    // Another tab halfway through writing a new session: an access token the ID token does not bind.
    storage.set_item("access_token", "\"someone-else's-token\"").expect("set");
    assert_eq!(store::load_state(), store::Stored::Changing);
    assert_eq!(store::load(), None);
    store::clear();
    assert_eq!(store::load_state(), store::Stored::Absent);
    assert!(store::load().is_none());
    assert_eq!(storage.get_item("id_token").ok().flatten(), None);
}

#[wasm_bindgen_test]
fn a_login_state_is_usable_once() {
    let pending = store::Pending {
        state: "st".into(),
        nonce: "n".into(),
        return_to: "/profile".into(),
        created_at: js_sys::Date::now(),
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

fn post(origin: &str, source: Option<&JsValue>, state: &str) {
    let data = Object::new();
    let hash = format!("#access_token=a&id_token=b&token_type=Bearer&expires_in=60&state={state}");
    for (k, v) in [("type", silent::MESSAGE_TYPE), ("hash", hash.as_str()), ("search", "")] {
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
            assert!(step.contains("never posted"), "{step}");
            assert_eq!(silent_uri, "http://localhost:3001/silent");
        }
        other => panic!("expected a timeout, got {other:?}"),
    }
    assert!(frame_window("s2").is_none(), "iframe removed");
}
