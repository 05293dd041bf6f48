//! Ping: call the public, private and scoped API routes with the access token and show the JSON
//! or the error the server gave.

use std::rc::Rc;

use yew::prelude::*;

use crate::api::{self, Endpoint};
use crate::auth::use_auth;

/// Latest outcome per endpoint; a reducer so concurrent calls never overwrite each other.
#[derive(Default, PartialEq)]
struct Results(Vec<(&'static str, Result<String, String>)>);

impl Reducible for Results {
    type Action = (&'static str, Result<String, String>);
    fn reduce(self: Rc<Self>, (path, outcome): Self::Action) -> Rc<Self> {
        let mut next: Vec<_> = self.0.iter().filter(|(p, _)| *p != path).cloned().collect();
        next.push((path, outcome));
        Rc::new(Results(next))
    }
}

/// API playground.
#[function_component]
pub fn Ping() -> Html {
    let auth = use_auth();
    let results = use_reducer(Results::default);
    let signed_in = auth.session().is_some();
    let button = |endpoint: Endpoint| {
        let (auth_for_click, results_for_click) = (auth.clone(), results.clone());
        let onclick = Callback::from(move |_| {
            let (auth, results) = (auth_for_click.clone(), results_for_click.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let outcome = api::call(&auth, endpoint).await;
                let text = outcome.map_err(|e| e.to_string()).and_then(|v| {
                    serde_json::to_string_pretty(&v).map_err(|_| "the answer cannot be shown".to_owned())
                });
                results.dispatch((endpoint.path(), text));
            });
        });
        let result = results.0.iter().find(|(p, _)| *p == endpoint.path()).map(|(_, r)| match r {
            Ok(json) => html! { <pre class="ok" data-testid={endpoint.path()}>{ json }</pre> },
            Err(e) => {
                html! { <pre class="fail" role="alert" data-testid={endpoint.path()}>{ e }</pre> }
            }
        });
        html! {
            <div class="ping">
                <button type="button" {onclick}>{ endpoint.label() }</button>
                if endpoint.needs_login() && !signed_in {
                    <p class="hint">{ "Needs a login: without an access token the API answers 401." }</p>
                }
                { for result }
            </div>
        }
    };
    html! {
        <>
            <h1>{ "Ping the API" }</h1>
            <p class="lead">{ format!("Calls {} with the current access token as a bearer token.", auth.setup.config.api_base_url) }</p>
            <section class="panel">{ for Endpoint::ALL.into_iter().map(button) }</section>
        </>
    }
}
