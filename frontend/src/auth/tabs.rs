//! Coordination between tabs of the app. Renewals run inside one Web Lock (`navigator.locks`), so
//! however many tabs reach the due time together, one calls the provider while the others wait,
//! then find the fresh session in storage and adopt it. If the tab holding the lock closes
//! mid-renewal the browser releases the lock and the next waiting tab renews. Other tabs learn of a
//! new session, a login or a logout through the `storage` event.

use futures::channel::oneshot;
use futures::future::LocalBoxFuture;
use gloo_events::EventListener;
use js_sys::{Function, Reflect};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

use super::error::AuthError;
use super::store::{self, Stored};

/// Name of the renewal lock (one per origin, which is one per app).
pub const RENEWAL_LOCK: &str = "token-renewal";

fn lock_request() -> Option<(JsValue, Function)> {
    let navigator = web_sys::window()?.navigator();
    let locks = Reflect::get(&navigator, &"locks".into()).ok().filter(|l| !l.is_undefined())?;
    let request = Reflect::get(&locks, &"request".into()).ok()?.dyn_into::<Function>().ok()?;
    Some((locks, request))
}

/// Runs `task` while holding the exclusive lock `name`; where the Web Locks API is missing (old
/// browsers), runs it directly — one tab's correctness never depends on the others.
pub async fn exclusive<T: 'static>(
    name: &str,
    task: LocalBoxFuture<'static, Result<T, AuthError>>,
) -> Result<T, AuthError> {
    let Some((locks, request)) = lock_request() else {
        web_sys::console::debug_1(&"renewal: Web Locks unavailable; renewing without cross-tab lock".into());
        return task.await;
    };
    let (sender, receiver) = oneshot::channel();
    let held = Closure::once_into_js(move |_lock: JsValue| -> js_sys::Promise {
        wasm_bindgen_futures::future_to_promise(async move {
            if sender.send(task.await).is_err() {
                web_sys::console::debug_1(&"renewal: lock holder gone".into());
            }
            Ok(JsValue::UNDEFINED)
        })
    });
    request
        .call2(&locks, &name.into(), &held)
        .map_err(|e| AuthError::Browser(format!("navigator.locks.request: {e:?}")))?;
    receiver.await.map_err(|_| AuthError::Browser("the renewal lock was dropped".into()))?
}

/// Calls `on_change` with the stored state whenever another tab writes or clears the session keys.
pub fn watch_other_tabs(on_change: impl Fn(Stored) + 'static) -> Option<EventListener> {
    let window = web_sys::window()?;
    Some(EventListener::new(&window, "storage", move |event| {
        let key = event.dyn_ref::<web_sys::StorageEvent>().and_then(web_sys::StorageEvent::key);
        // `key` is None when another tab called localStorage.clear().
        if key.as_deref().is_none_or(|k| [store::ACCESS_TOKEN, store::ID_TOKEN, store::EXPIRES_AT].contains(&k)) {
            on_change(store::load_state());
        }
    }))
}
