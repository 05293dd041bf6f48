//! A signed-in session: the tutorial's three values plus the verified ID-token claims, and the
//! *seal* that lets any tab tell, from storage alone, whether the values it reads are one whole
//! session of the current generation. Pure: the browser store writes what this computes.
//!
//! A **generation** numbers the sessions of an origin: every login and every logout starts a new
//! one. A renewal result belongs to the generation it started in, and is committed only if that is
//! still the current one, so nothing that was in flight at Log Out can bring the session back.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use sha2::{Digest, Sha256};

use super::error::TokenError;
use super::jwt::{self, IdClaims};
use super::schedule::Lifetime;

/// Tokens in use and what they say.
#[derive(Clone, PartialEq)]
pub struct Session {
    /// Bearer token for the API.
    pub access_token: String,
    /// The verified ID token.
    pub id_token: String,
    /// Access-token expiry, whole epoch milliseconds (the tutorial's `expires_at`).
    pub expires_at: f64,
    /// The rotating refresh token, when the provider granted one (code flow).
    pub refresh_token: Option<String>,
    /// The tokens are bound to the browser's DPoP key (`token_type: DPoP`): every use needs a proof.
    pub bound: bool,
    /// Claims of the ID token.
    pub claims: IdClaims,
}

/// Never prints a token: a `{:?}` in a log or a panic message shows who and until when, not what.
impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("sub", &self.claims.sub)
            .field("expires_at", &self.expires_at)
            .field("refresh_token", &self.refresh_token.as_ref().map(|_| "…"))
            .field("bound", &self.bound)
            .finish_non_exhaustive()
    }
}

impl Session {
    /// A session from its parts; the ID token is decoded (it was verified before it was stored).
    /// The expiry is rounded to whole milliseconds, exactly as it is stored.
    pub fn from_parts(access_token: String, id_token: String, expires_at: f64) -> Result<Self, TokenError> {
        if !expires_at.is_finite() || expires_at <= 0.0 {
            return Err(TokenError::Malformed("expires_at is not a time"));
        }
        let claims = jwt::decode(&id_token)?.claims;
        Ok(Self { access_token, id_token, expires_at: expires_at.round(), refresh_token: None, bound: false, claims })
    }

    /// The same session holding `refresh_token`.
    pub fn with_refresh_token(self, refresh_token: Option<String>) -> Self {
        Self { refresh_token, ..self }
    }

    /// The same session, its tokens bound to the DPoP key or not.
    pub fn with_binding(self, bound: bool) -> Self {
        Self { bound, ..self }
    }

    /// `token_type` as stored: `DPoP` for bound tokens, absent for bearer ones (the tutorial's).
    pub fn token_type(&self) -> Option<&'static str> {
        self.bound.then_some(DPOP)
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

    /// Whether this session was issued by `issuer` to `client_id` for a real user: a stored session
    /// is rechecked on load, so one left by another configuration (or planted) is not shown.
    pub fn belongs_to(&self, issuer: &str, client_id: &str) -> bool {
        self.claims.iss == issuer && self.claims.aud.contains(client_id) && !self.claims.sub.is_empty()
    }

    /// What to call the user.
    pub fn display_name(&self) -> &str {
        self.claims.name.as_deref().or(self.claims.email.as_deref()).unwrap_or(&self.claims.sub)
    }

    /// `expires_at` as stored: whole milliseconds, no exponent (the tutorial's `JSON.stringify`).
    pub fn expires_at_text(&self) -> String {
        (self.expires_at as u64).to_string()
    }

    /// The seal stored after the tokens: `<generation>:<fingerprint of the stored values>`.
    pub fn seal(&self, generation: u64) -> String {
        let refresh = self.refresh_token.as_deref().unwrap_or_default();
        let parts = [
            self.access_token.as_str(),
            &self.id_token,
            &self.expires_at_text(),
            refresh,
            self.token_type().unwrap_or_default(),
        ];
        format!("{generation}:{}", fingerprint(&parts))
    }
}

/// The stored `token_type` of bound tokens.
pub const DPOP: &str = "DPoP";

/// A short SHA-256 digest of stored values, so a reader can tell a whole session from keys of two
/// different sessions (another tab halfway through writing), or name a refresh token without
/// storing it.
pub fn fingerprint(parts: &[&str]) -> String {
    let mut hash = Sha256::new();
    for part in parts {
        hash.update(part.as_bytes());
        hash.update(b"\n");
    }
    URL_SAFE_NO_PAD.encode(&hash.finalize()[..12])
}

