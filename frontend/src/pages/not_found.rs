//! The page for unknown routes.

use yew::prelude::*;

use crate::router::{Link, Route};

/// 404 page.
pub fn not_found() -> Html {
    html! {
        <section class="panel">
            <h1>{ "Page not found" }</h1>
            <p>{ "There is nothing at this address. " }<Link to={Route::Home}>{ "Go home" }</Link></p>
        </section>
    }
}
