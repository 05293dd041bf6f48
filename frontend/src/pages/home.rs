//! Home: who is signed in and the state of the session, or the way to sign in.

use yew::prelude::*;

use crate::auth::{AuthContext, AuthState};
use crate::widgets::login::login;
use crate::widgets::renewal_status::RenewalStatus;

/// The landing page. A function of the shell's `auth`, not a component: it has no state of its
/// own, and each component type costs ~1 KB of wasm. The status panel keeps its own clock.
pub fn home(auth: &AuthContext) -> Html {
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
                <RenewalStatus auth={auth.clone()} />
            } else if auth.state == AuthState::Restoring {
                <section class="panel" aria-busy="true">
                    <p role="status">{ "Restoring your session from another tab or the identity provider…" }</p>
                </section>
            } else {
                { login(auth) }
            }
        </>
    }
}
