//! `AuthProvider` owns the session for the whole app: the pure model (`use_reducer`) and the
//! operations the UI asks for, handed to every component below it as one [`AuthContext`] through a
//! Yew `ContextProvider`, read with [`use_auth`]. The model only changes through actions built
//! from what the store committed, so what the page shows is what storage holds. The renewal
//! scheduler is a component of its own (`RenewalScheduler`) that reads the same context.
//!
//! Renewal is single-flight per tab: the scheduler, Renew Token and API calls share one in-flight
//! future (one frame at most), and across tabs the renewal lock lets one tab ask the provider.

use std::cell::RefCell;
use std::rc::Rc;

use futures::future::{LocalBoxFuture, Shared};
use futures::FutureExt as _;
use yew::prelude::*;

use super::browser::broadcast::{self, Message};
use super::browser::dpop;
use super::browser::env::{navigate, now_ms, random_unit};
use super::browser::locks::{self, LockError};
use super::browser::renewal::{self, Outcome};
use super::browser::setup::AuthSetup;
use super::browser::{login, store, tabs, token_endpoint};
use super::model::{Action, AuthModel, AuthState, Trigger};
use super::protocol::authorize;
use super::protocol::config::TokenStorage;
use super::protocol::error::{AuthError, TokenError};
use super::protocol::paths::Path;
use super::protocol::session::{Session, Stored};

/// How long Log Out waits for a renewal holding the lock before removing the tokens anyway (the
/// generation it began already refuses that renewal's answer).
pub const LOGOUT_LOCK_WAIT_MS: u32 = 1_500;
/// How long Log Out waits for the provider to revoke the refresh token before leaving.
pub const REVOKE_WAIT_MS: u32 = 3_000;
/// How long a reloaded page (memory storage) waits for another tab to hand it the session.
pub const ASK_TABS_MS: u32 = 300;

impl Reducible for AuthModel {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        AuthModel::reduce(&self, action).map_or(self, Rc::new)
    }
}

/// A renewal every caller can wait for: started once, awaited by any number of callers, each
/// getting its result.
type Renewal = Shared<LocalBoxFuture<'static, Result<Session, AuthError>>>;

/// The renewal running in this tab, and the generation it runs in.
struct InFlight {
    generation: u64,
    renewal: Renewal,
}

/// What every component under `AuthProvider` reads with [`use_auth`]: the model (through `Deref`)
/// and the operations.
#[derive(Clone)]
pub struct AuthContext {
    model: UseReducerHandle<AuthModel>,
    /// Configuration and the provider's endpoints.
    pub setup: Rc<AuthSetup>,
    inflight: Rc<RefCell<Option<InFlight>>>,
}

/// Two contexts are the same when their model and setup are: the renewal in flight is the
/// provider's shared state, the same in every copy, not part of what the components show.
impl PartialEq for AuthContext {
    fn eq(&self, other: &Self) -> bool {
        self.model == other.model && self.setup == other.setup
    }
}

impl std::ops::Deref for AuthContext {
    type Target = AuthModel;
    fn deref(&self) -> &AuthModel {
        &self.model
    }
}

fn log(level: fn(&wasm_bindgen::JsValue), message: String) {
    level(&message.into());
}

impl AuthContext {
    /// Redirects to the provider's login page; `return_to` is where to land afterwards.
    pub fn login(&self, return_to: &str) {
        if let Err(error) = login::start(&self.setup, return_to) {
            self.model.dispatch(Action::LoginFailed(error));
        }
    }

    /// Completes `/callback` from its fragment and query; resolves to the path to return to, or
    /// why the response was refused.
    pub async fn complete_login(&self, hash: &str, search: &str) -> Result<String, AuthError> {
        match login::complete(self.setup.clone(), hash, search).await {
            Ok(done) => {
                self.model.dispatch(Action::LoggedIn { session: done.session, generation: done.generation });
                Ok(done.return_to)
            }
            Err(error) => {
                self.model.dispatch(Action::LoginFailed(error.clone()));
                Err(error)
            }
        }
    }

