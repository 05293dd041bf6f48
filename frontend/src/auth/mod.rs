//! Everything about tokens, and nothing about components. The pure modules (`config`, `flow`,
//! `jwt`, `verify`, `schedule`) never touch a browser API and are tested natively; the browser
//! ones (`http`, `jwks`, `silent`, `store`, `client`) are small and tested in headless Chromium.

pub mod client;
pub mod config;
pub mod context;
pub mod error;
pub mod flow;
pub mod http;
pub mod jwks;
pub mod jwt;
pub mod schedule;
pub mod session;
pub mod silent;
pub mod store;
pub mod tabs;
pub mod verify;

pub use context::{use_auth, AuthContext, AuthProvider, AuthState};
pub use error::{AuthError, TokenError};
pub use session::Session;
