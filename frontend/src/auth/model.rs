//! The auth state machine as a pure reducer: `AuthModel::reduce(action)` is a function of the model
//! and the action alone. Time (`at`) and randomness (`jitter`) arrive inside the actions, and no
//! browser API is touched, so every transition is table-tested natively.
//!
//! The model mirrors what the session store committed; it never decides to keep a session the store
//! did not commit. Its **generation** is the store's: every action born of a renewal carries the
//! generation it started in, and an action of another generation changes nothing. That is how a
//! renewal answered after Log Out, or a session another tab wrote before logging out, stays out.

use super::protocol::error::AuthError;
use super::protocol::paths::{FrameStatus, Path};
use super::protocol::schedule::{self, Failures, Plan};
use super::protocol::session::{Session, Stored};

/// Where the session is.
#[derive(Debug, Clone, PartialEq)]
pub enum AuthState {
    /// No session.
    Anonymous,
    /// Signed in.
    Authenticated(Session),
    /// Signed in, a silent renewal under way in this tab.
    Renewing(Session),
    /// The provider says the user must sign in again (`login_required` …).
    Ended(AuthError),
    /// Login failed (bad callback, rejected token): shown, nothing stored.
    Failed(AuthError),
    /// Memory storage after a reload: asking the other tabs, then the provider, for the session.
    Restoring,
    /// Memory storage after a reload: the session could not be had back (the provider unreachable…).
    NotRestored(AuthError),
}

/// What asked for a renewal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// The scheduler, before expiry.
    Scheduled,
    /// The person (Renew Token, Retry).
    Manual,
    /// An API call answered 401.
    Api,
    /// Another tab renewed or logged in; this tab adopted its session.
    OtherTab,
}

impl Trigger {
    /// How the status line names it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Scheduled => "automatic",
            Self::Manual => "manual",
            Self::Api => "after an API 401",
            Self::OtherTab => "from another tab",
        }
    }
}

/// The result of the last renewal, for the status display.
#[derive(Debug, Clone, PartialEq)]
pub struct RenewalRecord {
    /// When it finished (epoch ms).
    pub at: f64,
    /// Who asked.
    pub trigger: Trigger,
    /// The path that renewed (`None`: another tab's session, adopted).
    pub via: Option<Path>,
    /// The new expiry, or why it failed.
    pub outcome: Result<f64, AuthError>,
}

/// One access token's life, for the timeline: issued, replaced (renewed), expiry.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LifetimeRecord {
    /// Issue time (epoch ms).
    pub issued_at: f64,
    /// Expiry (epoch ms).
    pub expires_at: f64,
    /// When a newer token replaced it, if one did.
    pub replaced_at: Option<f64>,
}

/// How many lifetimes the timeline keeps.
pub const HISTORY: usize = 6;

/// The model: the state, the store's generation, and the renewal history the scheduler plans from.
#[derive(Debug, Clone, PartialEq)]
pub struct AuthModel {
    /// Current state.
    pub state: AuthState,
    /// The session store's generation this model mirrors.
    pub generation: u64,
    /// Last renewal attempt.
    pub last_renewal: Option<RenewalRecord>,
    /// Consecutive failures (backoff input; also the attempt count shown).
    pub failures: Failures,
    /// Successful renewals by this tab in this page's life.
    pub renewals: u32,
    /// Recent token lifetimes, oldest first, at most [`HISTORY`].
    pub history: Vec<LifetimeRecord>,
    /// What this session learned about the silent frame.
    pub frame: FrameStatus,
}