    /// Joins the renewal in flight for the current generation, or starts one; `None` without a session.
    fn renewal(&self, trigger: Trigger) -> Option<Renewal> {
        let generation = self.model.generation;
        if let Some(running) = self.inflight.borrow().as_ref().filter(|r| r.generation == generation) {
            return Some(running.renewal.clone());
        }
        let current = self.model.session().cloned()?;
        self.model.dispatch(Action::RenewStarted);
        let (model, setup, inflight) = (self.model.clone(), self.setup.clone(), self.inflight.clone());
        let started = now_ms();
        let renewal = async move {
            let outcome = renewal::renew(setup, current, generation).await;
            if inflight.borrow().as_ref().is_some_and(|r| r.generation == generation) {
                inflight.borrow_mut().take();
            }
            report(&model, outcome, generation, trigger, (now_ms() - started).round() as u64)
        }
        .boxed_local()
        .shared();
        *self.inflight.borrow_mut() = Some(InFlight { generation, renewal: renewal.clone() });
        // Driven to its end whether or not anyone waits for it (the scheduler does not).
        wasm_bindgen_futures::spawn_local(renewal.clone().map(drop));
        Some(renewal)
    }

    /// Starts a silent renewal, or joins the one running (one frame at a time per tab).
    pub fn renew(&self, trigger: Trigger) {
        if self.renewal(trigger).is_none() {
            log(web_sys::console::debug_1, "renewal: no session to renew".into());
        }
    }

    /// Renews once (or joins the renewal running) and resolves to the session it brought.
    pub async fn renew_once(&self, trigger: Trigger) -> Result<Session, AuthError> {
        match self.renewal(trigger) {
            Some(renewal) => renewal.await,
            None => Err(AuthError::NoSession),
        }
    }

    /// A session whose access token is valid: the renewed one if a renewal is in flight and
    /// succeeds; otherwise the current one while its token has not expired (a failed renewal never
    /// makes a call go out without it).
    pub async fn valid_session(&self) -> Result<Session, AuthError> {
        let running = self
            .inflight
            .borrow()
            .as_ref()
            .filter(|r| r.generation == self.model.generation)
            .map(|r| r.renewal.clone());
        let renewal_error = match running {
            Some(renewal) => match renewal.await {
                Ok(session) => return Ok(session),
                Err(error) => Some(error),
            },
            None => None,
        };
        // The model as it is now (after the await): logged out meanwhile means no token.
        match (self.model.session(), renewal_error) {
            (Some(session), _) if !session.is_expired(now_ms()) => Ok(session.clone()),
            (_, Some(error)) => Err(error),
            (Some(_), None) => Err(AuthError::Token(TokenError::Expired)),
            (None, None) => Err(AuthError::NoSession),
        }
    }

    /// Logs out: begins a new generation at once (so nothing in flight can store a session again),
    /// removes the tokens, sweeps again under the lock (waiting at most `LOGOUT_LOCK_WAIT_MS`),
    /// revokes the refresh token at the provider (at most `REVOKE_WAIT_MS`), then ends the provider
    /// session unless configured local-only. Every other tab follows the new generation.
    pub fn logout(&self) {
        let refresh_token = self.model.session().and_then(|s| s.refresh_token.clone());
        let generation = match store::begin_logout() {
            Ok(generation) => generation,
            Err(error) => {
                log(web_sys::console::error_1, format!("logout: {error}"));
                self.model.generation.saturating_add(1)
            }
        };
        self.model.dispatch(Action::LoggedOut { generation });
        // The tokens are leftovers of an older generation now: remove them at once, and again under
        // the lock, after any commit that was running (and was refused) has finished.
        store::remove_leftovers();
        let setup = self.setup.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let removal: locks::Task<()> = Box::new(|_, _held| Box::pin(async { store::remove_leftovers() }));
            match locks::exclusive_within(LOGOUT_LOCK_WAIT_MS, removal).await {
                Ok(()) => {}
                Err(LockError::Busy(ms)) => {
                    log(
                        web_sys::console::debug_1,
                        format!("logout: a renewal held the lock for {ms} ms; its answer will be refused"),
                    );
                    store::remove_leftovers();
                }
                Err(error) => {
                    log(web_sys::console::warn_1, format!("logout: {error}"));
                    store::remove_leftovers();
                }
            }
            if let Some(rt) = refresh_token {
                revoke_within(&setup, &rt, "logout").await;
            }
            // The DPoP key goes too: a new login makes a new one.
            if let Err(error) = dpop::forget().await {
                log(web_sys::console::warn_1, format!("logout: the DPoP key could not be deleted: {error}"));
            }
            if let Some(url) = authorize::logout_url(&setup.config, &setup.discovery) {
                if let Err(error) = navigate(&url) {
                    log(web_sys::console::error_1, format!("logout: {error}"));
                }
            }
        });
    }
}

