//! The navigation bar: links, and the auth buttons that fit the current state.

use yew::prelude::*;

use crate::auth::{use_auth, Trigger};
use crate::router::{use_router, Link, Route};

/// Top navigation.
#[function_component]
pub fn Nav() -> Html {
    let auth = use_auth();
    let route = use_router().route;
    let link = |to: Route, label: &str| {
        let current = route == to;
        html! {
            <li><Link to={to} classes={classes!(current.then_some("active"))}>
                <span aria-current={current.then_some("page")}>{ label.to_owned() }</span>
            </Link></li>
        }
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
                    { link(Route::Home, "Home") }
                    { link(Route::Profile, "Profile") }
                    { link(Route::Ping, "Ping API") }
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
