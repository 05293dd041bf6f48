//! The tutorial series' API: one public route, one that needs a valid access token, one that also
//! needs the `read:messages` scope. Handlers only say what they need; `authenticate` does the rest.

use actix_web::http::header;
use actix_web::web::Data;
use actix_web::{HttpRequest, HttpResponse};
use serde_json::json;

use crate::error::ApiError;
use crate::jwt::{Claims, Validator};

/// The scope `/api/private-scoped` requires, as in the tutorial series.
pub const READ_MESSAGES: &str = "read:messages";

/// Longest bearer token accepted; real ones are ~1 KB, this stops pathological inputs early.
const MAX_TOKEN_LEN: usize = 8 * 1024;

/// Extracts the bearer token and validates it.
pub async fn authenticate(req: &HttpRequest, validator: &Validator) -> Result<Claims, ApiError> {
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
    validator.validate(token).await
}

/// `GET /api/public`.
pub async fn public() -> HttpResponse {
    HttpResponse::Ok().json(json!({
        "message": "Hello from a public endpoint! You don't need to be authenticated to see this."
    }))
}

/// `GET /api/private`.
pub async fn private(req: HttpRequest, validator: Data<Validator>) -> Result<HttpResponse, ApiError> {
    let claims = authenticate(&req, &validator).await?;
    Ok(private_response(json!({
        "message": "Hello from a private endpoint! You need to be authenticated to see this.",
        "sub": claims.sub,
    })))
}

/// `GET /api/private-scoped`.
pub async fn private_scoped(req: HttpRequest, validator: Data<Validator>) -> Result<HttpResponse, ApiError> {
    let claims = authenticate(&req, &validator).await?;
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