/// Turns a renewal's outcome into the model's action, a console line (never a token) and the
/// result API callers wait for.
fn report(
    model: &UseReducerHandle<AuthModel>,
    outcome: Outcome,
    generation: u64,
    trigger: Trigger,
    took: u64,
) -> Result<Session, AuthError> {
    let (at, label) = (now_ms(), trigger.label());
    let renewed = |session: Session, via: Option<Path>, frame| {
        let how = via.map_or("adopted another tab's session".to_owned(), |p| format!("ok via {}", p.label()));
        log(web_sys::console::debug_1, format!("renewal: {how} in {took} ms ({label})"));
        model.dispatch(Action::Renewed { session: session.clone(), generation, trigger, via, frame, at });
        Ok(session)
    };
    match outcome {
        Outcome::Renewed { session, via, frame } => renewed(session, Some(via), frame),
        Outcome::Adopted(session) => renewed(session, None, store::frame_status(generation)),
        Outcome::Ended { error, generation } => {
            log(web_sys::console::warn_1, format!("renewal: the provider ended the session in {took} ms: {error}"));
            model.dispatch(Action::Ended { error: error.clone(), generation, trigger, at });
            Err(error)
        }
        Outcome::Superseded => {
            log(
                web_sys::console::debug_1,
                format!("renewal: result dropped after {took} ms: the session changed meanwhile"),
            );
            model.dispatch(Action::RenewDropped { generation });
            Err(AuthError::Superseded)
        }
        Outcome::Failed(error) => {
            log(web_sys::console::warn_1, format!("renewal: failed in {took} ms ({label}): {error}"));
            model.dispatch(Action::RenewFailed {
                error: error.clone(),
                generation,
                trigger,
                at,
                jitter: random_unit(),
            });
            Err(error)
        }
    }
}

/// Props of [`AuthProvider`].
#[derive(Properties, PartialEq)]
pub struct AuthProviderProps {
    /// Loaded configuration and discovery.
    pub setup: Rc<AuthSetup>,
    /// What reads the session through [`use_auth`]: the whole app.
    #[prop_or_default]
    pub children: Html,
}

/// Memory storage, a reloaded page: asks the open tabs first, then the provider through the frame.
async fn restore(model: UseReducerHandle<AuthModel>, setup: Rc<AuthSetup>) {
    model.dispatch(Action::RestoreStarted);
    if let Err(error) = broadcast::post(&Message::Hello) {
        log(web_sys::console::debug_1, format!("restore: {error}"));
    }
    gloo_timers::future::TimeoutFuture::new(ASK_TABS_MS).await;
    if model.session().is_some() {
        return; // another tab answered
    }
    let generation = model.generation;
    match renewal::restore(setup, generation).await {
        Outcome::Renewed { session, frame, .. } => {
            model.dispatch(Action::Adopted { session, generation, frame, at: now_ms() });
        }
        Outcome::Adopted(session) => {
            let frame = store::frame_status(generation);
            model.dispatch(Action::Adopted { session, generation, frame, at: now_ms() });
        }
        Outcome::Failed(error) => {
            log(web_sys::console::debug_1, format!("restore: no session: {error}"));
            model.dispatch(Action::RestoreFailed(Some(error)));
        }
        Outcome::Ended { .. } | Outcome::Superseded => model.dispatch(Action::RestoreFailed(None)),
    }
}

