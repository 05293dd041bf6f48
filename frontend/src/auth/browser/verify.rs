//! A token answer becomes a session only here: the ID token's claims are checked (pure, in
//! `protocol::claims`), then its signature with WebCrypto against the issuer's keys. The same checks
//! for every way tokens arrive: the implicit fragment, a code exchange, a refresh. Nothing is
//! stored; committing is the store's job, under the lock.

use super::env::now_ms;
use super::keys;
use super::setup::AuthSetup;
use crate::auth::protocol::claims::{self, Expected};
use crate::auth::protocol::error::AuthError;
use crate::auth::protocol::jwt;
use crate::auth::protocol::response::Tokens;
use crate::auth::protocol::session::Session;
use crate::auth::protocol::token::TokenResponse;

/// What the ID token of an answer must show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Binding<'a> {
    /// The request's nonce; `None` for a refresh, which answers no authorization request.
    pub nonce: Option<&'a str>,
    /// For a renewal: the user, who must not change.
    pub subject: Option<&'a str>,
    /// Implicit flow: `at_hash` is required.
    pub at_hash_required: bool,
}

async fn verified(
    setup: &AuthSetup,
    access_token: String,
    id_token: String,
    expires_in: u64,
    binding: Binding<'_>,
) -> Result<Session, AuthError> {
    let id = jwt::decode(&id_token)?;
    let now = now_ms();
    let expected = Expected {
        issuer: &setup.config.issuer,
        client_id: &setup.config.client_id,
        nonce: binding.nonce,
        access_token: &access_token,
        at_hash_required: binding.at_hash_required,
        subject: binding.subject,
        now_secs: (now / 1000.0) as i64,
    };
    claims::check(&id, &expected)?;
    keys::verify(&setup.discovery.jwks_uri, &id).await?;
    Ok(Session::from_parts(access_token, id_token, now + expires_in as f64 * 1000.0)?)
}

/// The session the implicit flow's fragment grants.
pub async fn implicit_session(
    setup: &AuthSetup,
    tokens: Tokens,
    nonce: &str,
    subject: Option<&str>,
) -> Result<Session, AuthError> {
    let binding = Binding { nonce: Some(nonce), subject, at_hash_required: true };
    verified(setup, tokens.access_token, tokens.id_token, tokens.expires_in, binding).await
}

/// The session a token endpoint answer grants. A refresh may come without an ID token; then the
/// current session's (already verified) one is kept. The refresh token is the answer's, or, when
/// the provider does not rotate, `previous_refresh`.
pub async fn token_session(
    setup: &AuthSetup,
    answer: TokenResponse,
    binding: Binding<'_>,
    current: Option<&Session>,
    previous_refresh: Option<String>,
) -> Result<Session, AuthError> {
    let (refresh, bound) = (answer.refresh_token.or(previous_refresh), answer.bound);
    let session = match (answer.id_token, current) {
        (Some(id_token), _) => verified(setup, answer.access_token, id_token, answer.expires_in, binding).await?,
        (None, Some(current)) if binding.nonce.is_none() => {
            let expires_at = now_ms() + answer.expires_in as f64 * 1000.0;
            Session::from_parts(answer.access_token, current.id_token.clone(), expires_at)?
        }
        (None, _) => return Err(AuthError::MalformedResponse("no id_token in the token response")),
    };
    Ok(session.with_refresh_token(refresh).with_binding(bound))
}
