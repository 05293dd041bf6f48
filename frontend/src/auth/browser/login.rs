//! Login: the redirect to the provider, and the completion at `/callback`. In the code flow the
//! request carries a PKCE S256 challenge and the callback exchanges the code with its verifier at
//! the token endpoint; in the implicit flow the tokens come in the fragment. State, code and
//! verifier are single-use. A login is committed only if no login or logout happened since it was
//! started (its generation), so a login finishing in one tab just after Log Out in another cannot
//! sign the user back in.

use std::rc::Rc;

use super::dpop::{self, DpopKey};
use super::env::{mark, navigate, now_ms, random_token};
use super::locks;
use super::setup::AuthSetup;
use super::store::{self, Pending};
use super::token_endpoint;
use super::verify::{implicit_session, token_session, Binding};
use crate::auth::protocol::authorize::{self, Mode, Request};
use crate::auth::protocol::config::Flow;
use crate::auth::protocol::error::AuthError;
use crate::auth::protocol::response::{self, Grant};
use crate::auth::protocol::session::Session;

/// A fresh request for `setup`'s flow: state, nonce, and in the code flow a PKCE verifier (32
/// random bytes, base64url: 43 characters, RFC 7636 §4.1).
pub fn new_request(setup: &AuthSetup) -> Result<Request, AuthError> {
    let verifier = match setup.config.flow {
        Flow::Code => Some(random_token()?),
        Flow::Implicit => None,
    };
    Ok(Request { state: random_token()?, nonce: random_token()?, verifier })
}

/// Sends the browser to the provider's login page; `return_to` is where to land afterwards.
pub fn start(setup: &AuthSetup, return_to: &str) -> Result<(), AuthError> {
    let request = new_request(setup)?;
    let url = authorize::authorize_url(&setup.config, &setup.discovery, Mode::Login, &request);
    store::push_pending(Pending {
        state: request.state,
        nonce: request.nonce,
        verifier: request.verifier,
        return_to: return_to.to_owned(),
        created_at: now_ms(),
        generation: store::generation(),
    })?;
    navigate(&url)
}

/// Verifies what a redirect granted, exchanging a code first (with a proof of `key` when tokens
/// are bound), into a session (nothing stored).
pub async fn session_from_grant(
    setup: &AuthSetup,
    grant: Grant,
    request: &Request,
    mode: Mode,
    current: Option<&Session>,
    key: Option<&DpopKey>,
) -> Result<Session, AuthError> {
    let subject = current.map(|s| s.claims.sub.as_str());
    match (setup.config.flow, grant, request.verifier.as_deref()) {
        (Flow::Implicit, Grant::Tokens(tokens), _) => implicit_session(setup, tokens, &request.nonce, subject).await,
        (Flow::Code, Grant::Code(code), Some(verifier)) => {
            let redirect_uri = authorize::redirect_uri(&setup.config, mode);
            let answer = token_endpoint::exchange_code(setup, &code, verifier, redirect_uri, key).await?;
            mark("renewal:token");
            let binding = Binding { nonce: Some(&request.nonce), subject, at_hash_required: false };
            token_session(setup, answer, binding, current, None).await
        }
        _ => Err(AuthError::MalformedResponse("the answer does not match the configured flow")),
    }
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

/// Completes a login from the `/callback` URL's fragment and query: checks the state is one this
/// tab sent and unused, then, under the lock, takes the origin's DPoP key (made now if there is
/// none, so every tab shares one), turns the grant into a verified session, and commits it.
pub async fn complete(setup: Rc<AuthSetup>, hash: &str, search: &str) -> Result<LoggedIn, AuthError> {
    let answer = response::parse_redirect(hash, search)?;
    let pending = store::take_pending(&answer.state, now_ms()).ok_or(AuthError::UnknownState)?;
    let grant = answer.grant_from(&setup.config.issuer)?;
    let request = Request { state: pending.state, nonce: pending.nonce, verifier: pending.verifier };
    let started_in = pending.generation;
    let return_to = pending.return_to;
    let commit: locks::Task<Result<LoggedIn, AuthError>> = Box::new(move |_, held| {
        Box::pin(async move {
            let key = dpop::when_bound(setup.dpop, &held).await?;
            let session = session_from_grant(&setup, grant, &request, Mode::Login, None, key.as_ref()).await?;
            let generation = store::commit_login(&held, &session, started_in).await?;
            Ok(LoggedIn { session, generation, return_to })
        })
    });
    locks::exclusive(commit).await?
}
