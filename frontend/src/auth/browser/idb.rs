//! IndexedDB, the one browser store that every tab of an origin sees the same way at the same
//! moment: its transactions are ordered by the browser, while localStorage and BroadcastChannel
//! reach other tabs asynchronously. What must be consistent under the renewal lock lives here:
//! the refresh-token rotation ledger (a generation and a fingerprint, never a token).
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
const VERSION: u32 = 1;
/// The object store of the rotation ledger.
pub const LEDGER: &str = "ledger";
const STORES: [&str; 1] = [LEDGER];

thread_local! {
    static OPEN: RefCell<Option<IdbDatabase>> = const { RefCell::new(None) };
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
    if let Some(db) = OPEN.with(|open| open.borrow().clone()) {
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
    OPEN.with(|open| *open.borrow_mut() = Some(db.clone()));
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

/// Stores `value` under `key` in `store`, resolving once the transaction has committed (so every
/// other tab's next read sees it).
pub async fn put(store: &str, key: &str, value: &JsValue) -> Result<(), AuthError> {
    let db = database().await?;
    let tx = db.transaction_with_str_and_mode(store, IdbTransactionMode::Readwrite).map_err(js_error("transaction"))?;
    tx.object_store(store)
        .map_err(js_error("objectStore"))?
        .put_with_key(value, &key.into())
        .map_err(js_error("put"))?;
    if !settled(&tx, "complete", &["error", "abort"]).await {
        return Err(unavailable("write failed"));
    }
    Ok(())
}
