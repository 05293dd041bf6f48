//! The application shell: with the run-time configuration loaded (by `main`), keeps the router and
//! has `AuthProvider` (which runs the renewal scheduler itself) draw the navigation and the page of
//! the route with the session; or says why the app cannot start.
//!
//! The router and the auth context are handed down as props, not through Yew's context API: each
//! `ContextProvider` type with its `use_context` hook costs ~1–3 KB of the first load (gzip), and
//! here they would carry two values one or two levels down.

use std::rc::Rc;

use yew::prelude::*;

use crate::auth::{AuthContext, AuthError, AuthProvider, AuthSetup};
use crate::pages::{callback::Callback, home::home, not_found::not_found, ping::Ping, profile::Profile};
use crate::router::{use_router_root, Route, Router};
use crate::widgets::nav::nav;

/// Route → page.
pub fn switch(auth: &AuthContext, router: &Router) -> Html {
    match router.route {
        Route::Home => home(auth),
        Route::Profile => html! { <Profile auth={auth.clone()} /> },
        Route::Ping => html! { <Ping auth={auth.clone()} /> },
        Route::Callback => html! { <Callback auth={auth.clone()} router={router.clone()} /> },
        Route::NotFound => not_found(router),
    }
}

/// The navigation and the page of the current route: what `AuthProvider` draws, again when the
/// session or the route changes. A function, not a component: it has no state of its own, and it
/// is drawn again on exactly the changes that would change its props. Pages with state of their
/// own (Profile, Ping, Callback, the status panel) are components and keep it.
pub fn page(auth: &AuthContext, router: &Router) -> Html {
    html! {
        <>
            { nav(auth, router) }
            <main id="content">{ switch(auth, router) }</main>
        </>
    }
}

/// What the app starts with: the loaded setup, or why it cannot start.
#[derive(Properties)]
pub struct AppProps {
    /// `/auth_config.json` and the discovery document, loaded before the first render.
    pub setup: Result<Rc<AuthSetup>, AuthError>,
}

/// The root's props are given once; the same setup is the same `Rc` (no deep comparison of the
/// configuration in the bundle).
impl PartialEq for AppProps {
    fn eq(&self, other: &Self) -> bool {
        match (&self.setup, &other.setup) {
            (Ok(a), Ok(b)) => Rc::ptr_eq(a, b),
            (Err(a), Err(b)) => a == b,
            _ => false,
        }
    }
}

/// Root component, mounted once the setup has loaded (the page shows a static "Loading…" until
/// then), so the first render is already the restored session. It owns the router.
#[function_component]
pub fn App(props: &AppProps) -> Html {
    let router = use_router_root();
    match &props.setup {
        Err(error) => html! {
            <main class="config-error">
                <h1>{ "The app cannot start" }</h1>
                <p role="alert">{ error.to_string() }</p>
                <p>{ "Check /auth_config.json and that the identity provider is running (see the README)." }</p>
            </main>
        },
        Ok(setup) => {
            let render = yew::Callback::from(move |auth: AuthContext| page(&auth, &router));
            html! { <AuthProvider setup={setup.clone()} {render} /> }
        }
    }
}
