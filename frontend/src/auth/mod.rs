//! Everything about tokens, in layers that only ever import downwards:
//!
//! - `protocol`: pure rules (configuration, URLs, response parsing, JWT and claim checks, the
//!   session and its seal, scheduling). No browser API; tested natively.
//! - `browser`: the effects (storage, lock, frame, fetch, WebCrypto) and the login and renewal
//!   operations built from them. Tested in headless Chromium and end to end.
//! - `model`: the pure reducer over the session. Tested natively, transition by transition.
//! - `context`: `AuthProvider`, the one owner wiring the model to the effects, and the `use_auth`
//!   hook every component reads the session with; `scheduler`: the `RenewalScheduler` component.

pub mod browser;
pub mod context;
pub mod model;
pub mod protocol;
pub mod scheduler;

pub use browser::setup::AuthSetup;
pub use context::{use_auth, AuthContext, AuthProvider};
pub use model::{AuthModel, AuthState, Trigger};
pub use protocol::error::{AuthError, TokenError};
pub use protocol::session::Session;
pub use scheduler::RenewalScheduler;
