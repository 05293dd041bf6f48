//! POSTs to the provider's token and revocation endpoints with `fetch` (the provider answers CORS
//! for the app's origin). The bodies are built and the answers read by `protocol::token`; this
//! module moves bytes, adds a DPoP proof when tokens are bound to the browser's key, and answers a
//! `use_dpop_nonce` once with the nonce the provider sent. It says "unreachable" when no answer came.

use super::dpop::{self, DpopKey};
use super::http;
use super::setup::AuthSetup;
use crate::auth::protocol::error::AuthError;
use crate::auth::protocol::token::{self, TokenResponse};

const FORM: &str = "application/x-www-form-urlencoded";

/// One POST; with `key`, a proof goes with it and the provider's `DPoP-Nonce` is remembered.
/// Returns the status, the body, and whether the provider sent a nonce it had not sent before.
async fn post_once(url: &str, body: &str, key: Option<&DpopKey>) -> Result<(u16, String, bool), AuthError> {
    let proof = match key {
        Some(key) => Some(dpop::proof(key, "POST", url, None).await?),
        None => None,
    };
    let mut headers = vec![("Content-Type", FORM)];
    if let Some(proof) = &proof {
        headers.push(("DPoP", proof));
    }
    let response = http::fetch("POST", url, &headers, Some(body)).await.map_err(AuthError::Unreachable)?;
    let new_nonce = response.header("dpop-nonce").is_some_and(|nonce| dpop::remember_nonce(url, &nonce));
    let status = response.status();
    let text = response.text().await.map_err(AuthError::Unreachable)?;
    Ok((status, text, new_nonce))
}

/// A token request: retried once when the provider asks for a DPoP nonce (RFC 9449 §8).
async fn token_request(url: &str, body: String, key: Option<&DpopKey>) -> Result<TokenResponse, AuthError> {
    let (status, text, new_nonce) = post_once(url, &body, key).await?;
    match token::parse_token_response(status, &text, key.is_some()) {
        Err(error) if new_nonce && token::is_use_dpop_nonce(&error) => {
            let (status, text, _) = post_once(url, &body, key).await?;
            token::parse_token_response(status, &text, key.is_some())
        }
        answer => answer,
    }
}

fn endpoint(setup: &AuthSetup) -> Result<&str, AuthError> {
    setup
        .discovery
        .token_endpoint
        .as_deref()
        .ok_or_else(|| AuthError::Config("the provider has no token_endpoint".into()))
}

/// Exchanges an authorization code (with its PKCE verifier) for tokens, bound to `key` if given.
pub async fn exchange_code(
    setup: &AuthSetup,
    code: &str,
    verifier: &str,
    redirect_uri: &str,
    key: Option<&DpopKey>,
) -> Result<TokenResponse, AuthError> {
    let body = token::code_exchange_body(&setup.config, code, verifier, redirect_uri);
    token_request(endpoint(setup)?, body, key).await
}

/// Spends `refresh_token` for new tokens (and, with rotation, a new refresh token); a bound refresh
/// token needs the proof of its key.
pub async fn refresh(
    setup: &AuthSetup,
    refresh_token: &str,
    key: Option<&DpopKey>,
) -> Result<TokenResponse, AuthError> {
    let body = token::refresh_body(&setup.config, refresh_token);
    token_request(endpoint(setup)?, body, key).await
}

/// Revokes `refresh_token` (RFC 7009) where the provider has a revocation endpoint; `Ok(false)`
/// when it has none.
pub async fn revoke(setup: &AuthSetup, refresh_token: &str) -> Result<bool, AuthError> {
    let Some(url) = setup.discovery.revocation_endpoint.as_deref() else { return Ok(false) };
    let (status, _, _) = post_once(url, &token::revocation_body(&setup.config, refresh_token), None).await?;
    // RFC 7009 §2.2: 200 for a token revoked or already invalid.
    if status == 200 {
        Ok(true)
    } else {
        Err(AuthError::BadAnswer { what: "revocation endpoint", detail: format!("HTTP {status}") })
    }
}
