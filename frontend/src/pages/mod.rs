//! The routed pages, one component per `Route`. They read the session with `use_auth`, ask it for
//! actions, and call the API through `api`; none parses a token.

pub mod callback;
pub mod home;
pub mod not_found;
pub mod ping;
pub mod profile;
