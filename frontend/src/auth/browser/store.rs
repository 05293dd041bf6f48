//! The session store: the one place that writes the session.
//!
//! **`local` storage** (the default) keeps it in localStorage under the tutorial's keys, in the
//! tutorial's exact format (plain strings, `expires_at` in whole epoch milliseconds), so a session
//! the original app wrote is read and a tool reading the keys gets a token; the refresh token has
//! its own key, `refresh_token`. **`memory` storage** keeps the tokens in this page's memory only and
//! hands them to other tabs over `BroadcastChannel` (`broadcast`); nothing token-shaped is stored.
//!
//! Beside them, in localStorage, values that are not secrets:
//! - `auth.generation`: the current generation. Every login and logout starts a new one.
//! - `auth.session`: the seal, `<generation>:<fingerprint>`, written after the tokens, telling
//!   readers the values are one whole session of that generation (`<generation>:memory` in memory
//!   storage: a session exists in some tab).
//! - `auth.frame`: `{"generation":…,"frame":"works"|"blocked"}`, what the session learned about the
//!   silent frame.
//!
//! And in IndexedDB, consistent across tabs, the **rotation ledger**: the generation and the
//! fingerprint of the newest refresh token. A tab presents a refresh token only if it is that one;
//! localStorage and BroadcastChannel reach other tabs late, and a rotating refresh token presented
//! twice revokes the whole grant.
//!
//! Writes of a session need a [`Held`] renewal lock, and are refused (`Superseded`) unless the
//! generation they were started in is still current, so a renewal in flight at Log Out, in this tab
//! or any other, can never store its answer. Log Out's generation bump is the one write made
//! without waiting for the lock: it can only end a session, never create one.
//!
//! The login requests this tab has in flight (state, nonce, PKCE verifier, return path, generation)
//! live in sessionStorage, each usable once.
//!
//! All of it goes through gloo-storage: the tutorial's keys and the seal as plain strings through
//! its raw `Storage`, everything else as serde types. A browser that gives the page no storage at
//! all (blocked by privacy settings) or refuses writes (a zero quota) gets typed errors, never an
//! exception: gloo-storage throws when asked for a storage that does not exist, so every access
//! asks the browser first.

use std::cell::{Cell, RefCell};

use gloo_storage::{LocalStorage, SessionStorage};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;
use web_sys::Storage;

use super::broadcast::{self, Message};
use super::env::{now_ms, window};
use super::idb;
use super::locks::Held;
use crate::auth::protocol::config::{Discovery, TokenStorage};
use crate::auth::protocol::error::AuthError;
use crate::auth::protocol::paths::FrameStatus;
use crate::auth::protocol::session::{fingerprint, LeftBehind, RawStored, Session, Stored, MEMORY_SEAL};

/// The tutorial's `setSession` keys.
pub const ACCESS_TOKEN: &str = "access_token";
/// ID token key.
pub const ID_TOKEN: &str = "id_token";
/// Expiry key (epoch ms, written as an integer).
pub const EXPIRES_AT: &str = "expires_at";
/// The refresh token's own key (local storage only).
pub const REFRESH_TOKEN: &str = "refresh_token";
/// `DPoP` when the tokens are bound to the browser's key (local storage only).
pub const TOKEN_TYPE: &str = "token_type";
/// The current generation.
pub const GENERATION: &str = "auth.generation";
/// The seal of the stored session, written last.
pub const SEAL: &str = "auth.session";
/// What the session learned about the silent frame.
pub const FRAME: &str = "auth.frame";
const SESSION_KEYS: [&str; 7] = [ACCESS_TOKEN, ID_TOKEN, EXPIRES_AT, REFRESH_TOKEN, TOKEN_TYPE, SEAL, FRAME];
/// The keys `local` storage writes and `memory` storage never reads.
const LOCAL_SESSION_KEYS: [&str; 6] = [ACCESS_TOKEN, ID_TOKEN, EXPIRES_AT, REFRESH_TOKEN, TOKEN_TYPE, SEAL];

const LEDGER_KEY: &str = "refresh";
/// How long a tab waits for the newest refresh token to reach it before giving up for now.
pub const SYNC_WAIT_MS: f64 = 3_000.0;

