//! The login redirect's answer leaves the address bar first: at start-up, before configuration or
//! discovery load, `/callback`'s query (a code) and fragment (implicit tokens) are taken out of the
//! URL and the history entry, and kept in memory for the Callback page. A start that fails later
//! (configuration missing, provider down) never leaves a code or a token in history.

use std::cell::RefCell;

thread_local! {
    static CAPTURED: RefCell<Option<Captured>> = const { RefCell::new(None) };
}

/// The path the provider redirects logins to.
pub const CALLBACK_PATH: &str = "/callback";

/// The parts of the redirect that carry the answer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Captured {
    /// `location.hash`.
    pub hash: String,
    /// `location.search`.
    pub search: String,
}

/// Takes `/callback`'s answer out of the address bar, synchronously. Call before anything else.
pub fn capture() {
    let Some(window) = web_sys::window() else { return };
    let location = window.location();
    if location.pathname().ok().as_deref() != Some(CALLBACK_PATH) {
        return;
    }
    let captured =
        Captured { hash: location.hash().unwrap_or_default(), search: location.search().unwrap_or_default() };
    if captured.hash.is_empty() && captured.search.is_empty() {
        return;
    }
    match window.history() {
        Ok(history) => {
            if let Err(e) = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(CALLBACK_PATH)) {
                web_sys::console::warn_1(&e);
            }
        }
        Err(e) => web_sys::console::warn_1(&e),
    }
    CAPTURED.with(|c| *c.borrow_mut() = Some(captured));
}

/// The captured answer, once: a second call gets `None`.
pub fn take() -> Option<Captured> {
    CAPTURED.with(|c| c.borrow_mut().take())
}
