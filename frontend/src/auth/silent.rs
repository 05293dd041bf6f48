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

use super::error::AuthError;
use super::flow::{self, AuthResponse};

/// How long after a page loads in the frame its message may still arrive.
pub const LOAD_GRACE_MS: u32 = 1_000;

/// The `type` the silent page puts on its message.
pub const MESSAGE_TYPE: &str = "silent-renewal";

/// What a received message carried, once extracted from JS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payload {
    /// `location.hash` of the silent page.
    pub hash: String,
    /// `location.search` of the silent page.
    pub search: String,
}

/// The filter, pure: `None` means "not for us, keep waiting".
pub fn accept(
    expected_origin: &str,
    expected_state: &str,
    origin: &str,
    from_our_frame: bool,
    payload: Option<Payload>,
) -> Option<Result<AuthResponse, AuthError>> {
    if origin != expected_origin || !from_our_frame {
        return None;
    }
    let payload = payload?;
    match flow::parse_silent(&payload.hash, &payload.search) {
        Ok(response) if response.state == expected_state => Some(Ok(response)),
        Ok(_) => None, // an older request's answer, or a replay
        Err(e) => Some(Err(e)),
    }
}

/// Reads `{type, hash, search}` from a message's data; anything else is `None`.
pub fn payload_of(data: &JsValue) -> Option<Payload> {
    let field = |name: &str| Reflect::get(data, &name.into()).ok().and_then(|v| v.as_string());
    (field("type")? == MESSAGE_TYPE)
        .then(|| Payload { hash: field("hash").unwrap_or_default(), search: field("search").unwrap_or_default() })
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
    let window = web_sys::window().ok_or_else(|| AuthError::Browser("no window".into()))?;
    let document = window.document().ok_or_else(|| AuthError::Browser("no document".into()))?;
    let body = document.body().ok_or_else(|| AuthError::Browser("no body".into()))?;
    let frame: HtmlIFrameElement =
        document.create_element("iframe").map_err(dom)?.dyn_into().map_err(|_| AuthError::Browser("iframe".into()))?;
    frame.set_attribute("title", "Silent token renewal").map_err(dom)?;
    frame.set_attribute("aria-hidden", "true").map_err(dom)?;
    frame.set_attribute("tabindex", "-1").map_err(dom)?;
    frame.set_attribute("data-silent-renewal", state).map_err(dom)?;
    frame.set_attribute("style", "position:absolute;width:0;height:0;border:0;visibility:hidden").map_err(dom)?;
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
            accept(&expected_origin, &expected_state, &event.origin(), ours, payload_of(&event.data()))
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

    let started = js_sys::Date::now();
    let hung = |loaded: bool| AuthError::Timeout {
        after_ms: (js_sys::Date::now() - started).round() as u32,
        step: timeout_step(loaded).into(),
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
            () = grace => return Err(hung(true)),
            () = timeout => return Err(hung(false)),
        }
    }
}

/// Names the step that hung, from whether anything loaded in the frame.
pub fn timeout_step(frame_loaded: bool) -> &'static str {
    if frame_loaded {
        "a page loaded in the frame but never posted the renewal result"
    } else {
        "loading /authorize in the hidden frame: the provider did not answer"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORIGIN: &str = "http://localhost:3001";
    fn tokens(state: &str) -> Option<Payload> {
        Some(Payload {
            hash: format!("#access_token=a&id_token=b&token_type=Bearer&expires_in=60&state={state}"),
            search: String::new(),
        })
    }

    #[test]
    fn only_our_frame_from_the_silent_origin_with_our_state_is_read() {
        assert!(matches!(accept(ORIGIN, "s1", ORIGIN, true, tokens("s1")), Some(Ok(r)) if r.state == "s1"));
        assert_eq!(accept(ORIGIN, "s1", "http://evil.example", true, tokens("s1")), None, "wrong origin");
        assert_eq!(
            accept(ORIGIN, "s1", "http://localhost:5000", true, tokens("s1")),
            None,
            "app origin is not the silent origin"
        );
        assert_eq!(accept(ORIGIN, "s1", ORIGIN, false, tokens("s1")), None, "another window");
        assert_eq!(accept(ORIGIN, "s1", ORIGIN, true, tokens("old")), None, "unknown or replayed state");
        assert_eq!(accept(ORIGIN, "s1", ORIGIN, true, None), None, "not a renewal message");
    }

    #[test]
    fn a_timeout_names_the_step_that_hung() {
        assert!(timeout_step(false).contains("/authorize"));
        assert!(timeout_step(true).contains("never posted"));
    }

    #[test]
    fn a_malformed_answer_from_our_frame_fails_fast() {
        let bad = Some(Payload { hash: "#state=s1&state=s2".into(), search: String::new() });
        assert!(matches!(accept(ORIGIN, "s1", ORIGIN, true, bad), Some(Err(AuthError::MalformedResponse(_)))));
    }
}
