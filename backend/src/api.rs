//! The tutorial series' API: one public route, one that needs a valid access token, one that also
//! needs the `read:messages` scope. Handlers say what they need by taking a [`Verified`] argument;
//! the extractor reads the bearer token and validates it before the handler runs.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::web::Data;
use actix_web::{FromRequest, HttpRequest, HttpResponse};
use serde_json::json;

use crate::error::ApiError;
use crate::jwt::{Claims, Validator};

/// The scope `/api/private-scoped` requires, as in the tutorial series.
pub const READ_MESSAGES: &str = "read:messages";

/// Longest bearer token accepted; real ones are ~1 KB, this stops pathological inputs early.
const MAX_TOKEN_LEN: usize = 8 * 1024;

/// The claims of a request's access token, verified: a handler taking one runs only for a request
/// whose token passed every check, and the rejection is an RFC 6750 answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified(pub Claims);

/// The token of an `Authorization: Bearer …` header, or why there is none.
fn bearer(req: &HttpRequest) -> Result<String, ApiError> {
    let value = req.headers().get(header::AUTHORIZATION).ok_or(ApiError::MissingToken)?;
    let value = value.to_str().map_err(|_| ApiError::InvalidToken("authorization header is not ASCII".into()))?;
    let (scheme, token) =
        value.split_once(' ').ok_or_else(|| ApiError::InvalidToken("expected `Bearer <token>`".into()))?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(ApiError::InvalidToken("expected the Bearer scheme".into()));
    }
    let token = token.trim();
    if token.is_empty() || token.len() > MAX_TOKEN_LEN {
        return Err(ApiError::InvalidToken("token empty or too large".into()));
    }
    Ok(token.to_owned())
}

impl FromRequest for Verified {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let token = bearer(req);
        let validator = req.app_data::<Data<Validator>>().cloned();
        Box::pin(async move {
            let validator = validator.ok_or(ApiError::Misconfigured)?;
            validator.validate(&token?).await.map(Verified)
        })
    }
}

/// `GET /api/public`.
pub async fn public() -> HttpResponse {
    HttpResponse::Ok().json(json!({
        "message": "Hello from a public endpoint! You don't need to be authenticated to see this."
    }))
}

/// `GET /api/private`.
pub async fn private(Verified(claims): Verified) -> HttpResponse {
    private_response(json!({
        "message": "Hello from a private endpoint! You need to be authenticated to see this.",
        "sub": claims.sub,
    }))
}

/// `GET /api/private-scoped`.
pub async fn private_scoped(Verified(claims): Verified) -> Result<HttpResponse, ApiError> {
    if !claims.has_scope(READ_MESSAGES) {
        return Err(ApiError::InsufficientScope(READ_MESSAGES));
    }
    Ok(private_response(json!({
        "message": "Hello from a private endpoint! You need to be authenticated and have a scope of read:messages to see this.",
        "sub": claims.sub,
    })))
}

fn private_response(body: serde_json::Value) -> HttpResponse {
    HttpResponse::Ok().insert_header((header::CACHE_CONTROL, "no-store")).json(body)
}
