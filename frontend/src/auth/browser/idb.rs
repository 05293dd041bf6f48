//! IndexedDB, the one browser store that every tab of an origin sees the same way at the same
//! moment: its transactions are ordered by the browser, while localStorage and BroadcastChannel
//! reach other tabs asynchronously. What must be consistent under the renewal lock lives here:
//! the refresh-token rotation ledger (a generation and a fingerprint, never a token), and the DPoP
//! key pair (`CryptoKey`s, stored as such: usable, not readable).
//!
//! One database, opened once per page; each call is one transaction, awaited to completion.

use std::cell::RefCell;
use std::rc::Rc;

use futures::channel::oneshot;
use gloo_events::EventListener;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{IdbDatabase, IdbRequest, IdbTransactionMode};

use super::env::{js_error, window};
use crate::auth::protocol::error::AuthError;

const DATABASE: &str = "token-renewal";
const VERSION: u32 = 2;
/// The object store of the rotation ledger.
pub const LEDGER: &str = "ledger";
/// The object store of the DPoP key.
pub const KEYS: &str = "keys";
const STORES: [&str; 2] = [LEDGER, KEYS];

thread_local! {
    static OPEN: RefCell<Option<(IdbDatabase, EventListener)>> = const { RefCell::new(None) };
    /// Set when another tab asked to upgrade the database: the connection was closed, reopen.
    static CLOSED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

fn unavailable(what: &str) -> AuthError {
    AuthError::Browser(format!("IndexedDB: {what}"))
}

/// Resolves when `target` fires `ok` (true) or one of `failures` (false).
async fn settled(target: &web_sys::EventTarget, ok: &'static str, failures: &[&'static str]) -> bool {
    let (sender, receiver) = oneshot::channel::<bool>();
    let sender = Rc::new(RefCell::new(Some(sender)));
    let fire = |value: bool| {
        let sender = sender.clone();
        move |_: &web_sys::Event| {
            if let Some(sender) = sender.borrow_mut().take() {
                if sender.send(value).is_err() {
                    web_sys::console::debug_1(&"IndexedDB: nobody waits for this event".into());
                }
            }
        }
    };
    let _ok = EventListener::once(target, ok, fire(true));
    let _failed: Vec<EventListener> = failures.iter().map(|e| EventListener::once(target, *e, fire(false))).collect();
    receiver.await.unwrap_or(false)
}

async fn database() -> Result<IdbDatabase, AuthError> {
    if CLOSED.with(|c| c.replace(false)) {
        OPEN.with(|open| open.borrow_mut().take());
    }
    if let Some(db) = OPEN.with(|open| open.borrow().as_ref().map(|(db, _)| db.clone())) {
        return Ok(db);
    }
    let factory = window()?.indexed_db().map_err(js_error("indexedDB"))?.ok_or_else(|| unavailable("unavailable"))?;
    let request = factory.open_with_u32(DATABASE, VERSION).map_err(js_error("indexedDB.open"))?;
    let upgrading = request.clone();
    let _upgrade = EventListener::new(&request, "upgradeneeded", move |_| {
        let Ok(db) = upgrading.result().map(IdbDatabase::unchecked_from_js) else { return };
        for store in STORES {
            if !db.object_store_names().contains(store) && db.create_object_store(store).is_err() {
                web_sys::console::warn_1(&format!("IndexedDB: cannot create {store}").into());
            }
        }
    });
    if !settled(&request, "success", &["error", "blocked"]).await {
        return Err(unavailable("cannot open the database"));
    }
    let db: IdbDatabase = request.result().map_err(js_error("indexedDB.open"))?.unchecked_into();
    // A newer version of the app in another tab wants to upgrade: step aside, reopen on next use.
    let closing = db.clone();
    let on_upgrade = EventListener::new(&db, "versionchange", move |_| {
        closing.close();
        CLOSED.with(|c| c.set(true));
    });
    OPEN.with(|open| *open.borrow_mut() = Some((db.clone(), on_upgrade)));
    Ok(db)
}

/// The value under `key` in `store` (`undefined` when there is none).
pub async fn get(store: &str, key: &str) -> Result<JsValue, AuthError> {
    let db = database().await?;
    let tx = db.transaction_with_str_and_mode(store, IdbTransactionMode::Readonly).map_err(js_error("transaction"))?;
    let request: IdbRequest =
        tx.object_store(store).map_err(js_error("objectStore"))?.get(&key.into()).map_err(js_error("get"))?;
    if !settled(&request, "success", &["error"]).await {
        return Err(unavailable("read failed"));
    }
    request.result().map_err(js_error("get"))
}

/// Stores `value` under `key` in `store` (`None`: deletes it), resolving once the transaction has
/// committed, so every other tab's next read sees it.
async fn write(store: &str, key: &str, value: Option<&JsValue>) -> Result<(), AuthError> {
    let db = database().await?;
    let tx = db.transaction_with_str_and_mode(store, IdbTransactionMode::Readwrite).map_err(js_error("transaction"))?;
    let object_store = tx.object_store(store).map_err(js_error("objectStore"))?;
    match value {
        Some(value) => object_store.put_with_key(value, &key.into()).map_err(js_error("put"))?,
        None => object_store.delete(&key.into()).map_err(js_error("delete"))?,
    };
    if !settled(&tx, "complete", &["error", "abort"]).await {
        return Err(unavailable("write failed"));
    }
    Ok(())
}

/// Stores `value` under `key` in `store`.
pub async fn put(store: &str, key: &str, value: &JsValue) -> Result<(), AuthError> {
    write(store, key, Some(value)).await
}

/// Deletes `key` from `store`.
pub async fn delete(store: &str, key: &str) -> Result<(), AuthError> {
    write(store, key, None).await
}
