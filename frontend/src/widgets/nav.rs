//! The navigation bar: links, and the auth buttons that fit the current state.

use yew::prelude::*;

use crate::auth::{AuthContext, Trigger};
use crate::router::{link, Route, Router};

/// Top navigation. A function of the shell's `auth` and `router`, not a component: it has no state
/// of its own, and each component type costs ~1 KB of wasm.
pub fn nav(auth: &AuthContext, router: &Router) -> Html {
    let item = |to: Route, label: &'static str| {
        let current = router.route == to;
        let label = html! { <span aria-current={current.then_some("page")}>{ label }</span> };
        html! { <li>{ link(router, to, current, label) }</li> }
    };
    let signed_in = auth.session().is_some();
    let renew = {
        let auth = auth.clone();
        Callback::from(move |_| auth.renew(Trigger::Manual))
    };
    let logout = {
        let auth = auth.clone();
        Callback::from(move |_| auth.logout())
    };
    let login = {
        let auth = auth.clone();
        Callback::from(move |_| auth.login(&current_path()))
    };
    html! {
        <header class="navbar">
            <nav aria-label="Main">
                <span class="brand">{ "Token Renewal" }</span>
                <ul>
                    { item(Route::Home, "Home") }
                    { item(Route::Profile, "Profile") }
                    { item(Route::Ping, "Ping API") }
                </ul>
                <div class="actions">
                    if signed_in {
                        <button type="button" onclick={renew} disabled={auth.is_renewing()}>
                            { if auth.is_renewing() { "Renewing…" } else { "Renew Token" } }
                        </button>
                        <button type="button" class="secondary" onclick={logout}>{ "Log Out" }</button>
                    } else {
                        <button type="button" onclick={login}>{ "Log In" }</button>
                    }
                </div>
            </nav>
        </header>
    }
}

/// Path (and query) of the current page, to come back to after login.
pub fn current_path() -> String {
    let location = web_sys::window().map(|w| w.location());
    let path = location.as_ref().and_then(|l| l.pathname().ok()).unwrap_or_else(|| "/".into());
    let search = location.and_then(|l| l.search().ok()).unwrap_or_default();
    if path == "/callback" {
        "/".into()
    } else {
        format!("{path}{search}")
    }
}
