//! Hooks shared by pages and widgets.

use gloo_timers::callback::Interval;
use yew::prelude::*;

use crate::auth::browser::env::now_ms;

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
