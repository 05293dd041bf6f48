//! Coordination between tabs of the app. Renewals run inside one Web Lock (`navigator.locks`), so
//! however many tabs reach the due time together, one calls the provider while the others wait,
//! then find the fresh session in storage and adopt it. If the tab holding the lock closes
//! mid-renewal the browser releases the lock and the next waiting tab renews. Other tabs learn of a
//! new session, a login or a logout through the `storage` event.
//!
//! localStorage reaches other tabs asynchronously (each renderer has its own cache), so a tab that
//! waited behind another for the lock gives the other tab's result a moment to arrive before it
//! decides to renew itself.

use std::cell::RefCell;
use std::rc::Rc;

use futures::channel::oneshot;
use futures::future::LocalBoxFuture;
use gloo_events::EventListener;
use js_sys::{Function, Object, Reflect};
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

/// Whether this tab got the lock at once or waited behind another tab holding it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The lock was free.
    Leader,
    /// Another tab held the lock (and most likely just renewed): check for its result first.
    Follower,
}

type Task<T> = Box<dyn FnOnce(Role) -> LocalBoxFuture<'static, Result<T, AuthError>>>;

/// Runs `task` while holding the exclusive lock `name`, telling it whether it had to wait. Where
/// the Web Locks API is missing (old browsers), runs it directly as leader — one tab's correctness
/// never depends on the others.
pub async fn exclusive<T: 'static>(name: &str, task: Task<T>) -> Result<T, AuthError> {
    let Some((locks, request)) = lock_request() else {
        web_sys::console::debug_1(&"renewal: Web Locks unavailable; renewing without cross-tab lock".into());
        return task(Role::Leader).await;
    };
    let task = Rc::new(RefCell::new(Some(task)));
    let lock_error = |e: JsValue| AuthError::Browser(format!("navigator.locks.request: {e:?}"));

    // First, only if free: the result says whether another tab is renewing right now.
    let (sender, receiver) = oneshot::channel();
    let first = task.clone();
    let try_now = Closure::once_into_js(move |lock: JsValue| -> js_sys::Promise {
        if lock.is_null() {
            if sender.send(None).is_err() {
                web_sys::console::debug_1(&"renewal: lock caller gone".into());
            }
            return js_sys::Promise::resolve(&JsValue::UNDEFINED);
        }
        run_holding(first, Role::Leader, move |result| sender.send(Some(result)).is_ok())
    });
    let options = Object::new();
    Reflect::set(&options, &"ifAvailable".into(), &JsValue::TRUE).map_err(lock_error)?;
    request.call3(&locks, &name.into(), &options, &try_now).map_err(lock_error)?;
    if let Some(result) = receiver.await.map_err(|_| AuthError::Browser("the renewal lock was dropped".into()))? {
        return result;
    }

    // Busy: queue for the lock behind the tab holding it.
    let (sender, receiver) = oneshot::channel();
    let wait = Closure::once_into_js(move |_lock: JsValue| -> js_sys::Promise {
        run_holding(task, Role::Follower, move |result| sender.send(result).is_ok())
    });
    request.call2(&locks, &name.into(), &wait).map_err(lock_error)?;
    receiver.await.map_err(|_| AuthError::Browser("the renewal lock was dropped".into()))?
}

/// Runs the task while the lock callback's promise is pending (the lock is held until it settles).
fn run_holding<T: 'static>(
    task: Rc<RefCell<Option<Task<T>>>>,
    role: Role,
    deliver: impl FnOnce(Result<T, AuthError>) -> bool + 'static,
) -> js_sys::Promise {
    wasm_bindgen_futures::future_to_promise(async move {
        let Some(task) = task.borrow_mut().take() else { return Ok(JsValue::UNDEFINED) };
        if !deliver(task(role).await) {
            web_sys::console::debug_1(&"renewal: lock caller gone".into());
        }
        Ok(JsValue::UNDEFINED)
    })
}

/// Calls `on_change` with the stored state whenever another tab writes or clears the session keys.
pub fn watch_other_tabs(on_change: impl Fn(Stored) + 'static) -> Option<EventListener> {
    let window = web_sys::window()?;
    Some(EventListener::new(&window, "storage", move |event| {
        let Some(event) = event.dyn_ref::<web_sys::StorageEvent>() else { return };
        // A new session is complete when its last key (`expires_at`) is written; a logout starts by
        // removing `access_token`; `None` is another tab calling localStorage.clear().
        let relevant = match event.key().as_deref() {
            None => true,
            Some(store::EXPIRES_AT) => true,
            Some(store::ACCESS_TOKEN) => event.new_value().is_none(),
            Some(_) => false,
        };
        if relevant {
            on_change(store::load_state());
        }
    }))
}