const PENDING: &str = "auth.pending";
/// A login request older than this is forgotten.
const PENDING_TTL_MS: f64 = 10.0 * 60.0 * 1000.0;
/// At most this many concurrent login requests are remembered.
const PENDING_MAX: usize = 8;

thread_local! {
    static MODE: Cell<TokenStorage> = const { Cell::new(TokenStorage::Local) };
    static LEDGER: Cell<bool> = const { Cell::new(true) };
    static MEMORY: RefCell<Option<(Session, u64, FrameStatus)>> = const { RefCell::new(None) };
}

/// Chooses where tokens live, and whether refresh tokens (and so the ledger) are used, once,
/// before anything is read.
pub fn configure(mode: TokenStorage, refresh_tokens: bool) {
    MODE.with(|m| m.set(mode));
    LEDGER.with(|l| l.set(refresh_tokens));
}

fn ledger_used() -> bool {
    LEDGER.with(Cell::get)
}

fn memory_mode() -> bool {
    MODE.with(Cell::get) == TokenStorage::Memory
}

/// gloo-storage's two storages, and how to ask the browser whether the page has each.
trait WebStorage: gloo_storage::Storage {
    /// How the browser names it.
    const NAME: &'static str;
    /// Whether the page has one: reading it can throw (storage blocked) or give nothing.
    fn present(window: &web_sys::Window) -> bool;
}

impl WebStorage for LocalStorage {
    const NAME: &'static str = "localStorage";
    fn present(window: &web_sys::Window) -> bool {
        matches!(window.local_storage(), Ok(Some(_)))
    }
}

impl WebStorage for SessionStorage {
    const NAME: &'static str = "sessionStorage";
    fn present(window: &web_sys::Window) -> bool {
        matches!(window.session_storage(), Ok(Some(_)))
    }
}

/// The raw storage `S`, if the browser gives the page one.
fn raw<S: WebStorage>() -> Result<Storage, AuthError> {
    if S::present(&window()?) {
        Ok(S::raw())
    } else {
        Err(AuthError::Browser(format!("{} is unavailable", S::NAME)))
    }
}

fn local() -> Result<Storage, AuthError> {
    raw::<LocalStorage>()
}

fn cannot_write(key: &str) -> AuthError {
    AuthError::Browser(format!("storage: cannot write {key} (quota or privacy mode)"))
}

fn set(storage: &Storage, key: &str, value: &str) -> Result<(), AuthError> {
    storage.set_item(key, value).map_err(|_| cannot_write(key))
}

fn get(storage: &Storage, key: &str) -> Option<String> {
    storage.get_item(key).ok().flatten()
}

fn remove(storage: &Storage, keys: &[&str]) {
    for key in keys {
        if storage.remove_item(key).is_err() {
            web_sys::console::warn_1(&format!("storage: cannot remove {key}").into());
        }
    }
}

/// A serde value kept in storage `S`: `None` when absent, unreadable, or written by another version
/// of the app.
fn value<S: WebStorage, T: DeserializeOwned>(key: &str) -> Option<T> {
    raw::<S>().ok()?;
    S::get(key).ok()
}

fn set_value<S: WebStorage, T: Serialize + ?Sized>(key: &str, value: &T) -> Result<(), AuthError> {
    raw::<S>()?;
    S::set(key, value).map_err(|_| cannot_write(key))
}

fn stored_generation() -> u64 {
    value::<LocalStorage, _>(GENERATION).unwrap_or(0)
}

/// What the session of a generation learned about the silent frame, as `auth.frame` keeps it.
#[derive(Serialize, Deserialize)]
struct FrameMark {
    generation: u64,
    frame: FrameStatus,
}

/// The stored session as one whole session of the current generation, or why it is not one.
pub fn read() -> Stored {
    let Ok(storage) = local() else { return Stored::Absent { generation: 0 } };
    if memory_mode() {
        let generation = stored_generation();
        return MEMORY.with(|m| match &*m.borrow() {
            Some((session, g, _)) if *g == generation => {
                Stored::Session { session: Box::new(session.clone()), generation }
            }
            _ => Stored::Absent { generation },
        });
    }
    raw_stored(&storage).interpret()
}

/// The values under the session's keys, as stored.
fn raw_stored(storage: &Storage) -> RawStored {
    RawStored {
        access_token: get(storage, ACCESS_TOKEN),
        id_token: get(storage, ID_TOKEN),
        expires_at: get(storage, EXPIRES_AT),
        refresh_token: get(storage, REFRESH_TOKEN),
        token_type: get(storage, TOKEN_TYPE),
        generation: get(storage, GENERATION),
        seal: get(storage, SEAL),
    }
}

