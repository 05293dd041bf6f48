//! Hooks shared by pages and widgets.

use gloo_timers::callback::Interval;
use yew::prelude::*;
use yew_router::prelude::*;

use crate::auth::browser::env::now_ms;
use crate::route::Route;

/// The current time (epoch ms) for live countdowns: re-renders every `period_ms`, and reads the
/// clock at each render (also the ones a state change causes), so a countdown is never a tick old,
/// even right after the machine slept. The `Interval` lives in the effect and is dropped (cancelled)
/// on unmount.
#[hook]
pub fn use_now(period_ms: u32) -> f64 {
    let rerender = use_force_update();
    use_effect_with(period_ms, move |&period| {
        let interval = Interval::new(period, move || rerender.force_update());
        move || drop(interval)
    });
    now_ms()
}

/// Where a login started here should come back to: this page's path and query, or Home from the
/// callback page.
#[hook]
pub fn use_return_path() -> String {
    let route = use_route::<Route>();
    let location = use_location();
    match (route, location) {
        (Some(Route::Callback), _) | (_, None) => "/".to_owned(),
        (_, Some(location)) => format!("{}{}", location.path(), location.query_str()),
    }
}
