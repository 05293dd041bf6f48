//! The navigation bar: links, and the auth buttons that fit the current state.

use yew::prelude::*;
use yew_router::prelude::*;

use crate::auth::{use_auth, Trigger};
use crate::hooks::use_return_path;
use crate::route::Route;

/// Top navigation.
#[function_component]
pub fn Nav() -> Html {
    let auth = use_auth();
    let route = use_route::<Route>();
    let return_to = use_return_path();
    let item = |to: Route, label: &'static str| {
        let current = route == Some(to);
        html! {
            <li>
                <Link<Route> {to} classes={classes!(current.then_some("active"))}>
                    <span aria-current={current.then_some("page")}>{ label }</span>
                </Link<Route>>
            </li>
        }
    };
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
        Callback::from(move |_| auth.login(&return_to))
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
                    if auth.session().is_some() {
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
