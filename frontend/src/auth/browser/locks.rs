//! The cross-tab renewal lock (`navigator.locks`, one per origin). However many tabs reach the due
//! time together, one calls the provider while the others wait; if the tab holding the lock closes
//! mid-renewal, the browser releases the lock and the next waiting tab goes on.
//!
//! Every write of the session happens under this lock: the store's writing functions take a
//! [`Held`], which only this module creates, so a write outside the lock does not compile.
//!
//! The Web Locks API is still behind `web_sys_unstable_apis`, so it is called through `Reflect`.
//! Where it is missing (old browsers), the task runs at once: each tab stays correct, only the
//! cross-tab deduplication is lost.

use std::cell::RefCell;
use std::rc::Rc;

use futures::channel::oneshot;
use futures::future::LocalBoxFuture;
use js_sys::{Function, Object, Reflect};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::auth::protocol::error::AuthError;

/// Name of the renewal lock.
pub const RENEWAL_LOCK: &str = "token-renewal";

/// Proof that the renewal lock is held (or that the browser has no Web Locks): the store's writes
/// ask for it. Only this module makes one, and only for the task running under the lock.
#[derive(Debug)]
pub struct Held {
    _private: (),
}

/// Whether this tab got the lock at once or waited behind another tab holding it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The lock was free.
    Leader,
    /// Another tab held the lock (and most likely just renewed): look for its result first.
    Follower,
}

/// Why a task did not run under the lock.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LockError {
    /// The lock was not granted within the bounded wait.
    #[error("the renewal lock was not free within {0} ms")]
    Busy(u32),
    /// The Web Locks call itself failed.
    #[error("navigator.locks: {0}")]
    Failed(String),
}

impl From<LockError> for AuthError {
    fn from(e: LockError) -> Self {
        AuthError::Browser(e.to_string())
    }
}

/// A task to run holding the lock.
pub type Task<T> = Box<dyn FnOnce(Role, Held) -> LocalBoxFuture<'static, T>>;

fn lock_manager() -> Option<(JsValue, Function)> {
    let navigator = web_sys::window()?.navigator();
    let locks = Reflect::get(&navigator, &"locks".into()).ok().filter(|l| !l.is_undefined())?;
    let request = Reflect::get(&locks, &"request".into()).ok()?.dyn_into::<Function>().ok()?;
    Some((locks, request))
}

fn failed(e: JsValue) -> LockError {
    LockError::Failed(e.as_string().unwrap_or_else(|| format!("{e:?}")))
}

/// Runs `task` holding the lock, telling it whether it had to wait behind another tab.
pub async fn exclusive<T: 'static>(task: Task<T>) -> Result<T, LockError> {
    typed(task, None).await
}

/// Like [`exclusive`], but gives up with [`LockError::Busy`] if the lock is not granted within
/// `max_wait_ms` (Log Out must not hang behind a renewal whose provider is slow).
pub async fn exclusive_within<T: 'static>(max_wait_ms: u32, task: Task<T>) -> Result<T, LockError> {
    typed(task, Some(max_wait_ms)).await
}

/// What [`run`] runs: the caller's task with its result already put away, so that the lock's
/// machinery below is compiled once rather than once per result type (it is most of this module's
/// wasm).
type Erased = Box<dyn FnOnce(Role, Held) -> LocalBoxFuture<'static, ()>>;

async fn typed<T: 'static>(task: Task<T>, max_wait_ms: Option<u32>) -> Result<T, LockError> {
    let slot: Rc<RefCell<Option<T>>> = Rc::new(RefCell::new(None));
    let out = slot.clone();
    let erased: Erased = Box::new(move |role, held| {
        let future = task(role, held);
        Box::pin(async move {
            let result = future.await;
            *out.borrow_mut() = Some(result);
        })
    });
    run(erased, max_wait_ms).await?;
    let result = slot.borrow_mut().take();
    result.ok_or_else(not_run)
}

/// The task was handed to the lock but never ran (the browser granted it without calling back).
fn not_run() -> LockError {
    LockError::Failed("the lock was granted without running the task".into())
}

async fn run(task: Erased, max_wait_ms: Option<u32>) -> Result<(), LockError> {
    let Some((locks, request)) = lock_manager() else {
        web_sys::console::debug_1(&"renewal: Web Locks unavailable; running without the cross-tab lock".into());
        task(Role::Leader, Held { _private: () }).await;
        return Ok(());
    };
    let task = Rc::new(RefCell::new(Some(task)));

    // First, only if free: the answer says whether another tab is renewing right now.
    let options = Object::new();
    Reflect::set(&options, &"ifAvailable".into(), &JsValue::TRUE).map_err(failed)?;
    if request_once(&locks, &request, &options, task.clone(), Role::Leader).await? {
        return Ok(());
    }

    // Busy: queue behind the tab holding it (for at most `max_wait_ms`).
    let options = Object::new();
    if let Some(ms) = max_wait_ms {
        Reflect::set(&options, &"signal".into(), &web_sys::AbortSignal::timeout_with_u32(ms)).map_err(failed)?;
    }
    match request_once(&locks, &request, &options, task, Role::Follower).await {
        Ok(true) => Ok(()),
        Ok(false) => Err(not_run()),
        Err(LockError::Failed(_)) if max_wait_ms.is_some() => Err(LockError::Busy(max_wait_ms.unwrap_or_default())),
        Err(e) => Err(e),
    }
}

/// One `navigator.locks.request`. `Ok(false)`: not granted (`ifAvailable` and held elsewhere).
async fn request_once(
    locks: &JsValue,
    request: &Function,
    options: &Object,
    task: Rc<RefCell<Option<Erased>>>,
    role: Role,
) -> Result<bool, LockError> {
    let (sender, receiver) = oneshot::channel();
    let callback = Closure::once_into_js(move |lock: JsValue| -> js_sys::Promise {
        let taken = if lock.is_null() { None } else { task.borrow_mut().take() };
        wasm_bindgen_futures::future_to_promise(async move {
            // The lock is held until this promise settles, i.e. until the task has finished.
            let ran = match taken {
                Some(task) => {
                    task(role, Held { _private: () }).await;
                    true
                }
                None => false,
            };
            if sender.send(ran).is_err() {
                web_sys::console::debug_1(&"renewal: the lock's caller is gone".into());
            }
            Ok(JsValue::UNDEFINED)
        })
    });
    let promise = request.call3(locks, &JsValue::from_str(RENEWAL_LOCK), options, &callback).map_err(failed)?;
    // Settles after the callback's promise (the task) has, or rejects if the wait was aborted.
    JsFuture::from(js_sys::Promise::from(promise)).await.map_err(failed)?;
    receiver.await.map_err(|_| LockError::Failed("the lock callback never ran".into()))
}