/// What can happen.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// This tab completed a login; the store committed it as `generation`.
    LoggedIn {
        /// The new session.
        session: Session,
        /// The generation the login began.
        generation: u64,
    },
    /// A login response was refused; nothing was stored.
    LoginFailed(AuthError),
    /// This tab started renewing the current session.
    RenewStarted,
    /// This tab's renewal ended with a committed session.
    Renewed {
        /// The session now stored.
        session: Session,
        /// The generation the renewal ran in.
        generation: u64,
        /// Who asked.
        trigger: Trigger,
        /// The path that renewed; `None` when another tab had renewed first and this tab took its
        /// session under the lock.
        via: Option<Path>,
        /// What is known of the silent frame now.
        frame: FrameStatus,
        /// When (epoch ms).
        at: f64,
    },
    /// This tab's renewal failed; the stored session is untouched.
    RenewFailed {
        /// Why.
        error: AuthError,
        /// The generation the renewal ran in.
        generation: u64,
        /// Who asked.
        trigger: Trigger,
        /// When (epoch ms).
        at: f64,
        /// Uniform random in [0, 1) for backoff jitter, drawn once per failure.
        jitter: f64,
    },
    /// The provider ended the session during this tab's renewal; the store began `generation`, empty.
    Ended {
        /// Why (`login_required` …).
        error: AuthError,
        /// The new, empty generation.
        generation: u64,
        /// Who asked.
        trigger: Trigger,
        /// When (epoch ms).
        at: f64,
    },
    /// This tab's renewal result was dropped: its generation was over by the time it came.
    RenewDropped {
        /// The generation the renewal ran in.
        generation: u64,
    },
    /// Another tab committed a session (a renewal, or a login of a new generation).
    Adopted {
        /// The stored session.
        session: Session,
        /// Its generation.
        generation: u64,
        /// What that session knows of the silent frame.
        frame: FrameStatus,
        /// When this tab saw it (epoch ms).
        at: f64,
    },
    /// Memory storage after a reload: the page asks the other tabs and the provider.
    RestoreStarted,
    /// No tab and no provider session gave a session back; `error` says why when it is worth saying.
    RestoreFailed(Option<AuthError>),
    /// This tab logged out; the store began `generation`, empty.
    LoggedOut {
        /// The new generation.
        generation: u64,
    },
    /// The stored session is gone (another tab logged out or the session ended there).
    RemoteLoggedOut {
        /// The store's generation now.
        generation: u64,
    },
}

fn lifetime_of(session: &Session) -> LifetimeRecord {
    let l = session.lifetime();
    LifetimeRecord { issued_at: l.issued_at, expires_at: l.expires_at, replaced_at: None }
}

impl AuthModel {
    /// The model of a fresh page, from what the store holds and what the session learned about the
    /// silent frame. A stored session is rechecked against the configuration (`issuer`,
    /// `client_id`): one that does not belong is not shown as signed in but as
    /// `Failed(ForeignSession)`, and the caller ends it in the store.
    pub fn restored(stored: Stored, frame: FrameStatus, issuer: &str, client_id: &str) -> Self {
        match stored {
            Stored::Session { session, generation } if !session.belongs_to(issuer, client_id) => {
                Self { state: AuthState::Failed(AuthError::ForeignSession), ..Self::anonymous(generation) }
            }
            Stored::Session { session, generation } => Self { frame, ..Self::signed_in(*session, generation) },
            Stored::Absent { generation } | Stored::Changing { generation } => Self::anonymous(generation),
        }
    }

    fn anonymous(generation: u64) -> Self {
        Self {
            state: AuthState::Anonymous,
            generation,
            last_renewal: None,
            failures: Failures::default(),
            renewals: 0,
            history: Vec::new(),
            frame: FrameStatus::Unknown,
        }
    }

    fn signed_in(session: Session, generation: u64) -> Self {
        let history = vec![lifetime_of(&session)];
        Self { state: AuthState::Authenticated(session), history, ..Self::anonymous(generation) }
    }

    /// The session in use, renewing or not.
    pub fn session(&self) -> Option<&Session> {
        match &self.state {
            AuthState::Authenticated(s) | AuthState::Renewing(s) => Some(s),
            _ => None,
        }
    }

    /// A renewal is running in this tab.
    pub fn is_renewing(&self) -> bool {
        matches!(self.state, AuthState::Renewing(_))
    }

