//! Memory storage's way between tabs: a `BroadcastChannel` of the origin. A tab that commits a
//! session posts it; a new tab posts `hello` and any tab holding a session answers with it, so the
//! new tab starts without asking the provider. Nothing here is written to any storage.

use gloo_events::EventListener;
use js_sys::{Object, Reflect};
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

fn channel() -> Result<BroadcastChannel, AuthError> {
    BroadcastChannel::new(CHANNEL).map_err(|_| AuthError::Browser("BroadcastChannel is unavailable".into()))
}

fn frame_name(frame: FrameStatus) -> &'static str {
    match frame {
        FrameStatus::Unknown => "unknown",
        FrameStatus::Works => "works",
        FrameStatus::Blocked => "blocked",
    }
}

/// The frame status a stored or posted name stands for.
pub fn frame_from(name: &str) -> FrameStatus {
    match name {
        "works" => FrameStatus::Works,
        "blocked" => FrameStatus::Blocked,
        _ => FrameStatus::Unknown,
    }
}

fn encode(message: &Message) -> Result<JsValue, JsValue> {
    let data = Object::new();
    match message {
        Message::Hello => {
            Reflect::set(&data, &"type".into(), &"hello".into())?;
        }
        Message::Session { session, generation, frame } => {
            for (key, value) in [
                ("type", JsValue::from("session")),
                ("generation", JsValue::from(*generation as f64)),
                ("access_token", JsValue::from(session.access_token.as_str())),
                ("id_token", JsValue::from(session.id_token.as_str())),
                ("expires_at", JsValue::from(session.expires_at)),
                ("refresh_token", session.refresh_token.as_deref().map_or(JsValue::UNDEFINED, JsValue::from)),
                ("bound", JsValue::from_bool(session.bound)),
                ("frame", JsValue::from(frame_name(*frame))),
            ] {
                Reflect::set(&data, &key.into(), &value)?;
            }
        }
    }
    Ok(data.into())
}

fn decode(data: &JsValue) -> Option<Message> {
    let text = |key: &str| Reflect::get(data, &key.into()).ok().and_then(|v| v.as_string());
    let number = |key: &str| Reflect::get(data, &key.into()).ok().and_then(|v| v.as_f64());
    match text("type")?.as_str() {
        "hello" => Some(Message::Hello),
        "session" => {
            let session = Session::from_parts(text("access_token")?, text("id_token")?, number("expires_at")?).ok()?;
            let generation = number("generation").filter(|g| g.is_finite() && *g >= 0.0)? as u64;
            Some(Message::Session {
                session: Box::new(
                    session
                        .with_refresh_token(text("refresh_token"))
                        .with_binding(Reflect::get(data, &"bound".into()).ok().and_then(|v| v.as_bool()) == Some(true)),
                ),
                generation,
                frame: frame_from(&text("frame").unwrap_or_default()),
            })
        }
        _ => None,
    }
}

/// Posts `message` to every other tab of the origin.
pub fn post(message: &Message) -> Result<(), AuthError> {
    let data = encode(message).map_err(|_| AuthError::Browser("cannot build a tab message".into()))?;
    let channel = channel()?;
    let posted = channel.post_message(&data).map_err(|_| AuthError::Browser("cannot post to other tabs".into()));
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
