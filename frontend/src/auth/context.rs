//! The one auth state machine, owned by `AuthProvider` (`use_reducer` + `ContextProvider`) and read
//! through `use_auth()`. Components ask for actions (log in, renew, log out); only the reducer
//! changes state, and only `client` touches tokens.

use std::cell::Cell;
use std::rc::Rc;

use yew::prelude::*;

use super::client::{self, now_ms, Runtime};
use super::error::AuthError;
use super::schedule::{self, Failures, Plan};
use super::session::Session;
use super::store;

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

/// The result of the last renewal, for the status display.
#[derive(Debug, Clone, PartialEq)]
pub struct RenewalRecord {
    /// When it finished (epoch ms).
    pub at: f64,
    /// Asked for by the person (Renew Token), not the scheduler.
    pub manual: bool,
    /// The new expiry, or why it failed.
    pub outcome: Result<f64, AuthError>,
}

/// The reducer's state: the state enum plus the renewal history the scheduler plans from.
#[derive(Debug, Clone, PartialEq)]
pub struct AuthModel {
    /// Current state.
    pub state: AuthState,
    /// Last renewal attempt.
    pub last_renewal: Option<RenewalRecord>,
    /// Consecutive failures (backoff input).
    pub failures: Failures,
    /// Successful renewals in this page's life.
    pub renewals: u32,
}

/// What can happen.
pub enum Action {
    /// Login completed.
    LoggedIn(Session),
    /// Login failed.
    LoginFailed(AuthError),
    /// A renewal began.
    RenewStarted,
    /// A renewal succeeded.
    Renewed {
        /// The new, verified session.
        session: Session,
        /// Asked for by the person.
        manual: bool,
    },
    /// A renewal failed; `jitter` is drawn once per failure.
    RenewFailed {
        /// Why.
        error: AuthError,
        /// Asked for by the person.
        manual: bool,
        /// Uniform random in [0, 1) for backoff jitter.
        jitter: f64,
    },
    /// Logged out.
    LoggedOut,
}

impl AuthModel {
    fn restored(session: Option<Session>) -> Self {
        let state = session.map_or(AuthState::Anonymous, AuthState::Authenticated);
        Self {
            state,
            last_renewal: None,
            failures: Failures::default(),
            renewals: 0,
        }
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
        self.session()
            .map(|s| schedule::plan(now, s.lifetime(), self.failures))
    }
}

impl Reducible for AuthModel {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            Action::LoggedIn(session) => {
                next = Self::restored(Some(session));
            }
            Action::LoginFailed(error) => {
                // A bad callback never replaces a session that is still good.
                if next.session().is_none() {
                    next.state = AuthState::Failed(error);
                }
            }
            Action::RenewStarted => match &self.state {
                AuthState::Authenticated(s) => next.state = AuthState::Renewing(s.clone()),
                _ => return self,
            },
            Action::Renewed { session, manual } => {
                if next.session().is_none() {
                    return self; // logged out meanwhile: drop the late result
                }
                next.last_renewal = Some(RenewalRecord {
                    at: now_ms(),
                    manual,
                    outcome: Ok(session.expires_at),
                });
                next.failures = Failures::default();
                next.renewals += 1;
                next.state = AuthState::Authenticated(session);
            }
            Action::RenewFailed {
                error,
                manual,
                jitter,
            } => {
                let Some(session) = next.session().cloned() else {
                    return self;
                };
                let at = now_ms();
                next.last_renewal = Some(RenewalRecord {
                    at,
                    manual,
                    outcome: Err(error.clone()),
                });
                if error.ends_session() {
                    store::clear();
                    next.state = AuthState::Ended(error);
                    next.failures = Failures::default();
                } else {
                    // Transient or rejected: keep the session that still works, back off.
                    next.failures = Failures {
                        count: self.failures.count + 1,
                        last_at: at,
                        jitter,
                    };
                    next.state = AuthState::Authenticated(session);
                }
            }
            Action::LoggedOut => next = Self::restored(None),
        }
        Rc::new(next)
    }
}

/// What `use_auth()` returns: the model and the actions.
#[derive(Clone)]
pub struct AuthContext {
    model: UseReducerHandle<AuthModel>,
    /// Configuration and provider endpoints.
    pub runtime: Rc<Runtime>,
    in_flight: Rc<Cell<bool>>,
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

    /// Starts a silent renewal unless one is already running (one iframe at a time per tab).
    pub fn renew(&self, manual: bool) {
        let Some(session) = self.model.session().cloned() else {
            return;
        };
        if self.in_flight.replace(true) {
            return;
        }
        self.model.dispatch(Action::RenewStarted);
        let (model, runtime, in_flight) = (
            self.model.clone(),
            self.runtime.clone(),
            self.in_flight.clone(),
        );
        let started = now_ms();
        wasm_bindgen_futures::spawn_local(async move {
            let result = client::renew(&runtime, &session).await;
            in_flight.set(false);
            let took = (now_ms() - started).round() as u64;
            match result {
                Ok(session) => {
                    web_sys::console::debug_1(&format!("renewal: ok in {took} ms").into());
                    model.dispatch(Action::Renewed { session, manual });
                }
                Err(error) => {
                    web_sys::console::warn_1(
                        &format!("renewal: failed in {took} ms: {error}").into(),
                    );
                    model.dispatch(Action::RenewFailed {
                        error,
                        manual,
                        jitter: js_sys::Math::random(),
                    });
                }
            }
        });
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

/// Owns the auth state; restores the stored session synchronously so the first render is right.
#[function_component]
pub fn AuthProvider(props: &AuthProviderProps) -> Html {
    let model = use_reducer(|| AuthModel::restored(store::load()));
    let in_flight = use_memo((), |()| Cell::new(false));
    let context = AuthContext {
        model,
        runtime: props.runtime.clone(),
        in_flight: in_flight.clone(),
    };
    {
        // A session restored already expired may still be alive at the provider: try once.
        let context = context.clone();
        use_effect_with((), move |()| {
            if context.session().is_some_and(|s| s.is_expired(now_ms())) {
                context.renew(false);
            }
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
