//! JSON over `fetch` for discovery, JWKS, `/userinfo` and the API, with errors that keep the
//! status and the server's explanation (RFC 6750 bodies) instead of a bare "request failed". A call
//! carries a bearer token, or a DPoP-bound token with its proof (RFC 9449 §7); a server asking for a
//! DPoP nonce is reported as such, so the caller can answer it once.

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

/// GETs `url` (with a credential when given) and parses the JSON body.
pub async fn get_json<T: DeserializeOwned>(url: &str, credential: Option<Credential<'_>>) -> Result<T, HttpError> {
    let mut request = Request::get(url);
    match credential {
        Some(Credential::Bearer(token)) => request = request.header("Authorization", &format!("Bearer {token}")),
        Some(Credential::Dpop { token, proof }) => {
            request = request.header("Authorization", &format!("DPoP {token}")).header("DPoP", &proof);
        }
        None => {}
    }
    let response =
        request.send().await.map_err(|e| HttpError::Network { url: url.to_owned(), reason: e.to_string() })?;
    if !response.ok() {
        let status = response.status();
        let challenge = response.headers().get("www-authenticate").unwrap_or_default();
        if let Some(nonce) = response.headers().get("dpop-nonce").filter(|_| challenge.contains("use_dpop_nonce")) {
            return Err(HttpError::DpopNonce(nonce));
        }
        let body: Option<serde_json::Value> = response.json().await.ok();
        let field = |name: &str| body.as_ref().and_then(|b| b.get(name)).and_then(|v| v.as_str()).map(str::to_owned);
        let message = field("error_description").or_else(|| field("error")).unwrap_or_else(|| response.status_text());
        let message =
            crate::auth::protocol::error::shown(&message, crate::auth::protocol::error::MAX_DESCRIPTION_CHARS);
        return Err(HttpError::Status { status, message });
    }
    response.json().await.map_err(|_| HttpError::Body)
}
