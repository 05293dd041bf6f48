//! POSTs to the provider's token and revocation endpoints with `fetch` (the provider answers CORS
//! for the app's origin). The bodies are built and the answers read by `protocol::token`; this
//! module only moves bytes, and says "unreachable" when no answer came.

use gloo_net::http::Request;

use super::setup::AuthSetup;
use crate::auth::protocol::error::AuthError;
use crate::auth::protocol::token::{self, TokenResponse};

const FORM: &str = "application/x-www-form-urlencoded";

async fn post(url: &str, body: String) -> Result<(u16, String), AuthError> {
    let response = Request::post(url)
        .header("Content-Type", FORM)
        .body(body)
        .map_err(|e| AuthError::Browser(format!("fetch: {e}")))?
        .send()
        .await
        .map_err(|e| AuthError::Unreachable(e.to_string()))?;
    let status = response.status();
    let text = response.text().await.map_err(|e| AuthError::Unreachable(e.to_string()))?;
    Ok((status, text))
}

fn endpoint(setup: &AuthSetup) -> Result<&str, AuthError> {
    setup
        .discovery
        .token_endpoint
        .as_deref()
        .ok_or_else(|| AuthError::Config("the provider has no token_endpoint".into()))
}

/// Exchanges an authorization code (with its PKCE verifier) for tokens.
pub async fn exchange_code(
    setup: &AuthSetup,
    code: &str,
    verifier: &str,
    redirect_uri: &str,
) -> Result<TokenResponse, AuthError> {
    let body = token::code_exchange_body(&setup.config, code, verifier, redirect_uri);
    let (status, text) = post(endpoint(setup)?, body).await?;
    token::parse_token_response(status, &text)
}

/// Spends `refresh_token` for new tokens (and, with rotation, a new refresh token).
pub async fn refresh(setup: &AuthSetup, refresh_token: &str) -> Result<TokenResponse, AuthError> {
    let body = token::refresh_body(&setup.config, refresh_token);
    let (status, text) = post(endpoint(setup)?, body).await?;
    token::parse_token_response(status, &text)
}

/// Revokes `refresh_token` (RFC 7009) where the provider has a revocation endpoint; `Ok(false)`
/// when it has none.
pub async fn revoke(setup: &AuthSetup, refresh_token: &str) -> Result<bool, AuthError> {
    let Some(url) = setup.discovery.revocation_endpoint.as_deref() else { return Ok(false) };
    let (status, _) = post(url, token::revocation_body(&setup.config, refresh_token)).await?;
    // RFC 7009 §2.2: 200 for a token revoked or already invalid.
    if status == 200 {
        Ok(true)
    } else {
        Err(AuthError::BadAnswer { what: "revocation endpoint", detail: format!("HTTP {status}") })
    }
}
