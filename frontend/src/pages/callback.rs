//! `/callback`: where the provider returns after login. Takes the answer `main` already moved out of
//! the address bar (codes and tokens must not linger in history), completes the login, and returns
//! to the page the user was on. An error response is shown, not swallowed, and never touches a live session.

use yew::prelude::*;

use crate::auth::browser::redirect;
use crate::auth::{AuthContext, AuthError};
use crate::router::{link, Route, Router};
use crate::widgets::login::login;

/// The login completion page's props: the session's owner, which completes the login, and the
/// router, to return to the page the user was on.
#[derive(Properties, PartialEq)]
pub struct CallbackProps {
    /// The session's owner.
    pub auth: AuthContext,
    /// The app's router.
    pub router: Router,
}

/// Login completion page.
#[function_component]
pub fn Callback(props: &CallbackProps) -> Html {
    let auth = props.auth.clone();
    let router = props.router.clone();
    let error = use_state(|| None::<AuthError>);
    {
        let (auth, router, error) = (auth.clone(), router.clone(), error.clone());
        use_effect_with((), move |()| {
            // `main` took the answer out of the address bar before the app started.
            let answer = redirect::take().unwrap_or_default();
            wasm_bindgen_futures::spawn_local(async move {
                match auth.complete_login(&answer.hash, &answer.search).await {
                    Ok(return_to) => {
                        // Only same-app paths: never an open redirect.
                        let safe = return_to.starts_with('/') && !return_to.starts_with("//");
                        let route = if safe { Route::recognize(&return_to) } else { Route::Home };
                        router.replace(if route == Route::NotFound { Route::Home } else { route });
                    }
                    Err(e) => error.set(Some(e)),
                }
            });
        });
    }
    match (&*error, auth.session().is_some()) {
        (None, _) => {
            html! { <section class="panel" aria-busy="true"><p role="status">{ "Completing login…" }</p></section> }
        }
        (Some(_), false) => login(&auth),
        (Some(e), true) => html! {
            <section class="panel">
                <div class="notice error" role="alert">
                    <p><strong>{ "That login response was refused; your current session is unchanged." }</strong></p>
                    <p class="detail">{ e.to_string() }</p>
                </div>
                { link(&router, Route::Home, false, html! { "Back to the app" }) }
            </section>
        },
    }
}
