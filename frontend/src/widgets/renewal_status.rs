//! The session's vital signs: access-token expiry with a live countdown, the next scheduled
//! renewal (or why there is none: retries exhausted while the token is still valid, paused after a
//! rejected answer, expired), the last renewal's result, and, once the token has expired, Retry and
//! Log In.

use yew::prelude::*;

use crate::auth::protocol::config::Flow;
use crate::auth::protocol::paths::FrameStatus;
use crate::auth::protocol::schedule::Plan;
use crate::auth::{use_auth, Trigger};
use crate::format::{clock_time, epoch_ms_text, iso_time, relative};
use crate::hooks::{use_now, use_return_path};
use crate::widgets::timeline::Timeline;

/// Status panel for a signed-in user.
#[function_component]
pub fn RenewalStatus() -> Html {
    let auth = use_auth();
    let now = use_now(1000);
    let return_to = use_return_path();
    let Some(session) = auth.session() else {
        return html! {};
    };
    let next = match (auth.is_renewing(), auth.plan(now)) {
        (true, _) => html! { <span class="badge busy">{ "renewing now…" }</span> },
        (false, Some(Plan::RenewAt(at))) => html! {
            <><time data-testid="next-renewal" datetime={iso_time(at)} data-epoch-ms={epoch_ms_text(at)}>{ clock_time(at) }</time>{ format!(" ({})", relative(at - now)) }</>
        },
        (false, Some(Plan::Halted)) => {
            html! { <span class="badge warn">{ "paused — the last response was rejected; use Renew Token" }</span> }
        }
        (false, Some(Plan::Exhausted { valid_until })) => html! {
            <span class="badge warn">
                { "none — retries exhausted, token valid until " }
                <time datetime={iso_time(valid_until)}>{ clock_time(valid_until) }</time>
                { format!(" ({}); use Renew Token to try again", relative(valid_until - now)) }
            </span>
        },
        (false, _) => {
            html! { <span class="badge warn">{ "none — the access token has expired" }</span> }
        }
    };
    let last = auth.last_renewal.as_ref().map(|r| {
        let how = r.trigger.label();
        let via = r.via.map(|p| format!(" via {}", p.label())).unwrap_or_default();
        match &r.outcome {
            Ok(_) => html! { <span class="ok">{ format!("succeeded at {} ({how}){via}", clock_time(r.at)) }</span> },
            Err(e) => html! { <span class="fail">{ format!("failed at {} ({how}): {e}", clock_time(r.at)) }</span> },
        }
    });
    let path = match (auth.setup.config.flow, session.refresh_token.is_some(), auth.frame) {
        (Flow::Implicit, _, _) => "silent frame (the tutorial's implicit flow)",
        (Flow::Code, true, FrameStatus::Blocked) => {
            "refresh token: the browser blocks the silent frame; renewing with refresh tokens"
        }
        (Flow::Code, true, FrameStatus::Works) => "refresh token (rotating); the silent frame works as a fallback",
        (Flow::Code, true, FrameStatus::Unknown) => {
            "refresh token (rotating); the first renewal checks the silent frame"
        }
        (Flow::Code, false, _) => "silent frame (code + PKCE; no refresh token)",
    };
    let expired = session.is_expired(now);
    let retry = {
        let auth = auth.clone();
        Callback::from(move |_| auth.renew(Trigger::Manual))
    };
    let login = {
        let auth = auth.clone();
        Callback::from(move |_| auth.login(&return_to))
    };
    html! {
        <section class="panel status" aria-labelledby="status-title">
            <h2 id="status-title">{ "Session" }</h2>
            <dl>
                <dt>{ "Access token expires" }</dt>
                <dd>
                    <time data-testid="expires-at" datetime={iso_time(session.expires_at)} data-epoch-ms={epoch_ms_text(session.expires_at)}>{ clock_time(session.expires_at) }</time>
                    <span data-testid="countdown">{ format!(" ({})", relative(session.expires_at - now)) }</span>
                </dd>
                <dt>{ "Next renewal" }</dt>
                <dd data-testid="next-renewal-status">{ next }</dd>
                <dt>{ "Tokens" }</dt>
                <dd data-testid="token-binding">
                    { if session.bound {
                        "bound to this browser's key (DPoP): a copy is useless without it"
                    } else {
                        "bearer: whoever holds a copy can use it"
                    } }
                </dd>
                <dt>{ "Renewal path" }</dt>
                <dd data-testid="renewal-path">{ path }</dd>
                <dt>{ "Last renewal" }</dt>
                <dd data-testid="last-renewal">{ last.unwrap_or_else(|| html! { "none yet" }) }</dd>
                <dt>{ "Renewals this visit" }</dt>
                <dd data-testid="renewal-count">{ auth.renewals }</dd>
                <dt>{ "Failed attempts in a row" }</dt>
                <dd data-testid="attempts">{ auth.failures.count }</dd>
            </dl>
            <Timeline history={auth.history.clone()} {now} />
            if expired && !auth.is_renewing() {
                <div class="notice warn" role="alert">
                    <p><strong>{ "Your access token has expired and could not be renewed." }</strong></p>
                    <button type="button" onclick={retry}>{ "Retry" }</button>
                    <button type="button" class="secondary" onclick={login}>{ "Log In" }</button>
                </div>
            }
        </section>
    }
}
