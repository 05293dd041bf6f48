//! `make bench`'s reference for the app's first load: the design card's crates in a minimal app,
//! built with the app's profile, wasm-opt settings, glue minification and compression. yew-router
//! with the app's five routes, `BrowserRouter`, `Switch` and `Link`; one `ContextProvider` read by
//! three components; gloo-storage; gloo-timers; serde deriving and parsing one struct with the JSON
//! engine the feature names (`json-serde`: serde_json, the app's; `json-js`: the browser's
//! `JSON.parse` through serde-wasm-bindgen). What it weighs is what the card costs; everything above
//! it in the app's figure is the app's own.
//!
//! With `?parse-bench` in the address, it also times its engine on a discovery document, after the
//! first render, and logs `bench:parse <ns per parse> ns`.

use std::rc::Rc;

use gloo_storage::{LocalStorage, Storage as _};
use gloo_timers::callback::Interval;
use serde::Deserialize;
use yew::prelude::*;
use yew_router::prelude::*;

/// The app's routes.
#[derive(Routable, Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    #[at("/")]
    Home,
    #[at("/profile")]
    Profile,
    #[at("/ping")]
    Ping,
    #[at("/callback")]
    Callback,
    #[not_found]
    #[at("/404")]
    NotFound,
}

/// The one struct parsed: the shape of an OpenID discovery document, as the app reads it.
#[derive(Clone, PartialEq, Deserialize)]
struct Discovery {
    issuer: String,
    authorization_endpoint: String,
    jwks_uri: String,
    #[serde(default)]
    token_endpoint: Option<String>,
    #[serde(default)]
    dpop_signing_alg_values_supported: Vec<String>,
}

const DOCUMENT: &str = r#"{"issuer":"http://localhost:4000","authorization_endpoint":"http://localhost:4000/authorize",
"jwks_uri":"http://localhost:4000/.well-known/jwks.json","token_endpoint":"http://localhost:4000/oauth/token",
"userinfo_endpoint":"http://localhost:4000/userinfo","end_session_endpoint":"http://localhost:4000/v2/logout",
"revocation_endpoint":"http://localhost:4000/oauth/revoke","response_types_supported":["code","id_token token"],
"grant_types_supported":["authorization_code","implicit","refresh_token"],"scopes_supported":["openid","offline_access",
"profile","email"],"claims_supported":["sub","name","email","picture","sid","auth_time","iss"],
"code_challenge_methods_supported":["S256"],"dpop_signing_alg_values_supported":["ES256"],
"id_token_signing_alg_values_supported":["RS256"],"token_endpoint_auth_methods_supported":["none"]}"#;

#[cfg(feature = "json-serde")]
fn parse(text: &str) -> Option<Discovery> {
    serde_json::from_str(text).ok()
}

#[cfg(all(feature = "json-js", not(feature = "json-serde")))]
fn parse(text: &str) -> Option<Discovery> {
    let value = js_sys::JSON::parse(text).ok()?;
    serde_wasm_bindgen::from_value(value).ok()
}

/// What the three components share.
#[derive(Clone, PartialEq)]
struct Shared {
    discovery: Option<Rc<Discovery>>,
    visits: u32,
}

#[function_component]
fn Nav() -> Html {
    let shared = use_context::<Shared>().expect("under the provider");
    html! {
        <nav aria-label="Main">
            <Link<Route> to={Route::Home}>{ "Home" }</Link<Route>>
            <Link<Route> to={Route::Profile}>{ "Profile" }</Link<Route>>
            <Link<Route> to={Route::Ping}>{ "Ping" }</Link<Route>>
            <span>{ format!(" visit {}", shared.visits) }</span>
        </nav>
    }
}

#[function_component]
fn Home() -> Html {
    let shared = use_context::<Shared>().expect("under the provider");
    let issuer = shared.discovery.as_ref().map(|d| d.issuer.clone()).unwrap_or_default();
    html! { <main><h1 data-testid="rendered">{ "Reference" }</h1><p>{ issuer }</p></main> }
}

#[function_component]
fn Profile() -> Html {
    let shared = use_context::<Shared>().expect("under the provider");
    let endpoints = shared.discovery.as_ref().map(|d| {
        let token = d.token_endpoint.clone().unwrap_or_default();
        format!("{} {} {token} {}", d.authorization_endpoint, d.jwks_uri, d.dpop_signing_alg_values_supported.join(","))
    });
    html! { <main><h1>{ "Profile" }</h1><p>{ endpoints.unwrap_or_default() }</p></main> }
}

fn switch(route: Route) -> Html {
    match route {
        Route::Home | Route::Callback => html! { <Home /> },
        Route::Profile | Route::Ping => html! { <Profile /> },
        Route::NotFound => html! { <main>{ "Not found" }</main> },
    }
}

/// Times the engine on `DOCUMENT` and logs it (`?parse-bench` only).
fn parse_bench() {
    let Some(performance) = web_sys::window().and_then(|w| w.performance()) else { return };
    const ROUNDS: u32 = 2_000;
    let started = performance.now();
    let parsed = (0..ROUNDS).filter(|_| parse(DOCUMENT).is_some()).count();
    let per_parse_ns = ((performance.now() - started) * 1e6 / f64::from(ROUNDS)).round() as u64;
    web_sys::console::log_1(&format!("bench:parse {per_parse_ns} ns, {parsed} parsed").into());
}

#[function_component]
fn App() -> Html {
    let visits = use_state(|| LocalStorage::get::<u32>("visits").unwrap_or(0) + 1);
    let tick = use_state(|| 0_u32);
    {
        let (visits, tick) = (*visits, tick.clone());
        use_effect_with((), move |()| {
            if let Err(error) = LocalStorage::set("visits", visits) {
                web_sys::console::warn_1(&error.to_string().into());
            }
            web_sys::console::log_1(&"bench:rendered".into());
            let query = web_sys::window().and_then(|w| w.location().search().ok()).unwrap_or_default();
            if query.contains("parse-bench") {
                parse_bench();
            }
            let interval = Interval::new(60_000, move || tick.set(*tick + 1));
            move || drop(interval)
        });
    }
    let shared = Shared { discovery: parse(DOCUMENT).map(Rc::new), visits: *visits };
    html! {
        <BrowserRouter>
            <ContextProvider<Shared> context={shared}>
                <Nav />
                <Switch<Route> render={switch} />
            </ContextProvider<Shared>>
        </BrowserRouter>
    }
}

fn main() {
    yew::Renderer::<App>::new().render();
}
