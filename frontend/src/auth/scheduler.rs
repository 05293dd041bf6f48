//! `<RenewalScheduler />`, mounted once under `AuthProvider`: it reads the session with `use_auth`
//! and turns the pure plan (`schedule::plan`) into one gloo `Timeout`, held in a ref and dropped to
//! cancel. It re-plans whenever the session, the renewal state or the failures change, when the
//! timer fires, and when the page becomes visible, gains focus, comes back online or is restored
//! from the back-forward cache — so a throttled background tab or a laptop that slept past the due
//! time renews at once on wake. A wait longer than `setTimeout` allows is split: the timer wakes
//! early, re-plans, and sleeps again. It draws nothing.

use std::rc::Rc;

use gloo_events::EventListener;
use gloo_timers::callback::Timeout;
use yew::prelude::*;

use super::browser::env::now_ms;
use super::context::{use_auth, AuthContext};
use super::model::Trigger;
use super::protocol::schedule::{wake_delay_ms, Plan};

/// A counter bumped to make the planning effect run again.
#[derive(Default, PartialEq)]
struct Tick(u64);

impl Reducible for Tick {
    type Action = ();
    fn reduce(self: Rc<Self>, (): ()) -> Rc<Self> {
        Rc::new(Tick(self.0.wrapping_add(1)))
    }
}

fn debug(message: &str) {
    web_sys::console::debug_1(&message.into());
}

/// Renews the session of the [`AuthContext`] it is mounted under, before its access token expires.
#[function_component]
pub fn RenewalScheduler() -> Html {
    let auth = use_auth();
    use_renewal_scheduler(&auth);
    Html::default()
}

/// Keeps the renewal timer of `auth`'s session: one `Timeout` at a time, re-planned on every change.
#[hook]
fn use_renewal_scheduler(auth: &AuthContext) {
    let auth = auth.clone();
    let tick = use_reducer(Tick::default);
    let timer = use_mut_ref(|| None::<Timeout>);

    {
        let tick = tick.clone();
        use_effect_with((), move |()| {
            let window = web_sys::window();
            let document = window.as_ref().and_then(|w| w.document());
            let mut listeners = Vec::new();
            if let Some(window) = &window {
                for event in ["focus", "online", "pageshow"] {
                    let tick = tick.clone();
                    listeners.push(EventListener::new(window, event, move |_| tick.dispatch(())));
                }
            }
            if let Some(document) = &document {
                let tick = tick.clone();
                listeners.push(EventListener::new(document, "visibilitychange", move |_| tick.dispatch(())));
            }
            move || drop(listeners)
        });
    }

    let expires_at = auth.session().map(|s| s.expires_at);
    let deps = (expires_at, auth.is_renewing(), auth.failures, tick.0);
    use_effect_with(deps, move |_| {
        timer.borrow_mut().take();
        let now = now_ms();
        match auth.plan(now) {
            _ if auth.is_renewing() => {}
            Some(Plan::RenewAt(at)) if at <= now => {
                debug(&format!("scheduler: renewal due {} s ago, renewing now", ((now - at) / 1000.0).round() as i64));
                auth.renew(Trigger::Scheduled);
            }
            Some(Plan::RenewAt(at)) => {
                let delay = wake_delay_ms(now, at);
                debug(&format!(
                    "scheduler: renewal due in {} s, next check in {} s",
                    ((at - now) / 1000.0).round() as i64,
                    delay / 1000
                ));
                let tick = tick.clone();
                *timer.borrow_mut() = Some(Timeout::new(delay, move || tick.dispatch(())));
            }
            Some(Plan::Expired) => {
                debug("scheduler: access token expired, automatic renewal stopped (Retry or Log In)")
            }
            Some(Plan::Exhausted { .. }) => {
                debug("scheduler: the next retry would come after expiry; the token stays in use until it expires")
            }
            Some(Plan::Halted) => debug("scheduler: last response rejected, not retrying automatically (Renew Token)"),
            None => {}
        }
        move || drop(timer.borrow_mut().take())
    });
}
