//! A signed-in session: the tutorial's three values plus the verified ID-token claims.

use super::error::TokenError;
use super::jwt::{self, IdClaims};
use super::schedule::Lifetime;

/// Tokens in use and what they say.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    /// Bearer token for the API.
    pub access_token: String,
    /// The verified ID token.
    pub id_token: String,
    /// Access-token expiry, epoch milliseconds (the tutorial's `expires_at`).
    pub expires_at: f64,
    /// Claims of the ID token.
    pub claims: IdClaims,
}

impl Session {
    /// Rebuilds a session from stored values (they were verified before being stored).
    pub fn from_parts(access_token: String, id_token: String, expires_at: f64) -> Result<Self, TokenError> {
        if !expires_at.is_finite() || expires_at <= 0.0 {
            return Err(TokenError::Malformed("expires_at is not a time".into()));
        }
        let claims = jwt::decode(&id_token)?.claims;
        Ok(Self { access_token, id_token, expires_at, claims })
    }

    /// Issue and expiry times for scheduling (issue time from `iat`, never after expiry).
    pub fn lifetime(&self) -> Lifetime {
        let issued_at = (self.claims.iat as f64 * 1000.0).min(self.expires_at);
        Lifetime { issued_at, expires_at: self.expires_at }
    }

    /// Whether the access token has expired at `now` (epoch ms).
    pub fn is_expired(&self, now: f64) -> bool {
        now >= self.expires_at
    }

    /// What to call the user.
    pub fn display_name(&self) -> &str {
        self.claims.name.as_deref().or(self.claims.email.as_deref()).unwrap_or(&self.claims.sub)
    }
}
