//! The pure protocol rules: configuration, the URLs the app sends, the answers it parses (redirects
//! and token responses), token decoding and claim checks, the session and its storage seal, when to
//! renew, and which way (refresh token or silent frame). Nothing here
//! touches a browser API; it is all tested natively (`cargo test -p frontend --lib`).

pub mod authorize;
pub mod claims;
pub mod config;
pub mod dpop;
pub mod error;
pub mod jwt;
pub mod paths;
#[cfg(all(test, not(target_arch = "wasm32")))]
mod properties;
pub mod response;
pub mod schedule;
pub mod session;
pub mod token;
pub mod userinfo;
