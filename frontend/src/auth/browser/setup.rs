//! What the app loads before anything else: `/auth_config.json` and the provider's discovery
//! document. Together they are the [`AuthSetup`] every operation reads.

use js_sys::Reflect;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::{http, store};
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

/// Reads `/auth_config.json`, then the discovery document it points to. On a reload the document
/// this tab kept is used at once (checked exactly as a fresh one) and refreshed in the background for
/// the next load, so a stored session is on screen without a round trip to the provider.
pub async fn load() -> Result<AuthSetup, AuthError> {
    let (status, body) = config_text().await?;
    if !(200..300).contains(&status) {
        return Err(AuthError::Config(format!(
            "/auth_config.json: HTTP {status} (run `make dev`, or write it as the README shows)"
        )));
    }
    let config = AuthConfig::from_json(&body)?;
    if let Some(setup) = store::cached_discovery(&config.issuer).and_then(|discovery| kept(&config, discovery)) {
        wasm_bindgen_futures::spawn_local(async move {
            if let Err(error) = fetch(config).await {
                web_sys::console::debug_1(&format!("discovery refresh: {error}").into());
            }
        });
        return Ok(setup);
    }
    fetch(config).await
}

/// The status and text of `/auth_config.json`: from the read `index.html` started while the page was
/// still parsing (`window.authConfigRead`, a promise of `{status, text}`), so that the text is ready
/// when the wasm starts; without one, fetched now.
async fn config_text() -> Result<(u16, String), AuthError> {
    let cannot = |reason: String| AuthError::Config(format!("cannot load /auth_config.json: {reason}"));
    let early = web_sys::window()
        .and_then(|w| Reflect::get(&w, &"authConfigRead".into()).ok())
        .and_then(|read| read.dyn_into::<js_sys::Promise>().ok());
    if let Some(read) = early {
        let read = JsFuture::from(read).await.map_err(|e| cannot(http::reason(&e)))?;
        let field = |name: &str| Reflect::get(&read, &name.into()).ok();
        let status = field("status").and_then(|s| s.as_f64()).filter(|s| (0.0..1000.0).contains(s));
        if let (Some(status), Some(text)) = (status, field("text").and_then(|t| t.as_string())) {
            return Ok((status as u16, text));
        }
    }
    let response = http::fetch("GET", "/auth_config.json", &[], None).await.map_err(cannot)?;
    if !response.ok() {
        return Ok((response.status(), String::new()));
    }
    let text = response.text().await.map_err(|e| AuthError::Config(format!("/auth_config.json: {e}")))?;
    Ok((response.status(), text))
}

/// The setup from the provider's discovery document, fetched now and kept for the next load.
async fn fetch(config: AuthConfig) -> Result<AuthSetup, AuthError> {
    let discovery: Discovery =
        http::get_json(&config.discovery_url(), None).await.map_err(|e| e.from_provider("discovery document"))?;
    let setup = checked(config, discovery)?;
    store::remember_discovery(&setup.config.issuer, &setup.discovery);
    Ok(setup)
}

/// A discovery document checked against the configuration: the same checks, fetched or kept.
fn checked(config: AuthConfig, discovery: Discovery) -> Result<AuthSetup, AuthError> {
    let discovery = config.check_discovery(discovery)?;
    Ok(AuthSetup { dpop: config.dpop(&discovery)?, config, discovery })
}

/// The setup from a kept document, if it still passes every check (else it is forgotten).
fn kept(config: &AuthConfig, discovery: Discovery) -> Option<AuthSetup> {
    let setup = checked(config.clone(), discovery).ok();
    if setup.is_none() {
        store::forget_discovery();
    }
    setup
}
