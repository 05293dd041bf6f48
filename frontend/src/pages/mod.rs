//! The routed pages. They read state from the `AuthContext` they are given, ask it for actions, and call the API
//! through `api`; none parses a token.

pub mod callback;
pub mod home;
pub mod not_found;
pub mod ping;
pub mod profile;
