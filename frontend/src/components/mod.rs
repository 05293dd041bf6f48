//! Pages and widgets. They read state through `use_auth()` and ask for actions; none parses tokens.

pub mod callback;
pub mod home;
pub mod login;
pub mod nav;
pub mod not_found;
pub mod ping;
pub mod profile;
pub mod renewal_scheduler;
pub mod renewal_status;
pub mod timeline;
