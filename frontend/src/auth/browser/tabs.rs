//! Following other tabs: a new session, a login or a logout written by another tab of the app
//! arrives here through the `storage` event, and is read back from the store whole (never from the
//! event's own values), so a tab acts only on a complete session of the current generation.
//!
//! localStorage reaches other tabs asynchronously (each renderer has its own cache): a tab can see
//! the keys of a session arrive one by one. The store's seal, written last, is what says a session
//! is complete; until then the store reads `Changing` and nothing is done.

use gloo_events::EventListener;
use wasm_bindgen::JsCast;

use super::store;
use crate::auth::protocol::session::Stored;

/// Calls `on_change` with the stored state whenever another tab writes or clears the session.
pub fn watch_other_tabs(on_change: impl Fn(Stored) + 'static) -> Option<EventListener> {
    let window = web_sys::window()?;
    Some(EventListener::new(&window, "storage", move |event| {
        let Some(event) = event.dyn_ref::<web_sys::StorageEvent>() else { return };
        // The seal completes a session; the generation changes at login and logout; the tutorial's
        // app logs out by removing `access_token`; `None` is localStorage.clear().
        let relevant = match event.key().as_deref() {
            None | Some(store::SEAL) | Some(store::GENERATION) => true,
            Some(store::ACCESS_TOKEN) => event.new_value().is_none(),
            Some(_) => false,
        };
        if relevant {
            on_change(store::read());
        }
    }))
}
