//! The auth operations the UI asks for — load configuration, log in, complete the callback, renew,
//! log out — each composed from the pure modules and the small browser ones. A failure anywhere
//! returns a typed error and leaves the stored session exactly as it was.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

use super::config::{AuthConfig, Discovery};
use super::error::AuthError;
use super::flow::{self, Mode, Tokens};
use super::session::Session;
use super::store::Stored;
use super::verify::{self, Expected};
use super::{http, jwks, jwt, silent, store, tabs};

/// Configuration plus the provider's endpoints: everything an operation needs.
#[derive(Debug, Clone, PartialEq)]
pub struct Runtime {
    /// Validated `/auth_config.json`.
    pub config: AuthConfig,
    /// The provider's discovery document.
    pub discovery: Discovery,
}

/// Epoch milliseconds.
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// 32 random bytes from `crypto.getRandomValues`, base64url: a state or a nonce.
pub fn random_token() -> Result<String, AuthError> {
    let mut bytes = [0u8; 32];
    web_sys::window()
        .and_then(|w| w.crypto().ok())
        .ok_or_else(|| AuthError::Browser("no crypto".into()))?
        .get_random_values_with_u8_array(&mut bytes)
        .map_err(|e| AuthError::Browser(format!("getRandomValues: {e:?}")))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// Reads `/auth_config.json` and the discovery document.
pub async fn load_runtime() -> Result<Runtime, AuthError> {
    let text = gloo_net::http::Request::get("/auth_config.json")
        .send()
        .await
        .map_err(|e| AuthError::Config(format!("cannot load /auth_config.json: {e}")))?;
    if !text.ok() {
        return Err(AuthError::Config(format!(
            "/auth_config.json: HTTP {} (run `make dev`, or write it as the README shows)",
            text.status()
        )));
    }
    let body = text.text().await.map_err(|e| AuthError::Config(e.to_string()))?;
    let config = AuthConfig::from_json(&body)?;
    let discovery: Discovery = http::get_json(&config.discovery_url(), None)
        .await
        .map_err(|e| AuthError::Provider(format!("discovery at {}: {e}", config.discovery_url())))?;
    let discovery = config.check_discovery(discovery)?;
    Ok(Runtime { config, discovery })
}

/// Sends the browser to the provider's login page; `return_to` is where to land afterwards.
pub fn start_login(rt: &Runtime, return_to: &str) -> Result<(), AuthError> {
    let (state, nonce) = (random_token()?, random_token()?);
    let url = flow::authorize_url(&rt.config, &rt.discovery, Mode::Login, &state, &nonce);
    store::push_pending(store::Pending { state, nonce, return_to: return_to.to_owned(), created_at: now_ms() })?;
    web_sys::window()
        .ok_or_else(|| AuthError::Browser("no window".into()))?
        .location()
        .assign(&url)
        .map_err(|e| AuthError::Browser(format!("navigation: {e:?}")))
}

/// Verifies a token response and builds the session it grants (stored only on success).
async fn accept(rt: &Runtime, tokens: Tokens, nonce: &str, subject: Option<&str>) -> Result<Session, AuthError> {
    let id = jwt::decode(&tokens.id_token)?;
    let now = now_ms();
    let expected = Expected {
        issuer: &rt.config.issuer,
        client_id: &rt.config.client_id,
        nonce,
        access_token: &tokens.access_token,
        subject,
        now_secs: (now / 1000.0) as i64,
    };
    verify::check(&id, &expected)?;
    jwks::verify(&rt.discovery.jwks_uri, &id).await?;
    let session = Session {
        access_token: tokens.access_token,
        id_token: tokens.id_token,
        expires_at: now + tokens.expires_in as f64 * 1000.0,
        claims: id.claims,
    };
    store::save(&session)?;
    Ok(session)
}

/// Completes a login from the `/callback` fragment: returns the session and where to go next.
pub async fn complete_login(rt: &Runtime, fragment: &str) -> Result<(Session, String), AuthError> {
    let response = flow::parse_response(fragment)?;
    let pending = store::take_pending(&response.state, now_ms()).ok_or(AuthError::UnknownState)?;
    let tokens = response.result?;
    let session = accept(rt, tokens, &pending.nonce, None).await?;
    Ok((session, pending.return_to))
}

/// One silent renewal for the current session's user.
pub async fn renew(rt: &Runtime, current: &Session) -> Result<Session, AuthError> {
    let (state, nonce) = (random_token()?, random_token()?);
    let url = flow::authorize_url(&rt.config, &rt.discovery, Mode::Silent, &state, &nonce);
    let cfg = &rt.config;
    let response =
        match silent::run(&url, &cfg.silent_origin, &cfg.silent_redirect_uri, &state, cfg.renewal_timeout_ms).await {
            Err(timeout @ AuthError::Timeout { .. }) => return Err(diagnose(rt, timeout).await),
            other => other?,
        };
    accept(rt, response.result?, &nonce, Some(&current.claims.sub)).await
}

/// After a timeout, checks whether the provider answers at all, to report "unreachable" (down,
/// offline) rather than a frame problem. Both are transient: the scheduler retries with backoff.
async fn diagnose(rt: &Runtime, timeout: AuthError) -> AuthError {
    let url = rt.config.discovery_url();
    let probe = http::get_json::<serde_json::Value>(&url, None);
    let limit = gloo_timers::future::TimeoutFuture::new(2_000);
    let outcome = futures::future::select(Box::pin(probe), limit).await;
    match outcome {
        futures::future::Either::Left((Ok(_), _)) => timeout,
        futures::future::Either::Left((Err(e), _)) => {
            AuthError::Provider(format!("the identity provider is unreachable ({e})"))
        }
        futures::future::Either::Right(_) => AuthError::Provider("the identity provider does not answer".into()),
    }
}

/// How a coordinated renewal ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Renewed {
    /// This tab called the provider and got this session.
    Fresh(Session),
    /// Another tab had renewed while this one waited for the lock: its session, adopted.
    Adopted(Session),
}

