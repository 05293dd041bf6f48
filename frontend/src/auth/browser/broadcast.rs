//! Memory storage's way between tabs: a `BroadcastChannel` of the origin. A tab that commits a
//! session posts it; a new tab posts `hello` and any tab holding a session answers with it, so the
//! new tab starts without asking the provider. Nothing here is written to any storage.

use gloo_events::EventListener;
use serde::{Deserialize, Serialize};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{BroadcastChannel, MessageEvent};

use crate::auth::protocol::error::AuthError;
use crate::auth::protocol::paths::FrameStatus;
use crate::auth::protocol::session::Session;

const CHANNEL: &str = "token-renewal";

/// What a tab says on the channel.
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    /// A session, as committed, with its generation and what is known of the frame.
    Session {
        /// The session.
        session: Box<Session>,
        /// Its generation.
        generation: u64,
        /// The silent frame's status.
        frame: FrameStatus,
    },
    /// A new tab asking for the session.
    Hello,
}

/// A message as it travels: JSON text. The session goes as its stored values; the receiving tab
/// decodes its ID token again (it was verified by the tab that committed it).
#[derive(Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
enum Wire {
    Hello,
    Session {
        generation: u64,
        access_token: String,
        id_token: String,
        expires_at: f64,
        refresh_token: Option<String>,
        bound: bool,
        frame: FrameStatus,
    },
}

fn channel() -> Result<BroadcastChannel, AuthError> {
    BroadcastChannel::new(CHANNEL).map_err(|_| AuthError::Browser("BroadcastChannel is unavailable".into()))
}

fn encode(message: &Message) -> Result<String, serde_json::Error> {
    let wire = match message {
        Message::Hello => Wire::Hello,
        Message::Session { session, generation, frame } => Wire::Session {
            generation: *generation,
            access_token: session.access_token.clone(),
            id_token: session.id_token.clone(),
            expires_at: session.expires_at,
            refresh_token: session.refresh_token.clone(),
            bound: session.bound,
            frame: *frame,
        },
    };
    serde_json::to_string(&wire)
}

fn decode(data: &JsValue) -> Option<Message> {
    match serde_json::from_str(&data.as_string()?).ok()? {
        Wire::Hello => Some(Message::Hello),
        Wire::Session { generation, access_token, id_token, expires_at, refresh_token, bound, frame } => {
            let session = Session::from_parts(access_token, id_token, expires_at).ok()?;
            let session = session.with_refresh_token(refresh_token).with_binding(bound);
            Some(Message::Session { session: Box::new(session), generation, frame })
        }
    }
}

/// Posts `message` to every other tab of the origin.
pub fn post(message: &Message) -> Result<(), AuthError> {
    let data = encode(message).map_err(|_| AuthError::Browser("cannot build a tab message".into()))?;
    let channel = channel()?;
    let posted =
        channel.post_message(&JsValue::from(data)).map_err(|_| AuthError::Browser("cannot post to other tabs".into()));
    channel.close();
    posted
}

/// Listens to the other tabs; dropping the returned value stops listening.
pub struct Listener {
    channel: BroadcastChannel,
    _listener: EventListener,
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.channel.close();
    }
}

/// Calls `on_message` with each message another tab posts.
pub fn listen(on_message: impl Fn(Message) + 'static) -> Result<Listener, AuthError> {
    let channel = channel()?;
    let listener = EventListener::new(&channel, "message", move |event| {
        if let Some(message) = event.dyn_ref::<MessageEvent>().and_then(|e| decode(&e.data())) {
            on_message(message);
        }
    });
    Ok(Listener { channel, _listener: listener })
}
