//! The app's routes, for yew-router: `BrowserRouter` keeps the current one from the address bar,
//! `Switch<Route>` draws its page, and `Link<Route>` and `use_navigator` move between them.

use yew_router::prelude::*;

/// Where the app can be.
#[derive(Routable, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// Status and login.
    #[at("/")]
    Home,
    /// The user's profile.
    #[at("/profile")]
    Profile,
    /// API calls.
    #[at("/ping")]
    Ping,
    /// Login redirect target.
    #[at("/callback")]
    Callback,
    /// Anything else.
    #[not_found]
    #[at("/404")]
    NotFound,
}

impl Route {
    /// Where a completed login goes: the app's own route for the path it started from, else Home.
    /// The app navigates to a route, never to the stored text, so no path can lead off the app (no
    /// open redirect), and a path the app does not know, or the callback itself, leads Home.
    pub fn after_login(return_to: &str) -> Self {
        let path = return_to.split(['?', '#']).next().unwrap_or_default();
        let in_app = path.starts_with('/') && !path.starts_with("//");
        match Self::recognize(path).filter(|_| in_app) {
            Some(Self::NotFound | Self::Callback) | None => Self::Home,
            Some(route) => route,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Route;
    use yew_router::Routable as _;

    #[test]
    fn paths_and_routes_match_both_ways() {
        for route in [Route::Home, Route::Profile, Route::Ping, Route::Callback] {
            assert_eq!(Route::recognize(&route.to_path()), Some(route));
        }
        assert_eq!(Route::recognize("/nowhere"), Some(Route::NotFound));
        assert_eq!(Route::recognize("//evil.example/"), Some(Route::NotFound));
    }

    #[test]
    fn a_login_returns_only_to_a_route_of_the_app() {
        for (return_to, route) in [
            ("/", Route::Home),
            ("/profile", Route::Profile),
            ("/profile?tab=claims#x", Route::Profile),
            ("/ping", Route::Ping),
            ("/callback", Route::Home),
            ("/nowhere", Route::Home),
            ("//evil.example/ping", Route::Home),
            ("https://evil.example/profile", Route::Home),
            ("javascript:alert(1)", Route::Home),
            ("", Route::Home),
        ] {
            assert_eq!(Route::after_login(return_to), route, "{return_to:?}");
        }
    }
}
