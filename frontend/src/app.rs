//! The application shell: loads the run-time configuration, then mounts the auth provider (which
//! runs the renewal scheduler itself), the navigation and the routed pages.

use std::rc::Rc;

use yew::prelude::*;
use yew_router::prelude::*;

use crate::auth::browser::setup;
use crate::auth::{AuthError, AuthProvider, AuthSetup};
use crate::pages::{callback::Callback, home::Home, not_found::NotFound, ping::Ping, profile::Profile};
use crate::widgets::nav::Nav;

/// The app's routes.
#[derive(Debug, Clone, PartialEq, Eq, Routable)]
pub enum Route {
    /// Status and login.
    #[at("/")]
    Home,
    /// The user's profile.
    #[at("/profile")]
    Profile,
    /// API calls.
    #[at("/ping")]
    Ping,
    /// Login redirect target.
    #[at("/callback")]
    Callback,
    /// Anything else.
    #[not_found]
    #[at("/404")]
    NotFound,
}

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
            <BrowserRouter>
                <AuthProvider setup={setup.clone()}>
                    <Nav />
                    <main id="content"><Switch<Route> render={switch} /></main>
                </AuthProvider>
            </BrowserRouter>
        },
    }
}
