//! The application shell: with the run-time configuration loaded (by `main`), the router, the
//! session's owner and its scheduler, the navigation and the page of the current route; or, when
//! the app cannot start, why.

use std::rc::Rc;

use yew::prelude::*;
use yew_router::prelude::*;

use crate::auth::{AuthError, AuthProvider, AuthSetup, RenewalScheduler};
use crate::pages::{callback::Callback, home::Home, not_found::NotFound, ping::Ping, profile::Profile};
use crate::route::Route;
use crate::widgets::nav::Nav;

/// Route → page.
fn switch(route: Route) -> Html {
    match route {
        Route::Home => html! { <Home /> },
        Route::Profile => html! { <Profile /> },
        Route::Ping => html! { <Ping /> },
        Route::Callback => html! { <Callback /> },
        Route::NotFound => html! { <NotFound /> },
    }
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
            <BrowserRouter>
                <AuthProvider setup={setup.clone()}>
                    <RenewalScheduler />
                    <Nav />
                    <main id="content"><Switch<Route> render={switch} /></main>
                </AuthProvider>
            </BrowserRouter>
        },
    }
}
