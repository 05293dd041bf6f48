//! The page for unknown routes.

use yew::prelude::*;

use crate::router::{link, Route, Router};

/// 404 page.
pub fn not_found(router: &Router) -> Html {
    html! {
        <section class="panel">
            <h1>{ "Page not found" }</h1>
            <p>{ "There is nothing at this address. " }{ link(router, Route::Home, false, html! { "Go home" }) }</p>
        </section>
    }
}
