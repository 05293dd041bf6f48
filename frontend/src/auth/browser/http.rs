//! JSON over `fetch` for discovery, JWKS, `/userinfo` and the API, with errors that keep the
//! status and the server's explanation (RFC 6750 bodies) instead of a bare "request failed".

use gloo_net::http::Request;
use serde::de::DeserializeOwned;

use crate::auth::protocol::error::AuthError;

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
    /// A 2xx body that is not the expected JSON.
    #[error("unexpected response: {0}")]
    Body(String),
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

/// GETs `url` (with a bearer token when given) and parses the JSON body.
pub async fn get_json<T: DeserializeOwned>(url: &str, bearer: Option<&str>) -> Result<T, HttpError> {
    let mut request = Request::get(url);
    if let Some(token) = bearer {
        request = request.header("Authorization", &format!("Bearer {token}"));
    }
    let response =
        request.send().await.map_err(|e| HttpError::Network { url: url.to_owned(), reason: e.to_string() })?;
    if !response.ok() {
        let status = response.status();
        let body: Option<serde_json::Value> = response.json().await.ok();
        let field = |name: &str| body.as_ref().and_then(|b| b.get(name)).and_then(|v| v.as_str()).map(str::to_owned);
        let message = field("error_description").or_else(|| field("error")).unwrap_or_else(|| response.status_text());
        return Err(HttpError::Status { status, message });
    }
    response.json().await.map_err(|e| HttpError::Body(e.to_string()))
}
