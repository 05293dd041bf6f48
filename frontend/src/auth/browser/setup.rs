//! What the app loads before anything else: `/auth_config.json` and the provider's discovery
//! document. Together they are the [`AuthSetup`] every operation reads.

use super::http;
use crate::auth::protocol::config::{AuthConfig, Discovery};
use crate::auth::protocol::error::AuthError;

/// The validated configuration and the provider's endpoints.
#[derive(Debug, Clone, PartialEq)]
pub struct AuthSetup {
    /// Validated `/auth_config.json`.
    pub config: AuthConfig,
    /// The provider's discovery document, checked to be the configured issuer's.
    pub discovery: Discovery,
    /// Tokens are bound to the browser's key (DPoP).
    pub dpop: bool,
}

/// Reads `/auth_config.json`, then the discovery document it points to.
pub async fn load() -> Result<AuthSetup, AuthError> {
    let response = http::fetch("GET", "/auth_config.json", &[], None)
        .await
        .map_err(|e| AuthError::Config(format!("cannot load /auth_config.json: {e}")))?;
    if !response.ok() {
        return Err(AuthError::Config(format!(
            "/auth_config.json: HTTP {} (run `make dev`, or write it as the README shows)",
            response.status()
        )));
    }
    let body = response.text().await.map_err(|e| AuthError::Config(format!("/auth_config.json: {e}")))?;
    let config = AuthConfig::from_json(&body)?;
    let document =
        http::get_json(&config.discovery_url(), None).await.map_err(|e| e.from_provider("discovery document"))?;
    let discovery = Discovery::from_json(&document)?;
    let discovery = config.check_discovery(discovery)?;
    let dpop = config.dpop(&discovery)?;
    Ok(AuthSetup { config, discovery, dpop })
}
