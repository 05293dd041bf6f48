//! One renewal, coordinated across tabs: under the renewal lock, adopt what another tab stored if
//! it is newer than the session this tab has, else ask the provider through the hidden frame,
//! verify the answer, and commit it, if the generation the renewal started in is still current.
//! A tab that had to wait behind another gives that tab's result `FOLLOWER_WAIT_MS` to reach its
//! storage before renewing itself (the other tab may have closed or failed mid-renewal).

use std::rc::Rc;

use super::env::{now_ms, random_token};
use super::frame;
use super::http;
use super::locks::{self, Held, Role};
use super::setup::AuthSetup;
use super::store;
use super::verify::verified_session;
use crate::auth::protocol::authorize::{self, Mode};
use crate::auth::protocol::error::AuthError;
use crate::auth::protocol::session::{Session, Stored};

/// How long a tab that waited behind another for the lock looks for that tab's result.
pub const FOLLOWER_WAIT_MS: u32 = 2_000;
/// How long the "is the provider there at all?" probe after a timeout may take.
const PROBE_MS: u32 = 2_000;

/// How a renewal ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// This tab called the provider; the new session is committed.
    Renewed(Session),
    /// Another tab had renewed while this one waited for the lock: its session.
    Adopted(Session),
    /// The provider ended the session (`login_required` …): the store began `generation`, empty.
    Ended {
        /// Why.
        error: AuthError,
        /// The new generation.
        generation: u64,
    },
    /// A logout or another login happened meanwhile: nothing was stored.
    Superseded,
    /// It failed; the stored session is untouched.
    Failed(AuthError),
}

/// A stored session of `generation` for the same user, newer than `current`, if another tab wrote one.
fn newer_stored(current: &Session, generation: u64) -> Option<Session> {
    match store::read() {
        Stored::Session { session, generation: g }
            if g == generation
                && session.claims.sub == current.claims.sub
                && session.expires_at > current.expires_at =>
        {
            Some(*session)
        }
        _ => None,
    }
}

/// Asks the provider for new tokens for `current`'s user through the hidden frame, and verifies them.
async fn silent(setup: &AuthSetup, current: &Session) -> Result<Session, AuthError> {
    let (state, nonce) = (random_token()?, random_token()?);
    let url = authorize::authorize_url(&setup.config, &setup.discovery, Mode::Silent, &state, &nonce);
    let cfg = &setup.config;
    let response =
        match frame::run(&url, &cfg.silent_origin, &cfg.silent_redirect_uri, &state, cfg.renewal_timeout_ms).await {
            Err(timeout @ AuthError::Timeout { .. }) => return Err(diagnose(setup, timeout).await),
            other => other?,
        };
    verified_session(setup, response.result?, &nonce, Some(&current.claims.sub)).await
}

/// After a timeout, checks whether the provider answers at all, to report "unreachable" (down,
/// offline) rather than a frame problem. Both are transient: the scheduler retries with backoff.
async fn diagnose(setup: &AuthSetup, timeout: AuthError) -> AuthError {
    let url = setup.config.discovery_url();
    let probe = Box::pin(http::get_json::<serde_json::Value>(&url, None));
    let limit = gloo_timers::future::TimeoutFuture::new(PROBE_MS);
    let outcome = futures::future::select(probe, limit).await;
    match outcome {
        futures::future::Either::Left((Ok(_), _)) => timeout,
        futures::future::Either::Left((Err(e), _)) => e.from_provider("discovery document"),
        futures::future::Either::Right(_) => AuthError::Unreachable(format!("no answer within {PROBE_MS} ms")),
    }
}

/// The renewal itself, run holding the lock.
async fn under_lock(setup: &AuthSetup, current: &Session, generation: u64, role: Role, held: &Held) -> Outcome {
    if store::generation() != generation {
        return Outcome::Superseded;
    }
    if let Some(newer) = newer_stored(current, generation) {
        return Outcome::Adopted(newer);
    }
    if role == Role::Follower {
        let deadline = now_ms() + f64::from(FOLLOWER_WAIT_MS);
        while now_ms() < deadline {
            gloo_timers::future::TimeoutFuture::new(50).await;
            if let Some(newer) = newer_stored(current, generation) {
                return Outcome::Adopted(newer);
            }
        }
    }
    let outcome = match silent(setup, current).await {
        Ok(session) => match store::commit_renewal(held, &session, generation) {
            Ok(()) => Outcome::Renewed(session),
            Err(AuthError::Superseded) => Outcome::Superseded,
            Err(error) => Outcome::Failed(error),
        },
        Err(error) if error.ends_session() => match store::end(held, generation) {
            Ok(Some(generation)) => Outcome::Ended { error, generation },
            Ok(None) => Outcome::Superseded,
            Err(storage) => Outcome::Failed(storage),
        },
        Err(error) => Outcome::Failed(error),
    };
    if outcome == Outcome::Superseded {
        store::remove_leftovers(); // what a logout elsewhere could not remove while this tab held the lock
    }
    outcome
}

/// Renews `current`, which belongs to `generation`, coordinated with every other tab.
pub async fn renew(setup: Rc<AuthSetup>, current: Session, generation: u64) -> Outcome {
    let task: locks::Task<Outcome> = Box::new(move |role, held| {
        Box::pin(async move { under_lock(&setup, &current, generation, role, &held).await })
    });
    locks::exclusive(task).await.unwrap_or_else(|e| Outcome::Failed(e.into()))
}
