//! The one auth state machine, owned by `AuthProvider` (`use_reducer` + `ContextProvider`) and read
//! through `use_auth()`. Components ask for actions (log in, renew, call the API, log out); only the
//! reducer changes state, and only `client` touches tokens.
//!
//! Renewal is single-flight per tab: the scheduler, Renew Token and API calls share one in-flight
//! future (one iframe at most); across tabs `client::renew_coordinated` takes a Web Lock.

use std::cell::RefCell;
use std::rc::Rc;

use futures::future::{FutureExt as _, LocalBoxFuture, Shared};
use yew::prelude::*;

use super::client::{self, now_ms, Renewed, Runtime};
use super::error::AuthError;
use super::schedule::{self, Failures, Plan};
use super::session::Session;
use super::store::{self, Stored};
use super::tabs;
use crate::api::{self, ApiCallError, Endpoint};
use crate::auth::http::HttpError;

/// Where the session is.
#[derive(Debug, Clone, PartialEq)]
pub enum AuthState {
    /// No session.
    Anonymous,
    /// Signed in.
    Authenticated(Session),
    /// Signed in, a silent renewal under way.
    Renewing(Session),
    /// The provider says the user must sign in again (`login_required` …).
    Ended(AuthError),
    /// Login failed (bad callback, rejected token): shown, nothing stored.
    Failed(AuthError),
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

/// The reducer's state: the state enum plus the renewal history the scheduler plans from.
#[derive(Debug, Clone, PartialEq)]
pub struct AuthModel {
    /// Current state.
    pub state: AuthState,
    /// Last renewal attempt.
    pub last_renewal: Option<RenewalRecord>,
    /// Consecutive failures (backoff input; also the attempt count shown).
    pub failures: Failures,
    /// Successful renewals in this page's life.
    pub renewals: u32,
    /// Recent token lifetimes, oldest first.
    pub history: Vec<LifetimeRecord>,
}

/// What can happen.
pub enum Action {
    /// Login completed.
    LoggedIn(Session),
    /// Login failed.
    LoginFailed(AuthError),
    /// A renewal began.
    RenewStarted,
    /// A renewal ended with a session (this tab's or another tab's).
    Renewed(Renewed, Trigger),
    /// Another tab stored a session (renewal or login): adopt it without calling the provider.
    Adopted(Session),
    /// A renewal failed; `jitter` is drawn once per failure.
    RenewFailed {
        /// Why.
        error: AuthError,
        /// Who asked.
        trigger: Trigger,
        /// Uniform random in [0, 1) for backoff jitter.
        jitter: f64,
    },
    /// Logged out in this tab.
    LoggedOut,
    /// Another tab logged out.
    RemoteLoggedOut,
}

impl AuthModel {
    fn restored(session: Option<Session>) -> Self {
        let history = session.iter().map(lifetime_of).collect();
        let state = session.map_or(AuthState::Anonymous, AuthState::Authenticated);
        Self { state, last_renewal: None, failures: Failures::default(), renewals: 0, history }
    }

    /// The session in use, renewing or not.
    pub fn session(&self) -> Option<&Session> {
        match &self.state {
            AuthState::Authenticated(s) | AuthState::Renewing(s) => Some(s),
            _ => None,
        }
    }

    /// A renewal is running.
    pub fn is_renewing(&self) -> bool {
        matches!(self.state, AuthState::Renewing(_))
    }

    /// The scheduler's decision at `now` (`None` when there is no session).
    pub fn plan(&self, now: f64) -> Option<Plan> {
        self.session().map(|s| schedule::plan(now, s.lifetime(), self.failures))
    }