    /// The scheduler's decision at `now` (`None` when there is no session).
    pub fn plan(&self, now: f64) -> Option<Plan> {
        self.session().map(|s| schedule::plan(now, s.lifetime(), self.failures))
    }

    /// Makes `session` current at `at`: closes the previous lifetime, bounds the history, clears
    /// the failures, and keeps "renewing" if this tab's renewal is still running.
    fn install(&mut self, session: Session, at: f64) {
        if let Some(last) = self.history.last_mut() {
            last.replaced_at.get_or_insert(at);
        }
        self.history.push(lifetime_of(&session));
        let excess = self.history.len().saturating_sub(HISTORY);
        self.history.drain(..excess);
        self.failures = Failures::default();
        self.state = if self.is_renewing() { AuthState::Renewing(session) } else { AuthState::Authenticated(session) };
    }

    /// The same session, no longer marked as renewing.
    fn settle(&mut self) {
        if let AuthState::Renewing(s) = &self.state {
            self.state = AuthState::Authenticated(s.clone());
        }
    }

    /// The model after `action`, or `None` when the action changes nothing.
    pub fn reduce(&self, action: Action) -> Option<Self> {
        let mut next = self.clone();
        match action {
            Action::LoggedIn { session, generation } => {
                if generation < self.generation {
                    return None;
                }
                next = Self::signed_in(session, generation);
            }
            Action::LoginFailed(error) => {
                // A bad callback never replaces a session that is still good.
                if self.session().is_some() {
                    return None;
                }
                next.state = AuthState::Failed(error);
            }
            Action::RenewStarted => match &self.state {
                AuthState::Authenticated(s) => next.state = AuthState::Renewing(s.clone()),
                _ => return None,
            },
            Action::Renewed { session, generation, trigger, via, frame, at } => {
                let current = self.session().filter(|_| generation == self.generation)?;
                next.settle();
                if session.claims.sub != current.claims.sub {
                    return Some(next); // never another user's session through a renewal
                }
                let trigger = if via.is_none() { Trigger::OtherTab } else { trigger };
                next.last_renewal = Some(RenewalRecord { at, trigger, via, outcome: Ok(session.expires_at) });
                if via.is_some() {
                    next.frame = frame;
                }
                next.failures = Failures::default();
                if session.access_token != current.access_token && session.expires_at >= current.expires_at {
                    next.renewals += 1;
                    next.install(session, at);
                }
            }
            Action::RenewFailed { error, generation, trigger, at, jitter } => {
                self.session().filter(|_| generation == self.generation)?;
                next.settle();
                let transient = error.is_transient();
                next.last_renewal = Some(RenewalRecord { at, trigger, via: None, outcome: Err(error) });
                next.failures =
                    Failures { count: self.failures.count.saturating_add(1), last_at: at, jitter, transient };
            }
            Action::Ended { error, generation, trigger, at } => {
                if generation <= self.generation {
                    return None;
                }
                next = Self::anonymous(generation);
                next.last_renewal = Some(RenewalRecord { at, trigger, via: None, outcome: Err(error.clone()) });
                next.state = AuthState::Ended(error);
            }
            Action::RenewDropped { generation } => {
                if generation != self.generation || !self.is_renewing() {
                    return None;
                }
                next.settle();
            }
            Action::Adopted { session, generation, frame, at } => {
                if generation < self.generation {
                    return None; // written before a logout this tab has seen
                }
                match self.session() {
                    Some(current) if generation == self.generation => {
                        let newer = session.claims.sub == current.claims.sub
                            && session.access_token != current.access_token
                            && session.expires_at >= current.expires_at;
                        if !newer {
                            return None;
                        }
                        next.last_renewal = Some(RenewalRecord {
                            at,
                            trigger: Trigger::OtherTab,
                            via: None,
                            outcome: Ok(session.expires_at),
                        });
                        next.install(session, at);
                    }
                    // A login in another tab, or a session this tab could not read at start.
                    _ => next = Self::signed_in(session, generation),
                }
                next.frame = frame;
            }
            Action::RestoreStarted => {
                if self.state != AuthState::Anonymous {
                    return None;
                }
                next.state = AuthState::Restoring;
            }
            Action::RestoreFailed(error) => {
                if self.state != AuthState::Restoring {
                    return None;
                }
                next.state = match error {
                    None => AuthState::Anonymous,
                    Some(e) if e.ends_session() => AuthState::Ended(e),
                    Some(e) => AuthState::NotRestored(e),
                };
            }
            Action::LoggedOut { generation } => next = Self::anonymous(generation.max(self.generation)),
            Action::RemoteLoggedOut { generation } => {
                if self.session().is_none() {
                    if generation <= self.generation {
                        return None;
                    }
                    next.generation = generation; // keep a shown error; follow the store
                } else {
                    next = Self::anonymous(generation);
                }
            }
        }
        Some(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::protocol::session::tests::session;

    const T0: f64 = 1_800_000_000_000.0;
    const MIN: f64 = 60_000.0;
    const ISSUER: &str = "http://localhost:4000";
    const CLIENT: &str = "dev-spa-client";

    fn alice(access: &str, expires_at: f64) -> Session {
        session("auth0|alice", access, expires_at)
    }

    fn at(generation: u64, state: AuthState) -> AuthModel {
        let mut model = AuthModel::anonymous(generation);
        if let Some(s) = match &state {
            AuthState::Authenticated(s) | AuthState::Renewing(s) => Some(s),
            _ => None,
        } {
            model.history = vec![lifetime_of(s)];
        }
        model.state = state;
        model
    }

    fn signed_in(generation: u64) -> AuthModel {
        at(generation, AuthState::Authenticated(alice("at-1", T0 + 10.0 * MIN)))
    }

    fn renewing(generation: u64) -> AuthModel {
        at(generation, AuthState::Renewing(alice("at-1", T0 + 10.0 * MIN)))
    }

    fn renewed(access: &str, generation: u64, adopted: bool) -> Action {
        Action::Renewed {
            session: alice(access, T0 + 20.0 * MIN),
            generation,
            trigger: Trigger::Scheduled,
            via: (!adopted).then_some(Path::RefreshToken),
            frame: FrameStatus::Blocked,
            at: T0 + 9.0 * MIN,
        }
    }

    fn failed(error: AuthError, generation: u64, at: f64) -> Action {
        Action::RenewFailed { error, generation, trigger: Trigger::Scheduled, at, jitter: 0.5 }
    }

    fn unreachable() -> AuthError {
        AuthError::Unreachable("offline".into())
    }

    fn login_required() -> AuthError {
        AuthError::OAuth { error: "login_required".into(), description: None }
    }

    fn access(model: &AuthModel) -> Option<&str> {
        model.session().map(|s| s.access_token.as_str())
    }

    /// Every action: (name, model before, action, the access token in use after or `None`, whether
    /// it is renewing after, the generation after). `unchanged` rows must return `None`.
    #[test]
    fn every_action_from_every_relevant_state() {
        struct Row {
            name: &'static str,
            before: AuthModel,
            action: Action,
            unchanged: bool,
            access: Option<String>,
            renewing: bool,
            generation: u64,
        }
        let row = |name, before, action, access: Option<&str>, renewing, generation| Row {
            name,
            before,
            action,
            unchanged: false,
            access: access.map(str::to_owned),
            renewing,
            generation,
        };
        let same = |name, before: AuthModel, action| Row {
            name,
            access: before.session().map(|s| s.access_token.clone()),
            renewing: before.is_renewing(),
            generation: before.generation,
            before,
            action,
            unchanged: true,
        };
        let rows = [
            row(
                "login from anonymous",
                AuthModel::anonymous(2),
                Action::LoggedIn { session: alice("at-9", T0), generation: 3 },
                Some("at-9"),
                false,
                3,
            ),
            row(
                "login as another user replaces the session",
                signed_in(2),
                Action::LoggedIn { session: session("auth0|bob", "bob-1", T0), generation: 3 },
                Some("bob-1"),
                false,
                3,
            ),
            same(
                "a login of an older generation",
                AuthModel::anonymous(5),
                Action::LoggedIn { session: alice("x", T0), generation: 4 },
            ),
            row(
                "login failure without a session",
                AuthModel::anonymous(1),
                Action::LoginFailed(AuthError::UnknownState),
                None,
                false,
                1,
            ),
            same("login failure with a live session", signed_in(1), Action::LoginFailed(AuthError::UnknownState)),
            row("renewal starts", signed_in(1), Action::RenewStarted, Some("at-1"), true, 1),
            same("renewal cannot start without a session", AuthModel::anonymous(1), Action::RenewStarted),
            same("renewal already running", renewing(1), Action::RenewStarted),
            row("renewal result installs", renewing(1), renewed("at-2", 1, false), Some("at-2"), false, 1),
            same("renewal result after logout", AuthModel::anonymous(2), renewed("at-2", 1, false)),
            same("renewal result of an older generation", renewing(2), renewed("at-2", 1, false)),
            row(
                "renewal returning another user keeps the session",
                renewing(1),
                Action::Renewed {
                    session: session("auth0|bob", "bob-1", T0 + 20.0 * MIN),
                    generation: 1,
                    trigger: Trigger::Scheduled,
                    via: Some(Path::SilentFrame),
                    frame: FrameStatus::Works,
                    at: T0,
                },
                Some("at-1"),
                false,
                1,
            ),
            row(
                "an out-of-order older result does not replace a newer session",
                at(1, AuthState::Renewing(alice("at-3", T0 + 30.0 * MIN))),
                renewed("at-2", 1, false),
                Some("at-3"),
                false,
                1,
            ),
            row("renewal failure keeps the session", renewing(1), failed(unreachable(), 1, T0), Some("at-1"), false, 1),
            same("renewal failure after logout", AuthModel::anonymous(2), failed(unreachable(), 1, T0)),
            row(
                "session ended by the provider",
                renewing(1),
                Action::Ended { error: login_required(), generation: 2, trigger: Trigger::Scheduled, at: T0 },
                None,
                false,
                2,
            ),
            same(
                "an end from before a logout",
                AuthModel::anonymous(3),
                Action::Ended { error: login_required(), generation: 2, trigger: Trigger::Scheduled, at: T0 },
            ),
            row(
                "dropped result stops renewing",
                renewing(1),
                Action::RenewDropped { generation: 1 },
                Some("at-1"),
                false,
                1,
            ),
            same("dropped result of another generation", renewing(2), Action::RenewDropped { generation: 1 }),
            row(
                "adopting another tab's renewal",
                signed_in(1),
                Action::Adopted {
                    session: alice("at-2", T0 + 20.0 * MIN),
                    generation: 1,
                    frame: FrameStatus::Unknown,
                    at: T0,
                },
                Some("at-2"),
                false,
                1,
            ),
            row(
                "adopting while renewing keeps renewing",
                renewing(1),
                Action::Adopted {
                    session: alice("at-2", T0 + 20.0 * MIN),
                    generation: 1,
                    frame: FrameStatus::Unknown,
                    at: T0,
                },
                Some("at-2"),
                true,
                1,
            ),
            same(
                "adoption after logout",
                AuthModel::anonymous(2),
                Action::Adopted {
                    session: alice("at-2", T0 + 20.0 * MIN),
                    generation: 1,
                    frame: FrameStatus::Unknown,
                    at: T0,
                },
            ),
            same(
                "adoption of the session in use",
                signed_in(1),
                Action::Adopted {
                    session: alice("at-1", T0 + 10.0 * MIN),
                    generation: 1,
                    frame: FrameStatus::Unknown,
                    at: T0,
                },
            ),
            same(
                "adoption of an older session",
                signed_in(1),
                Action::Adopted {
                    session: alice("at-0", T0 + 5.0 * MIN),
                    generation: 1,
                    frame: FrameStatus::Unknown,
                    at: T0,
                },
            ),
            same(
                "adoption of another user in the same generation",
                signed_in(1),
                Action::Adopted {
                    session: session("auth0|bob", "bob-1", T0 + 20.0 * MIN),
                    generation: 1,
                    frame: FrameStatus::Unknown,
                    at: T0,
                },
            ),
            row(
                "adopting another tab's login",
                AuthModel::anonymous(1),
                Action::Adopted { session: alice("at-5", T0), generation: 2, frame: FrameStatus::Unknown, at: T0 },
                Some("at-5"),
                false,
                2,
            ),
            row(
                "adopting a new user's login",
                signed_in(1),
                Action::Adopted {
                    session: session("auth0|bob", "bob-1", T0),
                    generation: 2,
                    frame: FrameStatus::Unknown,
                    at: T0,
                },
                Some("bob-1"),
                false,
                2,
            ),
            row("logout", renewing(1), Action::LoggedOut { generation: 2 }, None, false, 2),
            row("logout in another tab", signed_in(1), Action::RemoteLoggedOut { generation: 2 }, None, false, 2),
            same("a logout this tab already made", AuthModel::anonymous(2), Action::RemoteLoggedOut { generation: 2 }),
            row(
                "storage wiped by another script",
                signed_in(4),
                Action::RemoteLoggedOut { generation: 0 },
                None,
                false,
                0,
            ),
        ];
        for r in rows {
            let after = r.before.reduce(r.action.clone());
            assert_eq!(after.is_none(), r.unchanged, "{}: changed or not", r.name);
            let after = after.unwrap_or(r.before);
            assert_eq!(access(&after), r.access.as_deref(), "{}: session", r.name);
            assert_eq!(after.is_renewing(), r.renewing, "{}: renewing", r.name);
            assert_eq!(after.generation, r.generation, "{}: generation", r.name);
        }
    }

    #[test]
    fn failures_count_up_and_a_success_resets_them() {
        let mut model = renewing(1);
        for n in 1..=3 {
            model = model.reduce(failed(unreachable(), 1, T0 + f64::from(n))).expect("counted");
            assert_eq!(model.failures.count, n);
            assert!(model.failures.transient);
            assert_eq!(model.failures.last_at, T0 + f64::from(n));
        }
        let rejected = model.reduce(failed(AuthError::Token(crate::auth::protocol::error::TokenError::Nonce), 1, T0));
        assert!(rejected.as_ref().is_some_and(|m| !m.failures.transient && m.failures.count == 4));
        let model = model.reduce(renewed("at-2", 1, false)).expect("renewed");
        assert_eq!(model.failures, Failures::default());
        assert_eq!(model.renewals, 1);
        assert!(matches!(&model.last_renewal, Some(RenewalRecord { outcome: Ok(_), trigger: Trigger::Scheduled, .. })));
        assert_eq!(model.frame, FrameStatus::Blocked, "the renewal taught the session about the frame");
        assert!(matches!(&model.last_renewal, Some(RenewalRecord { via: Some(Path::RefreshToken), .. })));
        let adopted = renewing(1).reduce(renewed("at-2", 1, true)).expect("adopted");
        assert!(matches!(adopted.last_renewal, Some(RenewalRecord { trigger: Trigger::OtherTab, via: None, .. })));
        assert_eq!(adopted.frame, FrameStatus::Unknown, "another tab's result does not say how it was renewed");
    }

    #[test]
    fn an_ended_session_shows_why_and_plans_nothing() {
        let ended = renewing(1)
            .reduce(Action::Ended { error: login_required(), generation: 2, trigger: Trigger::Manual, at: T0 })
            .expect("ended");
        assert_eq!(ended.state, AuthState::Ended(login_required()));
        assert_eq!(ended.plan(T0), None);
        // Another tab's view of the same end changes nothing more, and keeps the message.
        assert_eq!(ended.reduce(Action::RemoteLoggedOut { generation: 2 }), None);
        let later = ended.reduce(Action::RemoteLoggedOut { generation: 3 }).expect("follows the store");
        assert_eq!((later.generation, later.state), (3, AuthState::Ended(login_required())));
    }

    #[test]
    fn a_restore_that_ends_at_the_provider_says_why() {
        let ended = at(2, AuthState::Restoring).reduce(Action::RestoreFailed(Some(login_required()))).expect("ended");
        assert_eq!(ended.state, AuthState::Ended(login_required()));
        let down = at(2, AuthState::Restoring).reduce(Action::RestoreFailed(Some(unreachable()))).expect("failed");
        assert_eq!(down.state, AuthState::NotRestored(unreachable()));
    }

    #[test]
    fn the_history_is_bounded_and_records_each_replacement() {
        let mut model = signed_in(1);
        for i in 1..=10u32 {
            let at = T0 + f64::from(i) * MIN;
            let next = alice(&format!("at-{}", i + 1), T0 + 10.0 * MIN + f64::from(i) * MIN);
            model = model
                .reduce(Action::Adopted { session: next, generation: 1, frame: FrameStatus::Works, at })
                .expect("adopted");
        }
        assert_eq!(model.history.len(), HISTORY);
        assert!(model.history[..HISTORY - 1].iter().all(|l| l.replaced_at.is_some()));
        assert_eq!(model.history[HISTORY - 1].replaced_at, None, "the token in use is not replaced");
        assert_eq!(model.history[HISTORY - 2].replaced_at, Some(T0 + 10.0 * MIN));
    }

    #[test]
    fn the_plan_follows_the_session_and_the_failures() {
        let model = signed_in(1);
        let expires = T0 + 10.0 * MIN;
        assert!(matches!(model.plan(T0), Some(Plan::RenewAt(at)) if at < expires));
        let failed_late = model.reduce(failed(unreachable(), 1, expires - 1_000.0)).expect("failed");
        assert_eq!(failed_late.plan(expires - 1_000.0), Some(Plan::Exhausted { valid_until: expires }));
        assert_eq!(failed_late.plan(expires), Some(Plan::Expired));
        assert_eq!(AuthModel::anonymous(0).plan(T0), None);
    }

    #[test]
    fn a_restored_page_mirrors_the_store() {
        let s = alice("at-1", T0);
        let stored = Stored::Session { session: Box::new(s.clone()), generation: 7 };
        let model = AuthModel::restored(stored.clone(), FrameStatus::Blocked, ISSUER, CLIENT);
        assert_eq!((model.session(), model.generation, model.history.len()), (Some(&s), 7, 1));
        assert_eq!(model.frame, FrameStatus::Blocked, "a reload remembers the frame is blocked");
        let changing = AuthModel::restored(Stored::Changing { generation: 3 }, FrameStatus::Works, ISSUER, CLIENT);
        assert_eq!(changing, AuthModel::anonymous(3));
        assert_eq!(
            AuthModel::restored(Stored::Absent { generation: 4 }, FrameStatus::Unknown, ISSUER, CLIENT),
            AuthModel::anonymous(4)
        );
        // A session of another issuer, another client or no user is refused, with the reason.
        let foreign = [
            AuthModel::restored(stored.clone(), FrameStatus::Works, "http://evil.example", CLIENT),
            AuthModel::restored(stored, FrameStatus::Works, ISSUER, "another-client"),
            AuthModel::restored(
                Stored::Session { session: Box::new(session("", "at-1", T0)), generation: 7 },
                FrameStatus::Works,
                ISSUER,
                CLIENT,
            ),
        ];
        for model in foreign {
            assert_eq!((model.session(), model.generation), (None, 7));
            assert_eq!(model.state, AuthState::Failed(AuthError::ForeignSession));
            // The store moves on; the model follows and keeps the message.
            let followed = model.reduce(Action::RemoteLoggedOut { generation: 8 }).expect("follows");
            assert_eq!((followed.generation, followed.state), (8, AuthState::Failed(AuthError::ForeignSession)));
        }
    }
}
