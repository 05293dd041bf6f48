//! Home: who is signed in and the state of the session, or the way to sign in.

use yew::prelude::*;

use crate::auth::{use_auth, AuthState};
use crate::widgets::login::Login;
use crate::widgets::renewal_status::RenewalStatus;

/// The landing page.
#[function_component]
pub fn Home() -> Html {
    let auth = use_auth();
    html! {
        <>
            <h1>{ "Token Renewal" }</h1>
            <p class="lead">
                { "This app renews its access token silently, before it expires, with a rotating refresh \
                   token or a hidden frame: you stay signed in without seeing the identity provider again." }
            </p>
            if let Some(session) = auth.session() {
                <p role="status" class="signed-in">
                    { "You are logged in as " }<strong data-testid="user-name">{ session.display_name().to_owned() }</strong>{ "." }
                </p>
                <RenewalStatus />
            } else if auth.state == AuthState::Restoring {
                <section class="panel" aria-busy="true">
                    <p role="status">{ "Restoring your session from another tab or the identity provider…" }</p>
                </section>
            } else {
                <Login />
            }
        </>
    }
}
