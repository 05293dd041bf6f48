//! A token response becomes a session only here: the ID token's claims are checked (pure, in
//! `protocol::claims`), then its signature with WebCrypto against the issuer's keys. Nothing is
//! stored; committing is the store's job, under the lock.

use super::env::now_ms;
use super::keys;
use super::setup::AuthSetup;
use crate::auth::protocol::claims::{self, Expected};
use crate::auth::protocol::error::AuthError;
use crate::auth::protocol::jwt;
use crate::auth::protocol::response::Tokens;
use crate::auth::protocol::session::Session;

/// Verifies `tokens` answering a request sent with `nonce` (for a renewal, by the user `subject`)
/// and builds the session they grant.
pub async fn verified_session(
    setup: &AuthSetup,
    tokens: Tokens,
    nonce: &str,
    subject: Option<&str>,
) -> Result<Session, AuthError> {
    let id = jwt::decode(&tokens.id_token)?;
    let now = now_ms();
    let expected = Expected {
        issuer: &setup.config.issuer,
        client_id: &setup.config.client_id,
        nonce,
        access_token: &tokens.access_token,
        subject,
        now_secs: (now / 1000.0) as i64,
    };
    claims::check(&id, &expected)?;
    keys::verify(&setup.discovery.jwks_uri, &id).await?;
    Ok(Session::from_parts(tokens.access_token, tokens.id_token, now + tokens.expires_in as f64 * 1000.0)?)
}
