//! The app's five routes, without a routing library: the path in the address bar picks the page,
//! links push history entries, and the back button (`popstate`) is followed. yew-router with
//! gloo-history and route-recognizer cost about 20 KB of the bundle for this (issue 9).

use gloo_events::EventListener;
use yew::prelude::*;

/// The app's routes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// Status and login.
    Home,
    /// The user's profile.
    Profile,
    /// API calls.
    Ping,
    /// Login redirect target.
    Callback,
    /// Anything else.
    NotFound,
}

impl Route {
    /// The route of a path; a query or fragment after it is ignored.
    pub fn recognize(path: &str) -> Self {
        match path.split(['?', '#']).next().unwrap_or_default() {
            "/" => Self::Home,
            "/profile" => Self::Profile,
            "/ping" => Self::Ping,
            "/callback" => Self::Callback,
            _ => Self::NotFound,
        }
    }

    /// Where the route lives.
    pub fn path(self) -> &'static str {
        match self {
            Self::Home => "/",
            Self::Profile => "/profile",
            Self::Ping => "/ping",
            Self::Callback => "/callback",
            Self::NotFound => "/404",
        }
    }
}

/// The page's current route, from the address bar.
fn current() -> Route {
    let path = web_sys::window().and_then(|w| w.location().pathname().ok()).unwrap_or_default();
    Route::recognize(&path)
}

/// The current route, and how to change it (from [`use_router_root`], handed down as a prop).
#[derive(Clone, PartialEq)]
pub struct Router {
    /// Where the app is.
    pub route: Route,
    navigate: Callback<(Route, bool)>,
}

impl Router {
    /// Goes to `route` with a new history entry.
    pub fn push(&self, route: Route) {
        self.navigate.emit((route, false));
    }

    /// Goes to `route` in place of the current history entry.
    pub fn replace(&self, route: Route) {
        self.navigate.emit((route, true));
    }
}

/// Keeps the current route and follows the back and forward buttons: the router the app's root
/// hands to the shell, which hands it to the pages that navigate. A hook of the root rather than a
/// provider component of its own: one component type fewer (~1 KB of wasm).
#[hook]
pub fn use_router_root() -> Router {
    let route = use_state(current);
    {
        let route = route.clone();
        use_effect_with((), move |()| {
            let listener = web_sys::window().map(|w| EventListener::new(&w, "popstate", move |_| route.set(current())));
            move || drop(listener)
        });
    }
    let navigate = {
        let route = route.clone();
        Callback::from(move |(to, replace): (Route, bool)| {
            if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
                let null = wasm_bindgen::JsValue::NULL;
                let moved = if replace {
                    history.replace_state_with_url(&null, "", Some(to.path()))
                } else {
                    history.push_state_with_url(&null, "", Some(to.path()))
                };
                if let Err(e) = moved {
                    web_sys::console::warn_1(&e);
                }
            }
            route.set(to);
        })
    };
    Router { route: *route, navigate }
}

/// A link to a route: a real `<a href>` (it opens in a new tab as usual), followed in place on a
/// plain click; `active` marks the current page's link (`class="active"`). A function of the
/// caller's router, not a component: every caller already holds it, and each component type costs
/// ~1 KB of wasm.
///
/// The class is a literal in one of two branches, never a computed value: Yew builds a computed
/// `class` through `Classes` (an ordered set with SipHash), ~1.7 KB of the first load (gzip) for
/// this one attribute. `lib.rs`'s source checks keep computed classes out.
pub fn link(router: &Router, to: Route, active: bool, children: Html) -> Html {
    let router = router.clone();
    let onclick = Callback::from(move |event: MouseEvent| {
        let modified = event.ctrl_key() || event.meta_key() || event.shift_key() || event.alt_key();
        if event.button() == 0 && !modified {
            event.prevent_default();
            router.push(to);
        }
    });
    let href = to.path();
    if active {
        html! { <a {href} class="active" {onclick}>{ children }</a> }
    } else {
        html! { <a {href} {onclick}>{ children }</a> }
    }
}

#[cfg(test)]
mod tests {
    use super::Route;

    #[test]
    fn paths_and_routes_match_both_ways() {
        for route in [Route::Home, Route::Profile, Route::Ping, Route::Callback] {
            assert_eq!(Route::recognize(route.path()), route);
        }
        assert_eq!(Route::recognize("/profile?tab=claims#x"), Route::Profile);
        assert_eq!(Route::recognize("/profile/"), Route::NotFound);
        assert_eq!(Route::recognize("//evil.example/"), Route::NotFound);
        assert_eq!(Route::recognize(""), Route::NotFound);
    }
}
