//! The application shell: loads the run-time configuration, then mounts the router, the auth
//! provider (which runs the renewal scheduler itself), the navigation and the page of the route.

use std::rc::Rc;

use yew::prelude::*;

use crate::auth::browser::setup;
use crate::auth::{AuthError, AuthProvider, AuthSetup};
use crate::pages::{callback::Callback, home::Home, not_found::NotFound, ping::Ping, profile::Profile};
use crate::router::{use_router, Route, RouterProvider};
use crate::widgets::nav::Nav;

/// Route → page.
pub fn switch(route: Route) -> Html {
    match route {
        Route::Home => html! { <Home /> },
        Route::Profile => html! { <Profile /> },
        Route::Ping => html! { <Ping /> },
        Route::Callback => html! { <Callback /> },
        Route::NotFound => html! { <NotFound /> },
    }
}

/// The page of the current route.
#[function_component]
fn Page() -> Html {
    switch(use_router().route)
}

/// Root component.
#[function_component]
pub fn App() -> Html {
    let setup = use_state(|| None::<Result<Rc<AuthSetup>, AuthError>>);
    {
        let setup = setup.clone();
        use_effect_with((), move |()| {
            wasm_bindgen_futures::spawn_local(async move {
                setup.set(Some(setup::load().await.map(Rc::new)));
            });
        });
    }
    match &*setup {
        None => html! { <main class="loading" aria-busy="true"><p>{ "Loading…" }</p></main> },
        Some(Err(error)) => html! {
            <main class="config-error">
                <h1>{ "The app cannot start" }</h1>
                <p role="alert">{ error.to_string() }</p>
                <p>{ "Check /auth_config.json and that the identity provider is running (see the README)." }</p>
            </main>
        },
        Some(Ok(setup)) => html! {
            <RouterProvider>
                <AuthProvider setup={setup.clone()}>
                    <Nav />
                    <main id="content"><Page /></main>
                </AuthProvider>
            </RouterProvider>
        },
    }
}
