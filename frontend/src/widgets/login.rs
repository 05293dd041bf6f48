//! The Login panel: why you are not signed in (if there is a reason) and the Log In button.

use yew::prelude::*;

use crate::auth::{use_auth, AuthError, AuthState};
use crate::hooks::use_return_path;

/// Shown wherever a session is needed and there is none.
#[function_component]
pub fn Login() -> Html {
    let auth = use_auth();
    let return_to = use_return_path();
    let reason: Option<(&str, &AuthError)> = match &auth.state {
        AuthState::Ended(e) => Some(("Your session has ended at the identity provider. Please log in again.", e)),
        AuthState::Failed(e @ AuthError::ForeignSession) => Some(("Your stored session was not accepted.", e)),
        AuthState::Failed(e) => Some(("Login did not complete.", e)),
        AuthState::NotRestored(e) => Some(("Your session could not be restored after the reload.", e)),
        _ => None,
    };
    let onclick = {
        let auth = auth.clone();
        Callback::from(move |_| auth.login(&return_to))
    };
    html! {
        <section class="panel login" aria-labelledby="login-title">
            <h2 id="login-title">{ "You are not logged in" }</h2>
            if let Some((headline, error)) = reason {
                <div class="notice error" role="alert">
                    <p><strong>{ headline }</strong></p>
                    <p class="detail">{ error.to_string() }</p>
                    if error.ends_session() {
                        <p class="hint">
                            { "With Auth0, login_required during silent renewal is also what social logins with \
                               Auth0's dev keys cause: configure your own social connection keys." }
                        </p>
                    }
                </div>
            }
            <button type="button" class="primary" {onclick}>{ "Log In" }</button>
        </section>
    }
}
