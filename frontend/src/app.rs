//! The application shell: with the run-time configuration loaded (by `main`), mounts the router,
//! the auth provider (which runs the renewal scheduler itself), the navigation and the page of the
//! route; or says why the app cannot start.

use std::rc::Rc;

use yew::prelude::*;

use crate::auth::{AuthError, AuthProvider, AuthSetup};
use crate::pages::{callback::Callback, home::Home, not_found::not_found, ping::Ping, profile::Profile};
use crate::router::{use_router, Route, RouterProvider};
use crate::widgets::nav::Nav;

/// Route → page.
pub fn switch(route: Route) -> Html {
    match route {
        Route::Home => html! { <Home /> },
        Route::Profile => html! { <Profile /> },
        Route::Ping => html! { <Ping /> },
        Route::Callback => html! { <Callback /> },
        Route::NotFound => not_found(),
    }
}

/// The page of the current route.
#[function_component]
fn Page() -> Html {
    switch(use_router().route)
}

/// What the app starts with: the loaded setup, or why it cannot start.
#[derive(Properties, PartialEq)]
pub struct AppProps {
    /// `/auth_config.json` and the discovery document, loaded before the first render.
    pub setup: Result<Rc<AuthSetup>, AuthError>,
}

/// Root component, mounted once the setup has loaded (the page shows a static "Loading…" until
/// then), so the first render is already the restored session.
#[function_component]
pub fn App(props: &AppProps) -> Html {
    match &props.setup {
        Err(error) => html! {
            <main class="config-error">
                <h1>{ "The app cannot start" }</h1>
                <p role="alert">{ error.to_string() }</p>
                <p>{ "Check /auth_config.json and that the identity provider is running (see the README)." }</p>
            </main>
        },
        Ok(setup) => html! {
            <RouterProvider>
                <AuthProvider setup={setup.clone()}>
                    <Nav />
                    <main id="content"><Page /></main>
                </AuthProvider>
            </RouterProvider>
        },
    }
}
