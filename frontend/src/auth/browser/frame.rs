//! Silent renewal transport: a hidden iframe loads `/authorize?prompt=none`, the provider redirects
//! it to the silent page, which posts the redirect back. Only a message from the silent page's
//! origin, from *this* iframe's window, answering *this* request's state is read; everything else
//! is ignored. A timeout bounds the wait, and the iframe and listener are removed on every path.

use futures::channel::mpsc;
use futures::future::{Fuse, FusedFuture as _};
use futures::{FutureExt as _, StreamExt as _};
use gloo_events::EventListener;
use gloo_timers::future::TimeoutFuture;
use js_sys::Reflect;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{HtmlIFrameElement, MessageEvent};

use super::env::{now_ms, window};
use crate::auth::protocol::error::{AuthError, TimeoutStep};
use crate::auth::protocol::response::{answer_in_message, AuthResponse, SilentMessage, MESSAGE_TYPE};

/// How long after a page loads in the frame its message may still arrive.
pub const LOAD_GRACE_MS: u32 = 1_000;

/// Reads `{type, hash, search}` from a message's data; anything else is `None`.
pub fn silent_message(data: &JsValue) -> Option<SilentMessage> {
    let field = |name: &str| Reflect::get(data, &name.into()).ok().and_then(|v| v.as_string());
    (field("type")? == MESSAGE_TYPE)
        .then(|| SilentMessage { hash: field("hash").unwrap_or_default(), search: field("search").unwrap_or_default() })
}

/// Removes the iframe when the renewal ends, however it ends.
struct FrameGuard(HtmlIFrameElement);

impl Drop for FrameGuard {
    fn drop(&mut self) {
        self.0.remove();
    }
}

fn dom(e: JsValue) -> AuthError {
    AuthError::Browser(format!("iframe: {e:?}"))
}

/// Runs one silent request and returns the provider's answer (tokens or an OAuth error).
pub async fn run(
    url: &str,
    silent_origin: &str,
    silent_uri: &str,
    state: &str,
    timeout_ms: u32,
) -> Result<AuthResponse, AuthError> {
    let window = window()?;
    let document = window.document().ok_or_else(|| AuthError::Browser("no document".into()))?;
    let body = document.body().ok_or_else(|| AuthError::Browser("no body".into()))?;
    let frame: HtmlIFrameElement =
        document.create_element("iframe").map_err(dom)?.dyn_into().map_err(|_| AuthError::Browser("iframe".into()))?;
    frame.set_attribute("title", "Silent token renewal").map_err(dom)?;
    frame.set_attribute("aria-hidden", "true").map_err(dom)?;
    frame.set_attribute("tabindex", "-1").map_err(dom)?;
    frame.set_attribute("data-silent-renewal", state).map_err(dom)?;
    // `hidden`, not a `style` attribute: the page's CSP (`style-src 'self'`) refuses inline styles.
    frame.set_hidden(true);
    let guard = FrameGuard(frame);

    let (sender, mut receiver) = mpsc::unbounded();
    let (expected_origin, expected_state) = (silent_origin.to_owned(), state.to_owned());
    let frame_for_filter = guard.0.clone();
    let _listener = EventListener::new(&window, "message", move |event| {
        let Some(event) = event.dyn_ref::<MessageEvent>() else {
            return;
        };
        let ours = match (event.source(), frame_for_filter.content_window()) {
            (Some(source), Some(win)) => JsValue::from(source) == JsValue::from(win),
            _ => false,
        };
        if let Some(result) =
            answer_in_message(&expected_origin, &expected_state, &event.origin(), ours, silent_message(&event.data()))
        {
            if sender.unbounded_send(result).is_err() {
                web_sys::console::debug_1(&"silent renewal already finished".into());
            }
        }
    });
    // The silent page posts while it loads; a page that loaded and stayed silent for
    // `LOAD_GRACE_MS` (a provider error page, a browser error page, a wrong redirect) has failed:
    // say so now instead of at the timeout. No load at all means the provider never answered.
    let (loaded_tx, mut loaded_rx) = mpsc::unbounded::<()>();
    let _load = EventListener::new(&guard.0, "load", move |_| {
        if loaded_tx.unbounded_send(()).is_err() {
            web_sys::console::debug_1(&"silent renewal already finished".into());
        }
    });
    guard.0.set_src(url);
    body.append_child(&guard.0).map_err(dom)?;

    let started = now_ms();
    let hung = |step: TimeoutStep| AuthError::Timeout {
        after_ms: (now_ms() - started).round() as u32,
        step,
        silent_uri: silent_uri.to_owned(),
    };
    let mut timeout = TimeoutFuture::new(timeout_ms).fuse();
    let mut grace = Fuse::terminated();
    loop {
        futures::select! {
            result = receiver.next() => {
                return result.unwrap_or_else(|| Err(AuthError::Browser("listener dropped".into())));
            }
            _ = loaded_rx.next() => {
                if grace.is_terminated() {
                    grace = TimeoutFuture::new(LOAD_GRACE_MS).fuse();
                }
            }
            () = grace => return Err(hung(TimeoutStep::SilentPage)),
            () = timeout => return Err(hung(TimeoutStep::Authorize)),
        }
    }
}