impl Renewed {
    /// The session, however it came.
    pub fn session(&self) -> &Session {
        match self {
            Self::Fresh(s) | Self::Adopted(s) => s,
        }
    }
}

/// How long a tab that waited behind another for the lock looks for that tab's result.
pub const FOLLOWER_WAIT_MS: u32 = 2_000;

/// A stored session for the same user that is newer than `current`, if another tab wrote one.
fn newer_stored(current: &Session) -> Option<Session> {
    match store::load_state() {
        Stored::Session(stored)
            if stored.claims.sub == current.claims.sub && stored.expires_at > current.expires_at =>
        {
            Some(*stored)
        }
        _ => None,
    }
}

/// A renewal coordinated across tabs: under the renewal lock, adopt what another tab stored if it
/// is newer than `current`, else renew silently. A tab that had to wait behind another gives that
/// tab's result `FOLLOWER_WAIT_MS` to appear in its storage before renewing itself (the other tab
/// may have closed or failed mid-renewal).
pub async fn renew_coordinated(rt: std::rc::Rc<Runtime>, current: Session) -> Result<Renewed, AuthError> {
    let task = move |role: tabs::Role| -> futures::future::LocalBoxFuture<'static, Result<Renewed, AuthError>> {
        Box::pin(async move {
            if let Some(newer) = newer_stored(&current) {
                return Ok(Renewed::Adopted(newer));
            }
            if role == tabs::Role::Follower {
                let deadline = now_ms() + f64::from(FOLLOWER_WAIT_MS);
                while now_ms() < deadline {
                    gloo_timers::future::TimeoutFuture::new(50).await;
                    if let Some(newer) = newer_stored(&current) {
                        return Ok(Renewed::Adopted(newer));
                    }
                }
            }
            renew(&rt, &current).await.map(Renewed::Fresh)
        })
    };
    tabs::exclusive(tabs::RENEWAL_LOCK, Box::new(task)).await
}

/// Forgets the session here and, unless configured otherwise, ends it at the provider too.
pub fn logout(rt: &Runtime) -> Result<(), AuthError> {
    store::clear();
    if let Some(url) = flow::logout_url(&rt.config, &rt.discovery) {
        web_sys::window()
            .ok_or_else(|| AuthError::Browser("no window".into()))?
            .location()
            .assign(&url)
            .map_err(|e| AuthError::Browser(format!("navigation: {e:?}")))?;
    }
    Ok(())
}