/// A stored session the configuration does not own ends in the store, under the lock: a new
/// generation begins and its tokens are removed. The model follows and keeps its message.
async fn drop_foreign(model: UseReducerHandle<AuthModel>) {
    let generation = model.generation;
    let task: locks::Task<Result<Option<u64>, AuthError>> =
        Box::new(move |_, held| Box::pin(async move { store::end(&held, generation) }));
    match locks::exclusive(task).await {
        Ok(Ok(Some(next))) => model.dispatch(Action::RemoteLoggedOut { generation: next }),
        Ok(Ok(None)) => {} // another tab moved the store on; its storage event brings the model along
        Ok(Err(error)) => log(web_sys::console::warn_1, format!("storage: {error}")),
        Err(error) => log(web_sys::console::warn_1, format!("storage: {error}")),
    }
}

/// Follows the other tabs: their commits and logouts through the `storage` event, and (memory
/// storage) their sessions and questions through the broadcast channel. A session that does not
/// belong to this configuration is not adopted.
fn follow_other_tabs(
    model: &UseReducerHandle<AuthModel>,
    setup: &Rc<AuthSetup>,
    memory: bool,
) -> (Option<gloo_events::EventListener>, Option<broadcast::Listener>) {
    let owned = {
        let setup = setup.clone();
        move |session: &Session| session.belongs_to(&setup.config.issuer, &setup.config.client_id)
    };
    let storage = {
        let model = model.clone();
        let owned = owned.clone();
        tabs::watch_other_tabs(move |stored| match stored {
            Stored::Session { session, .. } if !owned(&session) => {}
            Stored::Session { session, generation } => {
                let frame = store::frame_status(generation);
                model.dispatch(Action::Adopted { session: *session, generation, frame, at: now_ms() })
            }
            Stored::Absent { generation } => {
                model.dispatch(Action::RemoteLoggedOut { generation });
                // Tokens a logout elsewhere could not remove (a commit raced it): remove them.
                wasm_bindgen_futures::spawn_local(async {
                    let task: locks::Task<()> = Box::new(|_, _held| Box::pin(async { store::remove_leftovers() }));
                    if let Err(error) = locks::exclusive(task).await {
                        log(web_sys::console::warn_1, format!("storage: {error}"));
                    }
                });
            }
            Stored::Changing { .. } => {}
        })
    };
    if !memory {
        return (storage, None);
    }
    let posted = {
        let model = model.clone();
        broadcast::listen(move |message| match message {
            Message::Session { session, generation, frame } => {
                if owned(&session) && store::adopt_posted(&session, generation, frame) {
                    model.dispatch(Action::Adopted { session: *session, generation, frame, at: now_ms() });
                }
            }
            Message::Hello => {
                if let Some(session) = model.session() {
                    let answer = Message::Session {
                        session: Box::new(session.clone()),
                        generation: model.generation,
                        frame: model.frame,
                    };
                    if let Err(error) = broadcast::post(&answer) {
                        log(web_sys::console::debug_1, format!("tabs: {error}"));
                    }
                }
            }
        })
    };
    match posted {
        Ok(listener) => (storage, Some(listener)),
        Err(error) => {
            log(web_sys::console::debug_1, format!("tabs: {error}"));
            (storage, None)
        }
    }
}