    /// Makes `session` current, closing the previous lifetime in the history.
    fn install(&mut self, session: Session) {
        let now = now_ms();
        if let Some(last) = self.history.last_mut() {
            last.replaced_at.get_or_insert(now);
        }
        self.history.push(lifetime_of(&session));
        let excess = self.history.len().saturating_sub(HISTORY);
        self.history.drain(..excess);
        self.failures = Failures::default();
        self.state = AuthState::Authenticated(session);
    }
}

fn lifetime_of(session: &Session) -> LifetimeRecord {
    let l = session.lifetime();
    LifetimeRecord { issued_at: l.issued_at, expires_at: l.expires_at, replaced_at: None }
}

impl Reducible for AuthModel {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            Action::LoggedIn(session) => next.install(session),
            Action::LoginFailed(error) => {
                // A bad callback never replaces a session that is still good.
                if next.session().is_some() {
                    return self;
                }
                next.state = AuthState::Failed(error);
            }
            Action::RenewStarted => match &self.state {
                AuthState::Authenticated(s) => next.state = AuthState::Renewing(s.clone()),
                _ => return self,
            },
            Action::Renewed(renewed, trigger) => {
                let current = next.session().map(|s| s.access_token.clone());
                let Some(current) = current else { return self }; // logged out meanwhile
                let session = renewed.session().clone();
                let trigger = if matches!(renewed, Renewed::Adopted(_)) { Trigger::OtherTab } else { trigger };
                next.last_renewal = Some(RenewalRecord { at: now_ms(), trigger, outcome: Ok(session.expires_at) });
                if current == session.access_token {
                    next.state = AuthState::Authenticated(session); // adopted already via storage
                } else {
                    next.renewals += 1;
                    next.install(session);
                }
            }
            Action::Adopted(session) => {
                if next.session().is_some_and(|s| s.access_token == session.access_token) {
                    return self;
                }
                next.last_renewal =
                    Some(RenewalRecord { at: now_ms(), trigger: Trigger::OtherTab, outcome: Ok(session.expires_at) });
                next.install(session);
            }
            Action::RenewFailed { error, trigger, jitter } => {
                let Some(session) = next.session().cloned() else { return self };
                let at = now_ms();
                next.last_renewal = Some(RenewalRecord { at, trigger, outcome: Err(error.clone()) });
                if error.ends_session() {
                    store::clear();
                    next.state = AuthState::Ended(error);
                    next.failures = Failures::default();
                } else {
                    // Keep the session that still works; transient errors back off, rejections halt.
                    let transient = error.is_transient();
                    next.failures = Failures { count: self.failures.count + 1, last_at: at, jitter, transient };
                    next.state = AuthState::Authenticated(session);
                }
            }
            Action::LoggedOut => next = Self::restored(None),
            Action::RemoteLoggedOut => {
                if next.session().is_none() {
                    return self;
                }
                next = Self::restored(None);
            }
        }
        Rc::new(next)
    }
}

type RenewalFuture = Shared<LocalBoxFuture<'static, Result<Session, AuthError>>>;

/// What `use_auth()` returns: the model and the actions.
#[derive(Clone)]
pub struct AuthContext {
    model: UseReducerHandle<AuthModel>,
    /// Configuration and provider endpoints.
    pub runtime: Rc<Runtime>,
    inflight: Rc<RefCell<Option<RenewalFuture>>>,
}

impl PartialEq for AuthContext {
    fn eq(&self, other: &Self) -> bool {
        self.model == other.model && Rc::ptr_eq(&self.runtime, &other.runtime)
    }
}

impl std::ops::Deref for AuthContext {
    type Target = AuthModel;
    fn deref(&self) -> &AuthModel {
        &self.model
    }
}

impl AuthContext {
    /// Redirects to the provider's login page.
    pub fn login(&self, return_to: &str) {
        if let Err(error) = client::start_login(&self.runtime, return_to) {
            self.model.dispatch(Action::LoginFailed(error));
        }
    }

    /// Completes `/callback`; resolves to the path to return to, or why the response was refused.
    pub async fn complete_login(&self, fragment: &str) -> Result<String, AuthError> {
        match client::complete_login(&self.runtime, fragment).await {
            Ok((session, return_to)) => {
                self.model.dispatch(Action::LoggedIn(session));
                Ok(return_to)
            }
            Err(error) => {
                self.model.dispatch(Action::LoginFailed(error.clone()));
                Err(error)
            }
        }
    }

