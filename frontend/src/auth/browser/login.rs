//! Login: the redirect to the provider, and the completion at `/callback`. A login is committed
//! only if no login or logout happened since it was started (its generation), so a login finishing
//! in one tab just after Log Out in another cannot sign the user back in.

use super::env::{navigate, now_ms, random_token};
use super::locks;
use super::setup::AuthSetup;
use super::store::{self, Pending};
use super::verify::verified_session;
use crate::auth::protocol::authorize::{self, Mode};
use crate::auth::protocol::error::AuthError;
use crate::auth::protocol::response;
use crate::auth::protocol::session::Session;

/// Sends the browser to the provider's login page; `return_to` is where to land afterwards.
pub fn start(setup: &AuthSetup, return_to: &str) -> Result<(), AuthError> {
    let (state, nonce) = (random_token()?, random_token()?);
    let url = authorize::authorize_url(&setup.config, &setup.discovery, Mode::Login, &state, &nonce);
    store::push_pending(Pending {
        state,
        nonce,
        return_to: return_to.to_owned(),
        created_at: now_ms(),
        generation: store::generation(),
    })?;
    navigate(&url)
}

/// A completed login: the committed session, its generation, and where to go next.
#[derive(Debug, Clone, PartialEq)]
pub struct LoggedIn {
    /// The session now stored.
    pub session: Session,
    /// The generation the login began.
    pub generation: u64,
    /// The app path the user started from.
    pub return_to: String,
}

/// Completes a login from the `/callback` fragment (or query, for errors): checks the state is one
/// this tab sent and unused, verifies the tokens, and commits them under the renewal lock.
pub async fn complete(setup: &AuthSetup, redirect: &str) -> Result<LoggedIn, AuthError> {
    let response = response::parse_response(redirect)?;
    let pending = store::take_pending(&response.state, now_ms()).ok_or(AuthError::UnknownState)?;
    let session = verified_session(setup, response.result?, &pending.nonce, None).await?;
    let started_in = pending.generation;
    let commit = locks::exclusive(Box::new(move |_, held| {
        Box::pin(async move {
            let generation = store::commit_login(&held, &session, started_in)?;
            Ok(LoggedIn { session, generation, return_to: pending.return_to })
        })
    }));
    commit.await?
}
