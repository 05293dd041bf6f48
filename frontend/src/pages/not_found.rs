//! The page for unknown routes.

use yew::prelude::*;
use yew_router::prelude::*;

use crate::route::Route;

/// 404 page.
#[function_component]
pub fn NotFound() -> Html {
    html! {
        <section class="panel">
            <h1>{ "Page not found" }</h1>
            <p>{ "There is nothing at this address. " }<Link<Route> to={Route::Home}>{ "Go home" }</Link<Route>></p>
        </section>
    }
}