/// Revokes `refresh_token` at the provider, waiting at most `REVOKE_WAIT_MS`; `why` names the
/// step in what is logged. A failure is logged and does not stop the step: the token is already out
/// of storage, and expires on its own.
async fn revoke_within(setup: &AuthSetup, refresh_token: &str, why: &str) {
    let revoke = Box::pin(token_endpoint::revoke(setup, refresh_token));
    let limit = gloo_timers::future::TimeoutFuture::new(REVOKE_WAIT_MS);
    match futures::future::select(revoke, limit).await {
        futures::future::Either::Left((Ok(true), _)) => {
            log(web_sys::console::debug_1, format!("{why}: refresh token revoked"))
        }
        futures::future::Either::Left((Ok(false), _)) => {}
        futures::future::Either::Left((Err(error), _)) => {
            log(web_sys::console::warn_1, format!("{why}: the refresh token could not be revoked: {error}"));
        }
        futures::future::Either::Right(_) => {
            log(web_sys::console::warn_1, format!("{why}: the revocation endpoint did not answer in time"));
        }
    }
}

/// At start, under the lock: removes what another configuration of the app left in storage (a
/// switch to `memory` storage leaves `local` storage's tokens; see `LeftBehind`), and revokes the
/// refresh token among it, which this configuration would never present nor revoke at Log Out. A
/// session kept (moved into memory) is shown, if this configuration owns it and none is shown yet.
async fn sweep_left_behind(model: UseReducerHandle<AuthModel>, setup: Rc<AuthSetup>) {
    let task: locks::Task<Result<_, AuthError>> =
        Box::new(|_, held| Box::pin(async move { store::sweep_left_behind(&held).await }));
    let (left, kept) = match locks::exclusive(task).await.map_err(AuthError::from).and_then(|swept| swept) {
        Ok(swept) => swept,
        Err(error) => return log(web_sys::console::warn_1, format!("storage: what another mode left stays: {error}")),
    };
    if left.local_session || left.memory_seal {
        log(web_sys::console::info_1, "storage: removed what another token storage mode left".into());
    }
    if let Some((session, generation)) = kept {
        if session.belongs_to(&setup.config.issuer, &setup.config.client_id) && model.session().is_none() {
            let frame = store::frame_status(generation);
            model.dispatch(Action::Adopted { session, generation, frame, at: now_ms() });
        }
    }
    if let Some(rt) = left.refresh_token {
        revoke_within(&setup, &rt, "storage").await;
    }
}

/// Owns the auth state: restores the stored session synchronously so the first render is right
/// (memory storage: asks the other tabs and the provider), follows what other tabs store, and
/// provides the [`AuthContext`] to its children.
#[function_component]
pub fn AuthProvider(props: &AuthProviderProps) -> Html {
    let memory = props.setup.config.token_storage == TokenStorage::Memory;
    store::configure(props.setup.config.token_storage, props.setup.config.use_refresh_tokens);
    let model = use_reducer(|| {
        let config = &props.setup.config;
        AuthModel::restored(store::read(), store::frame_status(store::generation()), &config.issuer, &config.client_id)
    });
    let inflight = use_mut_ref(|| None);
    let context = AuthContext { model, setup: props.setup.clone(), inflight };
    {
        let context = context.clone();
        use_effect_with((), move |()| {
            let listeners = follow_other_tabs(&context.model, &context.setup, memory);
            if !store::left_behind().is_empty() {
                wasm_bindgen_futures::spawn_local(sweep_left_behind(context.model.clone(), context.setup.clone()));
            }
            if context.state == AuthState::Failed(AuthError::ForeignSession) {
                wasm_bindgen_futures::spawn_local(drop_foreign(context.model.clone()));
            } else if context.session().is_some_and(|s| s.is_expired(now_ms())) {
                // A session restored already expired may still be alive at the provider: try once.
                context.renew(Trigger::Scheduled);
            } else if memory && context.state == AuthState::Anonymous && store::session_elsewhere() {
                wasm_bindgen_futures::spawn_local(restore(context.model.clone(), context.setup.clone()));
            }
            move || drop(listeners)
        });
    }
    html! {
        <ContextProvider<AuthContext> {context}>
            { props.children.clone() }
        </ContextProvider<AuthContext>>
    }
}

/// The session's owner, from any component under [`AuthProvider`].
#[hook]
pub fn use_auth() -> AuthContext {
    use_context::<AuthContext>().expect("use_auth() is called by a component under <AuthProvider>")
}
