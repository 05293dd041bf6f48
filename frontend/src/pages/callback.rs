//! `/callback`: where the provider returns after login. Takes the answer `main` already moved out of
//! the address bar (codes and tokens must not linger in history), completes the login, and returns
//! to the page the user was on. An error response is shown, not swallowed, and never touches a live session.

use yew::prelude::*;
use yew_router::prelude::*;

use crate::auth::browser::redirect;
use crate::auth::{use_auth, AuthError};
use crate::route::Route;
use crate::widgets::login::Login;

/// Login completion page.
#[function_component]
pub fn Callback() -> Html {
    let auth = use_auth();
    let navigator = use_navigator();
    let error = use_state(|| None::<AuthError>);
    {
        let (auth, error) = (auth.clone(), error.clone());
        use_effect_with((), move |()| {
            // `main` took the answer out of the address bar before the app started.
            let answer = redirect::take().unwrap_or_default();
            wasm_bindgen_futures::spawn_local(async move {
                match auth.complete_login(&answer.hash, &answer.search).await {
                    Ok(return_to) => match navigator {
                        Some(navigator) => navigator.replace(&Route::after_login(&return_to)),
                        None => web_sys::console::error_1(&"callback: rendered outside the router".into()),
                    },
                    Err(e) => error.set(Some(e)),
                }
            });
        });
    }
    match (&*error, auth.session().is_some()) {
        (None, _) => {
            html! { <section class="panel" aria-busy="true"><p role="status">{ "Completing login…" }</p></section> }
        }
        (Some(_), false) => html! { <Login /> },
        (Some(e), true) => html! {
            <section class="panel">
                <div class="notice error" role="alert">
                    <p><strong>{ "That login response was refused; your current session is unchanged." }</strong></p>
                    <p class="detail">{ e.to_string() }</p>
                </div>
                <Link<Route> to={Route::Home}>{ "Back to the app" }</Link<Route>>
            </section>
        },
    }
}
