//! The pure protocol rules: configuration, the URLs the app sends, the answers it parses, token
//! decoding and claim checks, the session and its storage seal, and when to renew. Nothing here
//! touches a browser API; it is all tested natively (`cargo test -p frontend --lib`).

pub mod authorize;
pub mod claims;
pub mod config;
pub mod error;
pub mod jwt;
pub mod response;
pub mod schedule;
pub mod session;
