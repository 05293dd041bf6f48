//! One renewal, coordinated across tabs. Under the renewal lock: adopt what another tab stored if
//! it is newer than the session this tab has; else take the refresh token the rotation ledger
//! names (never one another tab already spent), and go down the paths `protocol::paths` orders,
//! the refresh token or the silent frame, falling back from one to the other by its rules. The
//! result is committed only if the generation the renewal started in is still current.
//!
//! A tab that had to wait behind another gives that tab's result `FOLLOWER_WAIT_MS` to reach its
//! storage before renewing itself (the other tab may have closed or failed mid-renewal).

use std::rc::Rc;

use super::dpop::{self, DpopKey};
use super::env::{mark, now_ms};
use super::frame;
use super::http;
use super::locks::{self, Held, Role};
use super::login::{new_request, session_from_grant};
use super::setup::AuthSetup;
use super::store;
use super::token_endpoint;
use super::verify::{token_session, Binding};
use crate::auth::protocol::authorize::{self, Mode};
use crate::auth::protocol::error::AuthError;
use crate::auth::protocol::paths::{self, Conclusion, Facts, FrameStatus, Path};
use crate::auth::protocol::session::{Session, Stored};
use crate::auth::protocol::token::is_invalid_grant;

/// How long a tab that waited behind another for the lock looks for that tab's result.
pub const FOLLOWER_WAIT_MS: u32 = 2_000;
/// How long the "is the provider there at all?" probe after a timeout may take.
const PROBE_MS: u32 = 2_000;

/// How a renewal ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// This tab renewed through `via`; the new session is committed.
    Renewed {
        /// The new session.
        session: Session,
        /// The path that renewed it.
        via: Path,
        /// What is now known about the silent frame.
        frame: FrameStatus,
    },
    /// Another tab had renewed while this one waited for the lock: its session.
    Adopted(Session),
    /// Every path says "log in again": the store began `generation`, empty.
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

/// Asks the provider through the hidden frame (for `current`'s user, or for whoever the provider
/// session belongs to when there is no session in this page yet), and verifies the answer.
pub async fn silent(setup: &AuthSetup, current: Option<&Session>, key: Option<&DpopKey>) -> Result<Session, AuthError> {
    let request = new_request(setup)?;
    let url = authorize::authorize_url(&setup.config, &setup.discovery, Mode::Silent, &request);
    let cfg = &setup.config;
    let answer =
        match frame::run(&url, &cfg.silent_origin, &cfg.silent_redirect_uri, &request.state, cfg.renewal_timeout_ms)
            .await
        {
            Err(timeout @ AuthError::Timeout { .. }) => return Err(diagnose(setup, timeout).await),
            other => other?,
        };
    mark("renewal:frame");
    let grant = answer.grant_from(&cfg.issuer)?;
    session_from_grant(setup, grant, &request, Mode::Silent, current, key).await
}

/// Spends the refresh token for new tokens, verified for `current`'s user.
async fn refresh(
    setup: &AuthSetup,
    current: &Session,
    refresh_token: &str,
    key: Option<&DpopKey>,
) -> Result<Session, AuthError> {
    let answer = token_endpoint::refresh(setup, refresh_token, key).await?;
    mark("renewal:token");
    let binding = Binding { nonce: None, subject: Some(&current.claims.sub), at_hash_required: false };
    token_session(setup, answer, binding, Some(current), Some(refresh_token.to_owned())).await
}

/// After a timeout, checks whether the provider answers at all, to report "unreachable" (down,
/// offline) rather than a frame problem. Both are transient: the scheduler retries with backoff.
async fn diagnose(setup: &AuthSetup, timeout: AuthError) -> AuthError {
    let url = setup.config.discovery_url();
    let probe = Box::pin(http::get_json::<serde::de::IgnoredAny>(&url, None));
    let limit = gloo_timers::future::TimeoutFuture::new(PROBE_MS);
    let outcome = futures::future::select(probe, limit).await;
    match outcome {
        futures::future::Either::Left((Ok(_), _)) => timeout,
        futures::future::Either::Left((Err(e), _)) => e.from_provider("discovery document"),
        futures::future::Either::Right(_) => AuthError::Unreachable(format!("no answer within {PROBE_MS} ms")),
    }
}