    /// Joins the renewal in flight, or starts one; `None` without a session.
    fn renewal(&self, trigger: Trigger) -> Option<RenewalFuture> {
        if let Some(running) = self.inflight.borrow().clone() {
            return Some(running);
        }
        let current = self.model.session().cloned()?;
        self.model.dispatch(Action::RenewStarted);
        let (model, runtime, inflight) = (self.model.clone(), self.runtime.clone(), self.inflight.clone());
        let started = now_ms();
        let task = async move {
            let result = client::renew_coordinated(runtime, current).await;
            inflight.borrow_mut().take();
            let took = (now_ms() - started).round() as u64;
            match result {
                Ok(renewed) => {
                    let how =
                        if matches!(renewed, Renewed::Adopted(_)) { "adopted another tab's session" } else { "ok" };
                    web_sys::console::debug_1(&format!("renewal: {how} in {took} ms ({})", trigger.label()).into());
                    let session = renewed.session().clone();
                    model.dispatch(Action::Renewed(renewed, trigger));
                    Ok(session)
                }
                Err(error) => {
                    web_sys::console::warn_1(
                        &format!("renewal: failed in {took} ms ({}): {error}", trigger.label()).into(),
                    );
                    model.dispatch(Action::RenewFailed {
                        error: error.clone(),
                        trigger,
                        jitter: js_sys::Math::random(),
                    });
                    Err(error)
                }
            }
        };
        let shared = task.boxed_local().shared();
        *self.inflight.borrow_mut() = Some(shared.clone());
        wasm_bindgen_futures::spawn_local(shared.clone().map(|_| ()));
        Some(shared)
    }

    /// Starts a silent renewal, or joins the one running (one iframe at a time per tab).
    pub fn renew(&self, trigger: Trigger) {
        if self.renewal(trigger).is_none() {
            web_sys::console::debug_1(&"renewal: no session to renew".into());
        }
    }

    /// Calls the API with the current token. Waits for a renewal in flight first; on a 401, renews
    /// once and retries once (never a loop).
    pub async fn call_api(&self, endpoint: Endpoint) -> Result<serde_json::Value, ApiCallError> {
        let base = self.runtime.config.api_base_url.clone();
        let running = self.inflight.borrow().clone();
        let token = match running {
            Some(renewal) => renewal.await.ok().map(|s| s.access_token),
            None => self.model.session().map(|s| s.access_token.clone()),
        };
        match api::call(&base, endpoint, token.as_deref()).await {
            Err(HttpError::Status { status: 401, .. }) if token.is_some() => {
                let renewal = self.renewal(Trigger::Api).ok_or(ApiCallError::NoSession)?;
                let session = renewal.await.map_err(ApiCallError::Renewal)?;
                Ok(api::call(&base, endpoint, Some(&session.access_token)).await?)
            }
            other => Ok(other?),
        }
    }

    /// Clears the session here (and at the provider unless configured local-only).
    pub fn logout(&self) {
        self.model.dispatch(Action::LoggedOut);
        if let Err(error) = client::logout(&self.runtime) {
            web_sys::console::error_1(&format!("logout: {error}").into());
        }
    }
}

/// Props of [`AuthProvider`].
#[derive(Properties, PartialEq)]
pub struct AuthProviderProps {
    /// Loaded configuration.
    pub runtime: Rc<Runtime>,
    /// The app.
    pub children: Html,
}

/// Owns the auth state; restores the stored session synchronously so the first render is right,
/// and follows what other tabs store.
#[function_component]
pub fn AuthProvider(props: &AuthProviderProps) -> Html {
    let model = use_reducer(|| AuthModel::restored(store::load()));
    let inflight = use_memo((), |()| RefCell::new(None));
    let context = AuthContext { model, runtime: props.runtime.clone(), inflight: inflight.clone() };
    {
        let context = context.clone();
        use_effect_with((), move |()| {
            // A session restored already expired may still be alive at the provider: try once.
            if context.session().is_some_and(|s| s.is_expired(now_ms())) {
                context.renew(Trigger::Scheduled);
            }
            let model = context.model.clone();
            let listener = tabs::watch_other_tabs(move |stored| match stored {
                Stored::Session(session) => model.dispatch(Action::Adopted(*session)),
                Stored::Absent => model.dispatch(Action::RemoteLoggedOut),
                Stored::Changing => {}
            });
            move || drop(listener)
        });
    }
    html! {
        <ContextProvider<AuthContext> context={context}>{ props.children.clone() }</ContextProvider<AuthContext>>
    }
}

/// The auth context; panics outside `AuthProvider`, which is a programming error.
#[hook]
pub fn use_auth() -> AuthContext {
    use_context::<AuthContext>().expect("use_auth() must be called inside <AuthProvider>")
}
