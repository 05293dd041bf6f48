//! The session store: the one place that writes the session. It lives in localStorage under the
//! tutorial's keys, in the tutorial's exact format (plain strings, `expires_at` in whole epoch
//! milliseconds), so a session the original app wrote is read and a tool reading the keys gets a
//! token. Two keys of this app's own sit beside them:
//!
//! - `auth.generation`: the current generation. Every login and logout starts a new one.
//! - `auth.session`: the seal, `<generation>:<fingerprint>`, written after the tokens, telling
//!   readers that the values are one whole session of that generation.
//!
//! Writes of a session need a [`Held`] renewal lock, and are refused (`Superseded`) unless the
//! generation they were started in is still current, so a renewal in flight at Log Out, in this tab
//! or any other, can never store its answer. Log Out's generation bump is the one write made
//! without waiting for the lock: it can only end a session, never create one.
//!
//! The login requests this tab has in flight (state → nonce, return path, generation) live in
//! sessionStorage, each usable once.

use gloo_storage::{SessionStorage, Storage as _};
use serde::{Deserialize, Serialize};
use web_sys::Storage;

use super::env::window;
use super::locks::Held;
use crate::auth::protocol::error::AuthError;
use crate::auth::protocol::session::{RawStored, Session, Stored};

/// The tutorial's `setSession` keys.
pub const ACCESS_TOKEN: &str = "access_token";
/// ID token key.
pub const ID_TOKEN: &str = "id_token";
/// Expiry key (epoch ms, written as an integer).
pub const EXPIRES_AT: &str = "expires_at";
/// The current generation.
pub const GENERATION: &str = "auth.generation";
/// The seal of the stored session, written last.
pub const SEAL: &str = "auth.session";
const SESSION_KEYS: [&str; 4] = [ACCESS_TOKEN, ID_TOKEN, EXPIRES_AT, SEAL];

const PENDING: &str = "auth.pending";
/// A login request older than this is forgotten.
const PENDING_TTL_MS: f64 = 10.0 * 60.0 * 1000.0;
/// At most this many concurrent login requests are remembered.
const PENDING_MAX: usize = 8;

fn local() -> Result<Storage, AuthError> {
    window()?.local_storage().ok().flatten().ok_or_else(|| AuthError::Browser("localStorage is unavailable".into()))
}

fn set(storage: &Storage, key: &str, value: &str) -> Result<(), AuthError> {
    storage
        .set_item(key, value)
        .map_err(|_| AuthError::Browser(format!("storage: cannot write {key} (quota or privacy mode)")))
}

fn remove(storage: &Storage, keys: &[&str]) {
    for key in keys {
        if storage.remove_item(key).is_err() {
            web_sys::console::warn_1(&format!("storage: cannot remove {key}").into());
        }
    }
}

/// The stored values as one session, or why they are not one.
pub fn read() -> Stored {
    let Ok(storage) = local() else { return Stored::Absent { generation: 0 } };
    let get = |key: &str| storage.get_item(key).ok().flatten();
    RawStored {
        access_token: get(ACCESS_TOKEN),
        id_token: get(ID_TOKEN),
        expires_at: get(EXPIRES_AT),
        generation: get(GENERATION),
        seal: get(SEAL),
    }
    .interpret()
}

/// The current generation.
pub fn generation() -> u64 {
    match read() {
        Stored::Session { generation, .. } | Stored::Absent { generation } | Stored::Changing { generation } => {
            generation
        }
    }
}

fn write_session(storage: &Storage, session: &Session, generation: u64) -> Result<(), AuthError> {
    set(storage, ACCESS_TOKEN, &session.access_token)?;
    set(storage, ID_TOKEN, &session.id_token)?;
    set(storage, EXPIRES_AT, &session.expires_at_text())?;
    set(storage, SEAL, &session.seal(generation))
}

/// Stores a renewed session, if `generation` (the one the renewal started in) is still current.
pub fn commit_renewal(_: &Held, session: &Session, generation: u64) -> Result<(), AuthError> {
    let storage = local()?;
    if self::generation() != generation {
        return Err(AuthError::Superseded);
    }
    write_session(&storage, session, generation)
}

/// Stores a new login as the next generation, if no login or logout happened since it started
/// (`started_in`). Returns the new generation. The tokens and their seal go first and the
/// generation last, so other tabs see nothing until the whole session is there.
pub fn commit_login(_: &Held, session: &Session, started_in: u64) -> Result<u64, AuthError> {
    let storage = local()?;
    if self::generation() != started_in {
        return Err(AuthError::Superseded);
    }
    let next = started_in.saturating_add(1);
    write_session(&storage, session, next)?;
    set(&storage, GENERATION, &next.to_string())?;
    Ok(next)
}

/// The provider ended the session of `generation`: begins the next, empty, generation. `None` if
/// `generation` is already over (then there is nothing to end).
pub fn end(_: &Held, generation: u64) -> Result<Option<u64>, AuthError> {
    let storage = local()?;
    if self::generation() != generation {
        return Ok(None);
    }
    let next = generation.saturating_add(1);
    set(&storage, GENERATION, &next.to_string())?;
    remove(&storage, &SESSION_KEYS);
    Ok(Some(next))
}

/// Log Out, first step: begins the next generation at once, so every commit still in flight, here
/// or in another tab, is refused from now on. The tokens are removed next, under the lock
/// ([`remove_leftovers`]).
pub fn begin_logout() -> Result<u64, AuthError> {
    let storage = local()?;
    let next = generation().saturating_add(1);
    set(&storage, GENERATION, &next.to_string())?;
    Ok(next)
}

/// Removes tokens that no tab can read as a session of the current generation (what a logout left,
/// or a commit that raced it). A whole current session, or one being written, is left alone.
pub fn remove_leftovers() {
    let Ok(storage) = local() else { return };
    if let Stored::Absent { .. } = read() {
        if SESSION_KEYS.iter().any(|k| storage.get_item(k).ok().flatten().is_some()) {
            remove(&storage, &SESSION_KEYS);
        }
    }
}

/// A login request this tab sent and has not seen answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pending {
    /// Request state.
    pub state: String,
    /// Request nonce.
    pub nonce: String,
    /// Path to return to after login.
    pub return_to: String,
    /// When it was sent (epoch ms).
    pub created_at: f64,
    /// The generation when it was sent: a logout since then voids it.
    pub generation: u64,
}

fn pending_list(now: f64) -> Vec<Pending> {
    let list: Vec<Pending> = SessionStorage::get(PENDING).unwrap_or_default();
    list.into_iter().filter(|p| now - p.created_at < PENDING_TTL_MS).collect()
}

/// Remembers a login request.
pub fn push_pending(pending: Pending) -> Result<(), AuthError> {
    let mut list = pending_list(pending.created_at);
    list.push(pending);
    let skip = list.len().saturating_sub(PENDING_MAX);
    SessionStorage::set(PENDING, &list[skip..]).map_err(|e| AuthError::Browser(format!("sessionStorage: {e}")))
}

/// Takes (and forgets) the request with this state: a second call with the same state gets `None`.
pub fn take_pending(state: &str, now: f64) -> Option<Pending> {
    let mut list = pending_list(now);
    let index = list.iter().position(|p| p.state == state)?;
    let found = list.remove(index);
    if let Err(e) = SessionStorage::set(PENDING, &list) {
        web_sys::console::warn_1(&format!("could not forget a used login state: {e}").into());
    }
    Some(found)
}
