//! Persistence. The session lives in localStorage under the tutorial's keys (`access_token`,
//! `id_token`, `expires_at`) so it survives reloads; the login requests this tab has in flight
//! (state → nonce, return path) live in sessionStorage, each usable once.

use gloo_storage::{LocalStorage, SessionStorage, Storage};
use serde::{Deserialize, Serialize};

use super::error::AuthError;
use super::session::Session;
use super::verify::at_hash;

/// Storage keys of the tutorial's `setSession`.
pub const ACCESS_TOKEN: &str = "access_token";
/// ID token key.
pub const ID_TOKEN: &str = "id_token";
/// Expiry key (epoch ms, JSON number).
pub const EXPIRES_AT: &str = "expires_at";
const PENDING: &str = "auth.pending";
/// A login request older than this is forgotten.
const PENDING_TTL_MS: f64 = 10.0 * 60.0 * 1000.0;
/// At most this many concurrent login requests are remembered.
const PENDING_MAX: usize = 8;

fn browser(e: impl std::fmt::Display) -> AuthError {
    AuthError::Browser(format!("storage: {e}"))
}

/// Persists a verified session.
pub fn save(session: &Session) -> Result<(), AuthError> {
    LocalStorage::set(ACCESS_TOKEN, &session.access_token).map_err(browser)?;
    LocalStorage::set(ID_TOKEN, &session.id_token).map_err(browser)?;
    // Whole milliseconds, as the tutorial's `JSON.stringify(expiresIn * 1000 + Date.now())` writes.
    LocalStorage::set(EXPIRES_AT, session.expires_at.round() as u64).map_err(browser)
}

/// What localStorage holds, as seen from a tab that may be watching another tab write it.
#[derive(Debug, Clone, PartialEq)]
pub enum Stored {
    /// A complete session whose ID token binds its access token (`at_hash`).
    Session(Box<Session>),
    /// No access token: logged out.
    Absent,
    /// Keys from two different sessions: another tab is halfway through writing. Wait.
    Changing,
}

/// Reads the three keys and says whether they form one session.
pub fn load_state() -> Stored {
    let Ok(access) = LocalStorage::get::<String>(ACCESS_TOKEN) else { return Stored::Absent };
    let (Ok(id), Ok(expires_at)) = (LocalStorage::get::<String>(ID_TOKEN), LocalStorage::get::<f64>(EXPIRES_AT)) else {
        return Stored::Changing;
    };
    match Session::from_parts(access, id, expires_at) {
        Ok(session) if session.claims.at_hash.as_deref() == Some(at_hash(&session.access_token).as_str()) => {
            Stored::Session(Box::new(session))
        }
        _ => Stored::Changing,
    }
}

/// The stored session, if there is a complete, consistent one.
pub fn load() -> Option<Session> {
    match load_state() {
        Stored::Session(session) => Some(*session),
        Stored::Absent | Stored::Changing => None,
    }
}

/// Removes the three keys (the tutorial's logout).
pub fn clear() {
    for key in [ACCESS_TOKEN, ID_TOKEN, EXPIRES_AT] {
        LocalStorage::delete(key);
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
    SessionStorage::set(PENDING, &list[skip..]).map_err(browser)
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
