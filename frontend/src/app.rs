//! The application shell: loads the run-time configuration, then mounts the auth provider, the
//! renewal scheduler, the navigation and the routed pages.

use std::rc::Rc;

use yew::prelude::*;
use yew_router::prelude::*;

use crate::auth::client::{self, Runtime};
use crate::auth::{AuthError, AuthProvider};
use crate::components::renewal_scheduler::RenewalScheduler;
use crate::components::{callback::Callback, home::Home, nav::Nav, not_found::NotFound, ping::Ping, profile::Profile};

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
    let runtime = use_state(|| None::<Result<Rc<Runtime>, AuthError>>);
    {
        let runtime = runtime.clone();
        use_effect_with((), move |()| {
            wasm_bindgen_futures::spawn_local(async move {
                runtime.set(Some(client::load_runtime().await.map(Rc::new)));
            });
        });
    }
    match &*runtime {
        None => html! { <main class="loading" aria-busy="true"><p>{ "Loading…" }</p></main> },
        Some(Err(error)) => html! {
            <main class="config-error">
                <h1>{ "The app cannot start" }</h1>
                <p role="alert">{ error.to_string() }</p>
                <p>{ "Check /auth_config.json and that the identity provider is running (see the README)." }</p>
            </main>
        },
        Some(Ok(runtime)) => html! {
            <BrowserRouter>
                <AuthProvider runtime={runtime.clone()}>
                    <RenewalScheduler />
                    <Nav />
                    <main id="content"><Switch<Route> render={switch} /></main>
                </AuthProvider>
            </BrowserRouter>
        },
    }
}
