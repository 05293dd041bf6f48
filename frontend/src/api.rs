//! Calls to the backend API with the session's bearer token.

use serde_json::Value;

use crate::auth::http::{self, HttpError};
use crate::auth::AuthError;

/// Why an API call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiCallError {
    /// The HTTP call itself (backend down, 4xx/5xx with the server's explanation).
    #[error(transparent)]
    Http(#[from] HttpError),
    /// The call answered 401 and the renewal it triggered failed.
    #[error("the API refused the token and renewing it failed: {0}")]
    Renewal(AuthError),
    /// A 401 with no session to renew.
    #[error("not logged in")]
    NoSession,
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

/// GETs an endpoint, sending the token when there is one.
pub async fn call(base: &str, endpoint: Endpoint, token: Option<&str>) -> Result<Value, HttpError> {
    http::get_json(&format!("{base}{}", endpoint.path()), token).await
}
