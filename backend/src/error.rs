//! The backend's errors: configuration problems that stop start-up, and request errors that become
//! RFC 6750 responses. Keeping them typed is what lets every rejection carry the right status and
//! `WWW-Authenticate` header without the handlers thinking about HTTP.

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde_json::json;

/// Why the server refuses to start.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A flag or environment variable holds a value that cannot work.
    #[error("invalid configuration: {0}")]
    Invalid(String),
    /// `AUTH0_DOMAIN` is not a host name (the rule the app applies too).
    #[error("AUTH0_DOMAIN: {0}")]
    Auth0Domain(#[from] auth_rules::DomainError),
    /// The silent page template could not be read or is malformed.
    #[error("silent page {path}: {reason}")]
    SilentPage {
        /// File that was read.
        path: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Reading a file failed.
    #[error("cannot read {path}")]
    Io {
        /// File that was read.
        path: String,
        /// Underlying error.
        #[source]
        source: std::io::Error,
    },
}

/// Why an API request was refused.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No `Authorization` header: RFC 6750 §3.1 says answer with a bare challenge, no error code.
    #[error("authorization required")]
    MissingToken,
    /// The credentials are present but unacceptable (malformed, forged, expired, wrong audience…).
    /// The description is fixed wording: never the token, never anything parsed from it.
    #[error("invalid token: {0}")]
    InvalidToken(&'static str),
    /// A valid token without the scope the route requires.
    #[error("insufficient scope: {0} required")]
    InsufficientScope(&'static str),
    /// The issuer's keys could not be fetched, so no token can be judged (a server-side problem).
    #[error("signing keys unavailable")]
    KeysUnavailable(#[source] JwksError),
    /// A route takes [`crate::api::Verified`] but `configure` registered no validator: a bug.
    #[error("the server is misconfigured")]
    Misconfigured,
    /// `Authorization: DPoP` with a token that is not acceptable, or not bound to the proof's key.
    #[error("invalid token: {0}")]
    InvalidDpopToken(&'static str),
    /// The DPoP proof failed a check of RFC 9449 §4.3.
    #[error("invalid DPoP proof: {0}")]
    InvalidProof(crate::dpop::ProofError),
    /// The proof lacks this server's nonce: retry with it (sent in `DPoP-Nonce`).
    #[error("a DPoP nonce is required")]
    UseDpopNonce(String),
    /// The shared replay store did not answer in time or refused the write: a DPoP proof cannot be
    /// checked for replay now, so none is accepted (a server-side problem; try again).
    #[error("the DPoP replay check is unavailable; try again")]
    ReplayUnavailable,
}

/// Why the issuer's key set could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum JwksError {
    /// Network or HTTP error talking to the issuer.
    #[error("fetching {url}")]
    Fetch {
        /// The discovery or JWKS URL.
        url: String,
        /// Underlying error.
        #[source]
        source: reqwest::Error,
    },
    /// Another request's fetch failed while this one waited for it: the same outage, not refetched.
    #[error("the issuer's keys could not be fetched just now")]
    Shared,
    /// The document did not have the expected shape.
    #[error("malformed document from {url}: {reason}")]
    Malformed {
        /// The discovery or JWKS URL.
        url: String,
        /// What was wrong.
        reason: String,
    },
}

impl ApiError {
    fn challenge(&self) -> String {
        let realm = r#"Bearer realm="api""#;
        let dpop = format!(r#"DPoP realm="api", algs="{}""#, crate::dpop::ALGS);
        match self {
            // RFC 9449 §7.1: a resource server may offer both schemes.
            Self::MissingToken => format!("{realm}, {dpop}"),
            Self::InvalidToken(why) => {
                format!(r#"{realm}, error="invalid_token", error_description="{}""#, quote_safe(why))
            }
            Self::InvalidDpopToken(why) => {
                format!(r#"{dpop}, error="invalid_token", error_description="{}""#, quote_safe(why))
            }
            Self::InvalidProof(why) => {
                format!(r#"{dpop}, error="invalid_dpop_proof", error_description="{}""#, quote_safe(&why.to_string()))
            }
            Self::UseDpopNonce(_) => format!(r#"{dpop}, error="use_dpop_nonce""#),
            Self::InsufficientScope(scope) => {
                format!(r#"{realm}, error="insufficient_scope", scope="{scope}""#)
            }
            Self::KeysUnavailable(_) | Self::Misconfigured => realm.to_owned(),
            Self::ReplayUnavailable => dpop,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            Self::MissingToken => "unauthorized",
            Self::InvalidToken(_) | Self::InvalidDpopToken(_) => "invalid_token",
            Self::InvalidProof(crate::dpop::ProofError::Busy) => "temporarily_unavailable",
            Self::InvalidProof(_) => "invalid_dpop_proof",
            Self::UseDpopNonce(_) => "use_dpop_nonce",
            Self::InsufficientScope(_) => "insufficient_scope",
            Self::KeysUnavailable(_) | Self::ReplayUnavailable => "temporarily_unavailable",
            Self::Misconfigured => "server_error",
        }
    }
}

/// Keeps an error description inside its quoted-string (no quotes, backslashes or control chars).
fn quote_safe(text: &str) -> String {
    text.chars().filter(|c| !matches!(c, '"' | '\\') && !c.is_control()).collect()
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::InvalidProof(crate::dpop::ProofError::Busy) => StatusCode::SERVICE_UNAVAILABLE,
            Self::MissingToken
            | Self::InvalidToken(_)
            | Self::InvalidDpopToken(_)
            | Self::InvalidProof(_)
            | Self::UseDpopNonce(_) => StatusCode::UNAUTHORIZED,
            Self::InsufficientScope(_) => StatusCode::FORBIDDEN,
            Self::KeysUnavailable(_) | Self::ReplayUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::Misconfigured => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code());
        if let Ok(value) = HeaderValue::from_str(&self.challenge()) {
            response.insert_header((header::WWW_AUTHENTICATE, value));
        }
        if let Self::UseDpopNonce(nonce) = self {
            response.insert_header(("DPoP-Nonce", nonce.as_str()));
        }
        if matches!(self, Self::ReplayUnavailable | Self::InvalidProof(crate::dpop::ProofError::Busy)) {
            // A passing condition on the server's side: the client may try again in a second.
            response.insert_header((header::RETRY_AFTER, "1"));
        }
        response
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .json(json!({ "error": self.code(), "error_description": self.to_string() }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_cannot_break_out_of_the_challenge() {
        let err = ApiError::InvalidToken("bad \"kid\"\r\nX-Evil: 1");
        assert_eq!(
            err.challenge(),
            r#"Bearer realm="api", error="invalid_token", error_description="bad kidX-Evil: 1""#
        );
    }
}
