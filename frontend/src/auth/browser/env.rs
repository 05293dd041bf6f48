//! The clock, randomness and the window, the three things every effect needs, each failing with a
//! typed error instead of a panic when the page has no window (a worker, a test harness).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

use crate::auth::protocol::error::AuthError;

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = performance, js_name = mark, catch)]
    fn performance_mark(name: &str) -> Result<wasm_bindgen::JsValue, wasm_bindgen::JsValue>;
}

/// Marks a step on the page's performance timeline (`renewal:<step>` for a renewal's steps,
/// `start:<step>` for the app's start), so `make bench` can say where the time goes. A browser
/// without User Timing just has no marks.
pub fn mark(name: &str) {
    if performance_mark(name).is_err() {
        web_sys::console::debug_1(&format!("no performance mark for {name}").into());
    }
}

/// Epoch milliseconds (the wall clock: a sleeping laptop's timers lie, `Date.now()` does not).
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// The page's window.
pub fn window() -> Result<web_sys::Window, AuthError> {
    web_sys::window().ok_or_else(|| AuthError::Browser("no window".into()))
}

/// A JS exception as a browser error, with the operation that raised it.
pub fn js_error(context: &'static str) -> impl Fn(wasm_bindgen::JsValue) -> AuthError {
    move |e| AuthError::Browser(format!("{context}: {}", e.as_string().unwrap_or_else(|| format!("{e:?}"))))
}

/// 32 random bytes from `crypto.getRandomValues`, base64url: a state or a nonce.
pub fn random_token() -> Result<String, AuthError> {
    let mut bytes = [0u8; 32];
    window()?
        .crypto()
        .map_err(js_error("crypto"))?
        .get_random_values_with_u8_array(&mut bytes)
        .map_err(js_error("getRandomValues"))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// Uniform random in [0, 1), for backoff jitter.
pub fn random_unit() -> f64 {
    js_sys::Math::random()
}

/// Sends the browser to `url` (login, logout).
pub fn navigate(url: &str) -> Result<(), AuthError> {
    window()?.location().assign(url).map_err(js_error("navigation"))
}