/// What a tab reading the stored values concludes.
#[derive(Debug, Clone, PartialEq)]
pub enum Stored {
    /// A whole session of the current generation.
    Session {
        /// The session.
        session: Box<Session>,
        /// Its generation (the current one).
        generation: u64,
    },
    /// No session in the current generation (logged out, or only leftovers of an older one).
    Absent {
        /// The current generation.
        generation: u64,
    },
    /// Values of two sessions, or of a generation not yet current: another tab is writing. Wait.
    Changing {
        /// The current generation.
        generation: u64,
    },
}

/// The raw values under the session's storage keys, as read (absent keys are `None`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawStored {
    /// `access_token`.
    pub access_token: Option<String>,
    /// `id_token`.
    pub id_token: Option<String>,
    /// `expires_at`.
    pub expires_at: Option<String>,
    /// `refresh_token`.
    pub refresh_token: Option<String>,
    /// `token_type` (`DPoP`, or absent).
    pub token_type: Option<String>,
    /// The current generation (absent: 0, an origin that never logged in or out with this app).
    pub generation: Option<String>,
    /// The seal of the stored session.
    pub seal: Option<String>,
}

/// A stored value as written by the tutorial (plain) or by a build that JSON-quoted it.
fn unquote(value: &str) -> &str {
    value.strip_prefix('"').and_then(|v| v.strip_suffix('"')).unwrap_or(value)
}

impl RawStored {
    /// Reads the values as one session, or says why they are not one.
    pub fn interpret(&self) -> Stored {
        let generation = self.generation.as_deref().and_then(|g| g.parse::<u64>().ok()).unwrap_or(0);
        let Some(access) = self.access_token.as_deref().map(unquote) else { return Stored::Absent { generation } };
        let (Some(id), Some(expires)) = (self.id_token.as_deref().map(unquote), self.expires_at.as_deref()) else {
            return Stored::Changing { generation };
        };
        // Whole milliseconds, as written (`expires_at_text`).
        let Ok(session) = expires
            .parse::<u64>()
            .map_err(|_| ())
            .and_then(|at| Session::from_parts(access.into(), id.into(), at as f64).map_err(|_| ()))
        else {
            return Stored::Changing { generation };
        };
        let refresh = self.refresh_token.as_deref().map(unquote);
        let token_type = self.token_type.as_deref().unwrap_or_default();
        let session = session.with_refresh_token(refresh.map(str::to_owned)).with_binding(token_type == DPOP);
        let sealed =
            self.seal.as_deref().map(|s| s.split_once(':').and_then(|(g, p)| Some((g.parse::<u64>().ok()?, p))));
        match sealed {
            // Not a seal this app writes: nothing a tab can read as a session.
            Some(None) => Stored::Absent { generation },
            Some(Some((sealed, print))) => {
                if sealed < generation {
                    return Stored::Absent { generation }; // leftovers from before a logout
                }
                if sealed > generation
                    || print != fingerprint(&[access, id, expires, refresh.unwrap_or_default(), token_type])
                {
                    return Stored::Changing { generation };
                }
                Stored::Session { session: Box::new(session), generation }
            }
            // No seal: a session the tutorial's app wrote (it never sealed), read if its ID token
            // binds its access token and no login or logout of this app came after it.
            None if generation == 0
                && session.claims.at_hash.as_deref() == Some(super::claims::at_hash(access).as_str()) =>
            {
                Stored::Session { session: Box::new(session), generation }
            }
            None if generation == 0 => Stored::Changing { generation },
            None => Stored::Absent { generation },
        }
    }
}

/// What `memory` storage writes as its seal after the generation (`<generation>:memory`): a
/// session exists in some tab, and no token is stored.
pub const MEMORY_SEAL: &str = "memory";

/// What another configuration of the app left in storage that this one never reads, so would
/// never remove: a deployment that switches to `memory` storage for safety must not leave a live
/// refresh token in localStorage for its whole lifetime.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LeftBehind {
    /// Under `memory` storage: the tokens and seal `local` storage wrote. All go.
    pub local_session: bool,
    /// Under `local` storage: `memory` storage's seal. It goes.
    pub memory_seal: bool,
    /// A refresh token this configuration will never present (memory storage, or refresh tokens
    /// turned off): revoked at the provider, and removed.
    pub refresh_token: Option<String>,
}

