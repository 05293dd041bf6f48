//! The routed pages. They read state through `use_auth()`, ask for actions, and call the API
//! through `api`; none parses a token.

pub mod callback;
pub mod home;
pub mod not_found;
pub mod ping;
pub mod profile;