/// What another configuration of the app left in storage ([`LeftBehind`]), read without the
/// lock: nothing at all on almost every start, so the lock is only taken when there is work.
pub fn left_behind() -> LeftBehind {
    local().map(|storage| raw_stored(&storage).left_behind(memory_mode(), ledger_used())).unwrap_or_default()
}

/// Removes what another configuration of the app left behind ([`LeftBehind`]: `local` storage's
/// tokens under `memory` storage, `memory` storage's seal under `local`, a refresh token when
/// refresh tokens are off), and gives back the refresh token it removed, for the caller to revoke.
/// The session itself is not lost: a whole session that loses its refresh token is written again
/// without it (under `memory` storage that moves it into this page's memory, and to the other
/// tabs). Returns what was left, and the session kept.
pub async fn sweep_left_behind(held: &Held) -> Result<(LeftBehind, Option<(Session, u64)>), AuthError> {
    let storage = local()?;
    let raw = raw_stored(&storage);
    let left = raw.left_behind(memory_mode(), ledger_used());
    if left.local_session {
        remove(&storage, &LOCAL_SESSION_KEYS);
    }
    if left.memory_seal {
        remove(&storage, &[SEAL]);
    }
    let mut kept = None;
    if left.local_session || left.refresh_token.is_some() {
        // Read by `local` storage's rules, whatever the mode: those are the values found.
        match raw.interpret() {
            Stored::Session { session, generation } => {
                let session = session.with_refresh_token(None);
                commit_renewal(held, &session, generation, frame_status(generation)).await?;
                kept = Some((session, generation));
            }
            _ => remove(&storage, &[REFRESH_TOKEN]),
        }
    }
    Ok((left, kept))
}

/// The current generation.
pub fn generation() -> u64 {
    stored_generation()
}

/// What the session of `generation` learned about the silent frame.
pub fn frame_status(generation: u64) -> FrameStatus {
    if memory_mode() {
        if let Some(frame) = MEMORY.with(|m| m.borrow().as_ref().filter(|(_, g, _)| *g == generation).map(|m| m.2)) {
            return frame;
        }
    }
    match value::<LocalStorage, FrameMark>(FRAME) {
        Some(mark) if mark.generation == generation => mark.frame,
        _ => FrameStatus::Unknown,
    }
}

/// Whether a session of the current generation exists in some tab (memory storage keeps only this
/// mark across a reload): then a new page asks the other tabs, and the provider, before asking
/// the person to log in.
pub fn session_elsewhere() -> bool {
    let Ok(storage) = local() else { return false };
    let generation = stored_generation();
    get(&storage, SEAL).is_some_and(|seal| seal == format!("{generation}:{MEMORY_SEAL}"))
}

fn write_session(storage: &Storage, session: &Session, generation: u64, frame: FrameStatus) -> Result<(), AuthError> {
    if memory_mode() {
        MEMORY.with(|m| *m.borrow_mut() = Some((session.clone(), generation, frame)));
        set(storage, SEAL, &format!("{generation}:{MEMORY_SEAL}"))?;
    } else {
        set(storage, ACCESS_TOKEN, &session.access_token)?;
        set(storage, ID_TOKEN, &session.id_token)?;
        set(storage, EXPIRES_AT, &session.expires_at_text())?;
        match &session.refresh_token {
            Some(rt) => set(storage, REFRESH_TOKEN, rt)?,
            None => remove(storage, &[REFRESH_TOKEN]),
        }
        match session.token_type() {
            Some(token_type) => set(storage, TOKEN_TYPE, token_type)?,
            None => remove(storage, &[TOKEN_TYPE]),
        }
        set(storage, SEAL, &session.seal(generation))?;
    }
    match frame {
        FrameStatus::Unknown => remove(storage, &[FRAME]),
        frame => set_value::<LocalStorage, _>(FRAME, &FrameMark { generation, frame })?,
    }
    Ok(())
}