impl LeftBehind {
    /// Whether there is anything to do.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

impl RawStored {
    /// What of these values a configuration with `memory` storage (or not) and refresh tokens
    /// (or not) leaves unread.
    pub fn left_behind(&self, memory: bool, refresh_tokens: bool) -> LeftBehind {
        let memory_sealed = self.seal.as_deref().and_then(|s| s.split_once(':')).is_some_and(|(_, p)| p == MEMORY_SEAL);
        let refresh_token = self.refresh_token.as_deref().map(unquote).filter(|t| !t.is_empty()).map(str::to_owned);
        if memory {
            let tokens = [&self.access_token, &self.id_token, &self.expires_at, &self.refresh_token, &self.token_type];
            let local_session = tokens.iter().any(|v| v.is_some()) || (self.seal.is_some() && !memory_sealed);
            LeftBehind { local_session, memory_seal: false, refresh_token }
        } else {
            LeftBehind {
                local_session: false,
                memory_seal: memory_sealed,
                refresh_token: refresh_token.filter(|_| !refresh_tokens),
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::auth::protocol::claims::at_hash;
    use crate::auth::protocol::jwt::tests::b64;
    use serde_json::json;

    /// An (unsigned) ID token for `sub` binding `access` through `at_hash`.
    pub(crate) fn id_token(sub: &str, access: &str, iat: i64) -> String {
        let claims = json!({"iss": "http://localhost:4000", "sub": sub, "aud": "dev-spa-client", "exp": iat + 36_000,
            "iat": iat, "nonce": "n", "at_hash": at_hash(access), "name": "Alice"});
        format!("{}.{}.c2ln", b64(&json!({"alg": "RS256", "kid": "k"})), b64(&claims))
    }

    /// A session for `sub` whose access token is `access`, expiring at `expires_at`.
    pub(crate) fn session(sub: &str, access: &str, expires_at: f64) -> Session {
        let iat = (expires_at / 1000.0) as i64 - 60;
        Session::from_parts(access.into(), id_token(sub, access, iat), expires_at).expect("session")
    }

    fn raw(s: &Session, generation: Option<u64>, seal: Option<String>) -> RawStored {
        RawStored {
            access_token: Some(s.access_token.clone()),
            id_token: Some(s.id_token.clone()),
            expires_at: Some(s.expires_at_text()),
            refresh_token: s.refresh_token.clone(),
            token_type: s.token_type().map(str::to_owned),
            generation: generation.map(|g| g.to_string()),
            seal,
        }
    }

    #[test]
    fn a_sealed_session_of_the_current_generation_is_read() {
        let s = session("alice", "at-1", 1_800_000_000_000.4);
        assert_eq!(s.expires_at, 1_800_000_000_000.0, "whole milliseconds, as stored");
        let read = raw(&s, Some(3), Some(s.seal(3))).interpret();
        assert_eq!(read, Stored::Session { session: Box::new(s), generation: 3 });
    }

    #[test]
    fn what_is_not_one_whole_current_session_is_not_read_as_one() {
        let s = session("alice", "at-1", 1_800_000_000_000.0);
        let other = session("alice", "at-2", 1_800_000_060_000.0);
        // Leftovers of generation 2 after a logout started generation 3.
        assert_eq!(raw(&s, Some(3), Some(s.seal(2))).interpret(), Stored::Absent { generation: 3 });
        // A login writing generation 4 before making it current.
        assert_eq!(raw(&s, Some(3), Some(s.seal(4))).interpret(), Stored::Changing { generation: 3 });
        // Keys of two sessions: the new access token, the old seal.
        let mut mixed = raw(&s, Some(3), Some(s.seal(3)));
        mixed.access_token = Some(other.access_token.clone());
        assert_eq!(mixed.interpret(), Stored::Changing { generation: 3 });
        // A rotated refresh token next to the old seal.
        let rotating = s.clone().with_refresh_token(Some("rt-1".into()));
        let mut half_rotated = raw(&rotating, Some(3), Some(rotating.seal(3)));
        assert!(
            matches!(half_rotated.interpret(), Stored::Session { session, .. } if session.refresh_token.as_deref() == Some("rt-1"))
        );
        half_rotated.refresh_token = Some("rt-2".into());
        assert_eq!(half_rotated.interpret(), Stored::Changing { generation: 3 });
        // A bound session reads back bound; its token type is sealed too.
        let bound = s.clone().with_binding(true);
        let mut read = raw(&bound, Some(3), Some(bound.seal(3)));
        assert!(matches!(read.interpret(), Stored::Session { session, .. } if session.bound));
        read.token_type = None;
        assert_eq!(read.interpret(), Stored::Changing { generation: 3 }, "a bound token passed off as bearer");
        // Half written, or unreadable.
        let mut half = raw(&s, Some(3), Some(s.seal(3)));
        half.id_token = None;
        assert_eq!(half.interpret(), Stored::Changing { generation: 3 });
        let mut garbage = raw(&s, Some(3), Some(s.seal(3)));
        garbage.expires_at = Some("soon".into());
        assert_eq!(garbage.interpret(), Stored::Changing { generation: 3 });
        assert_eq!(RawStored::default().interpret(), Stored::Absent { generation: 0 });
        let mut bad_seal = raw(&s, Some(3), Some("x:y".into()));
        assert_eq!(bad_seal.interpret(), Stored::Absent { generation: 3 });
        bad_seal.seal = Some("3".into());
        assert_eq!(bad_seal.interpret(), Stored::Absent { generation: 3 });
    }

    #[test]
    fn a_stored_session_must_belong_to_the_configured_issuer_and_client() {
        let s = session("alice", "at-1", 1_800_000_000_000.0);
        assert!(s.belongs_to("http://localhost:4000", "dev-spa-client"));
        assert!(!s.belongs_to("http://evil.example", "dev-spa-client"), "another issuer");
        assert!(!s.belongs_to("http://localhost:4000", "another-client"), "another client");
        let nobody = session("", "at-1", 1_800_000_000_000.0);
        assert!(!nobody.belongs_to("http://localhost:4000", "dev-spa-client"), "no subject");
    }

    #[test]
    fn debug_output_never_shows_a_token() {
        let s =
            session("alice", "secret-access", 1_800_000_000_000.0).with_refresh_token(Some("secret-refresh".into()));
        let shown = format!("{s:?}");
        assert!(!shown.contains("secret") && !shown.contains(&s.id_token), "{shown}");
        assert!(shown.contains("alice"));
    }

    #[test]
    fn the_tutorials_unsealed_session_is_read_until_this_app_logs_in_or_out() {
        let s = session("alice", "at-1", 1_800_000_000_000.0);
        assert_eq!(raw(&s, None, None).interpret(), Stored::Session { session: Box::new(s.clone()), generation: 0 });
        let mut quoted = raw(&s, None, None);
        quoted.access_token = Some(format!("\"{}\"", s.access_token));
        quoted.id_token = Some(format!("\"{}\"", s.id_token));
        assert!(matches!(quoted.interpret(), Stored::Session { .. }), "a JSON-quoted copy reads the same");
        let mut unbound = raw(&s, None, None);
        unbound.access_token = Some("someone-else's".into());
        assert_eq!(unbound.interpret(), Stored::Changing { generation: 0 });
        assert_eq!(raw(&s, Some(1), None).interpret(), Stored::Absent { generation: 1 });
    }

    /// Each storage mode, and refresh tokens on or off, against what the other configurations
    /// wrote.
    #[test]
    fn what_another_configuration_left_is_found() {
        let local = RawStored {
            access_token: Some("at".into()),
            id_token: Some("it".into()),
            expires_at: Some("1".into()),
            refresh_token: Some("rt".into()),
            token_type: Some("DPoP".into()),
            generation: Some("3".into()),
            seal: Some("3:abc".into()),
        };
        let memory = RawStored { generation: Some("3".into()), seal: Some("3:memory".into()), ..RawStored::default() };
        let rt = Some("rt".to_owned());
        let cases = [
            // (values, memory storage, refresh tokens, left behind)
            (&local, true, true, LeftBehind { local_session: true, memory_seal: false, refresh_token: rt.clone() }),
            (&local, true, false, LeftBehind { local_session: true, memory_seal: false, refresh_token: rt.clone() }),
            (&local, false, true, LeftBehind::default()),
            (&local, false, false, LeftBehind { refresh_token: rt.clone(), ..LeftBehind::default() }),
            (&memory, true, true, LeftBehind::default()),
            (&memory, false, true, LeftBehind { memory_seal: true, ..LeftBehind::default() }),
            (&RawStored::default(), true, true, LeftBehind::default()),
            (&RawStored::default(), false, false, LeftBehind::default()),
        ];
        for (i, (values, memory, refresh, expected)) in cases.into_iter().enumerate() {
            assert_eq!(values.left_behind(memory, refresh), expected, "case {i}");
        }
        let seal_only = RawStored { seal: Some("2:abc".into()), ..RawStored::default() };
        assert!(seal_only.left_behind(true, true).local_session, "a local seal without tokens still goes");
        let quoted = RawStored { refresh_token: Some("\"rt\"".into()), ..RawStored::default() };
        assert_eq!(quoted.left_behind(true, true).refresh_token, rt, "revoked as the provider issued it");
    }
}
