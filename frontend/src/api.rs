//! Calls that need the session's access token (the backend API and the provider's `/userinfo`),
//! built on two auth operations: "a valid session, waiting for a renewal in flight" and "renew
//! once". A `401` triggers one renewal and one retry, never a loop; a call never goes out without
//! the token while the session has one. Bound tokens go as `Authorization: DPoP` with a fresh proof
//! for each request; a server that asks for a DPoP nonce is answered once.

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::auth::browser::dpop;
use crate::auth::browser::http::{self, Credential, HttpError};
use crate::auth::{AuthContext, AuthError, Session, Trigger};

/// Why a call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiCallError {
    /// The HTTP call itself (backend down, 4xx/5xx with the server's explanation).
    #[error(transparent)]
    Http(#[from] HttpError),
    /// No token could be had (not logged in, or the renewal it waited for failed and the token has expired).
    #[error("no access token: {0}")]
    NoToken(AuthError),
    /// The call answered 401 and the renewal it triggered failed.
    #[error("the API refused the token and renewing it failed: {0}")]
    Renewal(AuthError),
    /// A DPoP proof could not be made (the browser's key is gone or WebCrypto failed).
    #[error("no DPoP proof: {0}")]
    Proof(AuthError),
}

/// The three endpoints of the tutorial series' API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// No token needed.
    Public,
    /// Any valid access token.
    Private,
    /// A token with `read:messages`.
    PrivateScoped,
}

impl Endpoint {
    /// All of them, in display order.
    pub const ALL: [Endpoint; 3] = [Self::Public, Self::Private, Self::PrivateScoped];

    /// Path under the API base URL.
    pub fn path(self) -> &'static str {
        match self {
            Self::Public => "/api/public",
            Self::Private => "/api/private",
            Self::PrivateScoped => "/api/private-scoped",
        }
    }

    /// Button label.
    pub fn label(self) -> &'static str {
        match self {
            Self::Public => "Call public API",
            Self::Private => "Call private API",
            Self::PrivateScoped => "Call scoped API (read:messages)",
        }
    }

    /// Whether the call needs a login.
    pub fn needs_login(self) -> bool {
        self != Self::Public
    }
}

/// GETs `url` with `session`'s token: a bearer token, or a bound one with its proof; a DPoP nonce
/// asked for is answered once.
async fn get_as<T: DeserializeOwned>(session: &Session, url: &str) -> Result<T, ApiCallError> {
    if !session.bound {
        return Ok(http::get_json(url, Some(Credential::Bearer(&session.access_token))).await?);
    }
    let key = dpop::current().await.map_err(ApiCallError::Proof)?.ok_or(ApiCallError::Proof(AuthError::NoSession))?;
    let mut retried = false;
    loop {
        let proof = dpop::proof(&key, "GET", url, Some(&session.access_token)).await.map_err(ApiCallError::Proof)?;
        match http::get_json(url, Some(Credential::Dpop { token: &session.access_token, proof })).await {
            Err(HttpError::DpopNonce(nonce)) if !retried && dpop::remember_nonce(url, &nonce) => retried = true,
            other => return Ok(other?),
        }
    }
}

/// GETs `url` with the session's access token: waits for a renewal in flight; on a `401`, renews
/// once and retries once.
pub async fn get_with_token<T: DeserializeOwned>(auth: &AuthContext, url: &str) -> Result<T, ApiCallError> {
    let session = auth.valid_session().await.map_err(ApiCallError::NoToken)?;
    match get_as(&session, url).await {
        Err(ApiCallError::Http(HttpError::Status { status: 401, .. })) => {
            let renewed = auth.renew_once(Trigger::Api).await.map_err(ApiCallError::Renewal)?;
            get_as(&renewed, url).await
        }
        other => other,
    }
}

/// Calls an endpoint of the backend API; the public one without a token.
pub async fn call(auth: &AuthContext, endpoint: Endpoint) -> Result<Value, ApiCallError> {
    let url = format!("{}{}", auth.setup.config.api_base_url, endpoint.path());
    if endpoint.needs_login() {
        get_with_token(auth, &url).await
    } else {
        Ok(http::get_json(&url, None).await?)
    }
}