/// After a commit: the ledger names the new refresh token, and (memory storage) the other tabs get
/// the session.
async fn publish(session: &Session, generation: u64, frame: FrameStatus) -> Result<(), AuthError> {
    if ledger_used() {
        let entry = format!("{generation}:{}", fingerprint(&[session.refresh_token.as_deref().unwrap_or_default()]));
        if let Err(e) = idb::put(idb::LEDGER, LEDGER_KEY, &JsValue::from(entry)).await {
            // Without IndexedDB (some private modes) each tab trusts its own view of the refresh token.
            web_sys::console::warn_1(&format!("storage: the rotation ledger is unavailable ({e})").into());
        }
    }
    if memory_mode() {
        broadcast::post(&Message::Session { session: Box::new(session.clone()), generation, frame })?;
    }
    Ok(())
}

/// Stores a renewed session, if `generation` (the one the renewal started in) is still current.
pub async fn commit_renewal(_: &Held, session: &Session, generation: u64, frame: FrameStatus) -> Result<(), AuthError> {
    let storage = local()?;
    if stored_generation() != generation {
        return Err(AuthError::Superseded);
    }
    write_session(&storage, session, generation, frame)?;
    publish(session, generation, frame).await
}

/// Stores a new login as the next generation, if no login or logout happened since it started
/// (`started_in`). Returns the new generation. The tokens and their seal go first and the
/// generation last, so other tabs see nothing until the whole session is there.
pub async fn commit_login(_: &Held, session: &Session, started_in: u64) -> Result<u64, AuthError> {
    let storage = local()?;
    if stored_generation() != started_in {
        return Err(AuthError::Superseded);
    }
    let next = started_in.saturating_add(1);
    write_session(&storage, session, next, FrameStatus::Unknown)?;
    set_value::<LocalStorage, _>(GENERATION, &next)?;
    publish(session, next, FrameStatus::Unknown).await?;
    Ok(next)
}

/// Takes a session another tab posted (memory storage), if its generation is current or newer
/// (this tab's localStorage may not show the newer generation yet).
pub fn adopt_posted(session: &Session, generation: u64, frame: FrameStatus) -> bool {
    if generation < self::generation() {
        return false;
    }
    MEMORY.with(|m| *m.borrow_mut() = Some((session.clone(), generation, frame)));
    true
}

/// The refresh token to present for the session of `generation`, once this tab holds the one the
/// rotation ledger names (waiting up to [`SYNC_WAIT_MS`] for it to arrive from the tab that rotated
/// it). `Ok(None)` when the session has none. An error means "not yet": never present another.
pub async fn refresh_token_in_sync(generation: u64) -> Result<Option<String>, AuthError> {
    if !ledger_used() {
        return Ok(None);
    }
    let named = match idb::get(idb::LEDGER, LEDGER_KEY).await {
        Ok(value) => value.as_string().and_then(|e| {
            let (g, print) = e.split_once(':')?;
            (g.parse::<u64>().ok()? == generation).then(|| print.to_owned())
        }),
        Err(e) => {
            web_sys::console::warn_1(&format!("storage: the rotation ledger is unavailable ({e})").into());
            None
        }
    };
    let deadline = now_ms() + SYNC_WAIT_MS;
    loop {
        let held = match read() {
            Stored::Session { session, generation: g } if g == generation => session.refresh_token,
            _ => None,
        };
        let current = named.as_deref().is_none_or(|print| fingerprint(&[held.as_deref().unwrap_or_default()]) == print);
        if current {
            return Ok(held);
        }
        if now_ms() >= deadline {
            return Err(AuthError::Browser(
                "the newest refresh token has not reached this tab yet; it will be retried".into(),
            ));
        }
        gloo_timers::future::TimeoutFuture::new(50).await;
    }
}

/// The provider ended the session of `generation`: begins the next, empty, generation. `None` if
/// `generation` is already over (then there is nothing to end).
pub fn end(_: &Held, generation: u64) -> Result<Option<u64>, AuthError> {
    if stored_generation() != generation {
        return Ok(None);
    }
    let next = generation.saturating_add(1);
    set_value::<LocalStorage, _>(GENERATION, &next)?;
    remove_leftovers();
    Ok(Some(next))
}

/// Log Out, first step: begins the next generation at once, so every commit still in flight, here
/// or in another tab, is refused from now on. The tokens are removed next ([`remove_leftovers`]).
pub fn begin_logout() -> Result<u64, AuthError> {
    let next = stored_generation().saturating_add(1);
    set_value::<LocalStorage, _>(GENERATION, &next)?;
    Ok(next)
}

