//! JSON over `fetch` for discovery, JWKS, `/userinfo` and the API, with errors that keep the
//! status and the server's explanation (RFC 6750 bodies) instead of a bare "request failed". A call
//! carries a bearer token, or a DPoP-bound token with its proof (RFC 9449 §7); a server asking for a
//! DPoP nonce is reported as such, so the caller can answer it once.

use serde::de::DeserializeOwned;
use serde::Deserialize;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::auth::protocol::error::{shown, AuthError, MAX_DESCRIPTION_CHARS};

/// Largest body read as JSON: discovery, key sets and API answers are a few KB.
pub const MAX_JSON_BYTES: usize = 1024 * 1024;

/// A failed call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HttpError {
    /// No response at all (server down, CORS refused, offline).
    #[error("{url} unreachable: {reason}")]
    Network {
        /// Target.
        url: String,
        /// Browser's explanation.
        reason: String,
    },
    /// A non-2xx status.
    #[error("HTTP {status}: {message}")]
    Status {
        /// Status code.
        status: u16,
        /// `error_description`, `error` or the status text.
        message: String,
    },
    /// A 2xx body that is not the expected JSON. No parser text: it would repeat the body.
    #[error("unexpected response: the body is not the expected JSON")]
    Body,
    /// `401` with `WWW-Authenticate: DPoP error="use_dpop_nonce"` and a `DPoP-Nonce` to use.
    #[error("the server asks for a DPoP nonce")]
    DpopNonce(String),
}

/// How a call proves it may be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential<'a> {
    /// `Authorization: Bearer <token>`.
    Bearer(&'a str),
    /// `Authorization: DPoP <token>` and `DPoP: <proof>`.
    Dpop {
        /// The bound access token.
        token: &'a str,
        /// A fresh proof for this request.
        proof: String,
    },
}

impl HttpError {
    /// The same failure seen from the auth side: no answer is "unreachable" (transient), any other
    /// answer is one the protocol did not expect from `what`.
    pub fn from_provider(self, what: &'static str) -> AuthError {
        match self {
            Self::Network { reason, .. } => AuthError::Unreachable(reason),
            other => AuthError::BadAnswer { what, detail: other.to_string() },
        }
    }
}

/// An answer to a `fetch`: its status, the headers the app reads, its body.
pub struct Answer {
    response: web_sys::Response,
}

impl Answer {
    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.response.status()
    }

    /// Whether the status is 2xx.
    pub fn ok(&self) -> bool {
        self.response.ok()
    }

    /// A response header (the CORS-exposed ones only, for another origin).
    pub fn header(&self, name: &str) -> Option<String> {
        self.response.headers().get(name).ok().flatten()
    }

    /// The body as text; `Err` when the connection broke while it came.
    pub async fn text(&self) -> Result<String, String> {
        let promise = self.response.text().map_err(|e| reason(&e))?;
        JsFuture::from(promise).await.map_err(|e| reason(&e))?.as_string().ok_or_else(|| "not text".to_owned())
    }
}

/// The browser's explanation of a failure (a `TypeError: Failed to fetch`, say).
pub fn reason(error: &JsValue) -> String {
    error.dyn_ref::<js_sys::Error>().map_or_else(|| "no answer".to_owned(), |e| String::from(e.message()))
}

/// `fetch(url, {method, headers, body})`, straight on web-sys (gloo-net added a JSON layer the app
/// does not use). `Err` with the browser's reason when no answer came: offline, refused, CORS.
pub async fn fetch(method: &str, url: &str, headers: &[(&str, &str)], body: Option<&str>) -> Result<Answer, String> {
    let window = web_sys::window().ok_or_else(|| "no window".to_owned())?;
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    let list = web_sys::Headers::new().map_err(|e| reason(&e))?;
    for (name, value) in headers {
        list.append(name, value).map_err(|e| reason(&e))?;
    }
    init.set_headers(&list);
    if let Some(body) = body {
        init.set_body(&JsValue::from_str(body));
    }
    let answer = JsFuture::from(window.fetch_with_str_and_init(url, &init)).await.map_err(|e| reason(&e))?;
    Ok(Answer { response: answer.unchecked_into() })
}

/// The body of an answer, if it came whole and is not larger than [`MAX_JSON_BYTES`].
async fn body_text(response: &Answer) -> Option<String> {
    response.text().await.ok().filter(|text| text.len() <= MAX_JSON_BYTES)
}

/// An error answer's explanation (RFC 6750 §3, RFC 6749 §5.2).
#[derive(Deserialize)]
struct ErrorBody {
    error: Option<String>,
    error_description: Option<String>,
}

/// GETs `url` (with a credential when given): the body of a 2xx answer, or why there is none.
async fn get_text(url: &str, credential: Option<Credential<'_>>) -> Result<String, HttpError> {
    let authorization;
    let mut headers: Vec<(&str, &str)> = Vec::new();
    match &credential {
        Some(Credential::Bearer(token)) => {
            authorization = format!("Bearer {token}");
            headers.push(("Authorization", &authorization));
        }
        Some(Credential::Dpop { token, proof }) => {
            authorization = format!("DPoP {token}");
            headers.push(("Authorization", &authorization));
            headers.push(("DPoP", proof));
        }
        None => {}
    }
    let response =
        fetch("GET", url, &headers, None).await.map_err(|reason| HttpError::Network { url: url.to_owned(), reason })?;
    if !response.ok() {
        let status = response.status();
        let challenge = response.header("www-authenticate").unwrap_or_default();
        if let Some(nonce) = response.header("dpop-nonce").filter(|_| challenge.contains("use_dpop_nonce")) {
            return Err(HttpError::DpopNonce(nonce));
        }
        let body = body_text(&response).await.and_then(|text| serde_json::from_str::<ErrorBody>(&text).ok());
        let message =
            body.and_then(|b| b.error_description.or(b.error)).unwrap_or_else(|| response.response.status_text());
        return Err(HttpError::Status { status, message: shown(&message, MAX_DESCRIPTION_CHARS) });
    }
    body_text(&response).await.ok_or(HttpError::Body)
}

/// GETs `url` (with a credential when given) and reads the JSON body as `T`.
pub async fn get_json<T: DeserializeOwned>(url: &str, credential: Option<Credential<'_>>) -> Result<T, HttpError> {
    let text = get_text(url, credential).await?;
    serde_json::from_str(&text).map_err(|_| HttpError::Body)
}
