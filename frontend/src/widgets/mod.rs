//! Pieces the pages share: the navigation bar, the Log In panel, the session status and its
//! timeline.

pub mod login;
pub mod nav;
pub mod renewal_status;
pub mod timeline;