/// Removes tokens that no tab can read as a session of the current generation (what a logout left,
/// or a commit that raced it). A whole current session, or one being written, is left alone.
pub fn remove_leftovers() {
    let Ok(storage) = local() else { return };
    let generation = stored_generation();
    if memory_mode() {
        MEMORY.with(|m| {
            let mut memory = m.borrow_mut();
            if memory.as_ref().is_some_and(|(_, g, _)| *g != generation) {
                *memory = None;
            }
        });
        // No token is stored in memory storage; only the marks of an older generation go.
        let sealed = get(&storage, SEAL).and_then(|v| v.split_once(':').and_then(|(g, _)| g.parse::<u64>().ok()));
        if sealed.is_some_and(|g| g < generation) {
            remove(&storage, &[SEAL]);
        }
        if value::<LocalStorage, FrameMark>(FRAME).is_some_and(|mark| mark.generation < generation) {
            remove(&storage, &[FRAME]);
        }
        return;
    }
    if matches!(read(), Stored::Absent { .. }) && SESSION_KEYS.iter().any(|k| get(&storage, k).is_some()) {
        remove(&storage, &SESSION_KEYS);
    }
}

/// A login request this tab sent and has not seen answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pending {
    /// Request state.
    pub state: String,
    /// Request nonce.
    pub nonce: String,
    /// The PKCE code verifier (code flow), used once at the token endpoint.
    pub verifier: Option<String>,
    /// Path to return to after login.
    pub return_to: String,
    /// When it was sent (epoch ms).
    pub created_at: f64,
    /// The generation when it was sent: a logout since then voids it.
    pub generation: u64,
}

/// The requests this tab remembers, younger than [`PENDING_TTL_MS`]. A list another version of the
/// app wrote, which does not read as one, counts as none.
fn pending_list(now: f64) -> Vec<Pending> {
    let list: Vec<Pending> = value::<SessionStorage, _>(PENDING).unwrap_or_default();
    list.into_iter().filter(|p| now - p.created_at < PENDING_TTL_MS).collect()
}

/// Remembers a login request.
pub fn push_pending(pending: Pending) -> Result<(), AuthError> {
    let mut list = pending_list(pending.created_at);
    list.push(pending);
    let skip = list.len().saturating_sub(PENDING_MAX);
    set_value::<SessionStorage, _>(PENDING, &list[skip..])
}

/// Takes (and forgets) the request with this state: a second call with the same state gets `None`.
pub fn take_pending(state: &str, now: f64) -> Option<Pending> {
    let mut list = pending_list(now);
    let index = list.iter().position(|p| p.state == state)?;
    let found = list.remove(index);
    if let Err(e) = set_value::<SessionStorage, _>(PENDING, &list) {
        web_sys::console::warn_1(&format!("could not forget a used login state: {e}").into());
    }
    Some(found)
}

/// The provider's discovery document, kept for this tab (sessionStorage) so that a reload shows a
/// stored session without waiting for the provider; `setup` refreshes it in the background.
const DISCOVERY: &str = "auth.discovery";

/// A discovery document as this tab keeps it: for which issuer, and what it said.
#[derive(Serialize, Deserialize)]
struct KeptDiscovery {
    issuer: String,
    discovery: Discovery,
}

/// The discovery document kept for `issuer`, not yet checked again.
pub fn cached_discovery(issuer: &str) -> Option<Discovery> {
    let kept: KeptDiscovery = value::<SessionStorage, _>(DISCOVERY)?;
    (kept.issuer == issuer).then_some(kept.discovery)
}

/// Keeps `discovery` for the next load of this tab. Not keeping it only costs that load the wait.
pub fn remember_discovery(issuer: &str, discovery: &Discovery) {
    let kept = KeptDiscovery { issuer: issuer.to_owned(), discovery: discovery.clone() };
    if let Err(error) = set_value::<SessionStorage, _>(DISCOVERY, &kept) {
        web_sys::console::debug_1(&format!("discovery not kept: {error}").into());
    }
}

/// Forgets a kept document that no longer passes the checks.
pub fn forget_discovery() {
    if let Ok(storage) = raw::<SessionStorage>() {
        remove(&storage, &[DISCOVERY]);
    }
}