/// Goes down the paths in order until one renews or the rules say stop; commits what renewed.
async fn by_paths(setup: &AuthSetup, current: &Session, generation: u64, held: &Held) -> Outcome {
    let refresh_token = match store::refresh_token_in_sync(generation).await {
        Ok(rt) => rt,
        Err(error) => return Outcome::Failed(error),
    };
    // What another tab committed meanwhile arrived with its refresh token: nothing to do.
    if let Some(newer) = newer_stored(current, generation) {
        return Outcome::Adopted(newer);
    }
    let key = match dpop::when_bound(setup.dpop, held).await {
        Ok(key) => key,
        Err(error) => return Outcome::Failed(error),
    };
    mark("renewal:ready");
    let frame = store::frame_status(generation);
    let facts = Facts { flow: setup.config.flow, refresh_token: refresh_token.is_some(), frame };
    let mut failed: Vec<(Path, AuthError)> = Vec::new();
    for path in paths::paths(facts) {
        let attempt = match (path, refresh_token.as_deref()) {
            (Path::RefreshToken, Some(rt)) => refresh(setup, current, rt, key.as_ref()).await,
            (Path::RefreshToken, None) => continue,
            (Path::SilentFrame, _) => silent(setup, Some(current), key.as_ref()).await,
        };
        match attempt {
            Ok(session) => {
                mark("renewal:verified");
                let frame = paths::frame_after(frame, &failed, path);
                // The frame renews the access token; the refresh token stays, unless it was just refused.
                let refused = failed.iter().any(|(p, e)| *p == Path::RefreshToken && is_invalid_grant(e));
                let session = match (&session.refresh_token, refused) {
                    (None, false) => session.with_refresh_token(refresh_token.clone()),
                    _ => session,
                };
                return match store::commit_renewal(held, &session, generation, frame).await {
                    Ok(()) => {
                        mark("renewal:committed");
                        Outcome::Renewed { session, via: path, frame }
                    }
                    Err(AuthError::Superseded) => Outcome::Superseded,
                    Err(error) => Outcome::Failed(error),
                };
            }
            Err(error) => {
                let over = paths::path_is_over(path, &error);
                failed.push((path, error));
                if !over {
                    break;
                }
            }
        }
    }
    match paths::conclude(&failed) {
        Conclusion::Failed(error) => Outcome::Failed(error),
        Conclusion::Ended(error) => match store::end(held, generation) {
            Ok(Some(generation)) => Outcome::Ended { error, generation },
            Ok(None) => Outcome::Superseded,
            Err(storage) => Outcome::Failed(storage),
        },
    }
}

/// The renewal itself, run holding the lock.
async fn under_lock(setup: &AuthSetup, current: &Session, generation: u64, role: Role, held: &Held) -> Outcome {
    mark("renewal:locked");
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
    let outcome = by_paths(setup, current, generation, held).await;
    if outcome == Outcome::Superseded {
        store::remove_leftovers(); // what a logout elsewhere could not remove while this tab held the lock
    }
    outcome
}

/// Renews `current`, which belongs to `generation`, coordinated with every other tab.
pub async fn renew(setup: Rc<AuthSetup>, current: Session, generation: u64) -> Outcome {
    mark("renewal:start");
    let task: locks::Task<Outcome> = Box::new(move |role, held| {
        Box::pin(async move { under_lock(&setup, &current, generation, role, &held).await })
    });
    locks::exclusive(task).await.unwrap_or_else(|e| Outcome::Failed(e.into()))
}

/// Memory storage, a page with no session and no other tab to ask: the silent frame, once, for
/// the provider session this browser may still have. Committed as the current generation's session.
pub async fn restore(setup: Rc<AuthSetup>, generation: u64) -> Outcome {
    let task: locks::Task<Outcome> = Box::new(move |_, held| {
        Box::pin(async move {
            if store::generation() != generation {
                return Outcome::Superseded;
            }
            if let Stored::Session { session, .. } = store::read() {
                return Outcome::Adopted(*session);
            }
            if store::frame_status(generation) == FrameStatus::Blocked {
                return Outcome::Failed(paths::no_path());
            }
            let key = match dpop::when_bound(setup.dpop, &held).await {
                Ok(key) => key,
                Err(error) => return Outcome::Failed(error),
            };
            match silent(&setup, None, key.as_ref()).await {
                Ok(session) => match store::commit_renewal(&held, &session, generation, FrameStatus::Works).await {
                    Ok(()) => Outcome::Renewed { session, via: Path::SilentFrame, frame: FrameStatus::Works },
                    Err(AuthError::Superseded) => Outcome::Superseded,
                    Err(error) => Outcome::Failed(error),
                },
                Err(error) => Outcome::Failed(error),
            }
        })
    });
    locks::exclusive(task).await.unwrap_or_else(|e| Outcome::Failed(e.into()))
}
