//! The effects: everything that touches the browser. Each module is small and does one thing:
//! the clock and randomness (`env`), `fetch` (`http`, `token_endpoint`), WebCrypto signature checks
//! (`keys`), the hidden frame (`frame`), the cross-tab lock (`locks`), IndexedDB (`idb`), the one
//! writer of the session (`store`), other tabs' changes (`tabs`, `broadcast`); and the operations
//! built from them: loading the setup (`setup`), verifying token answers (`verify`), login
//! (`login`) and renewal (`renewal`). They use the
//! pure rules of `protocol` and never the model or the UI above them. Tested in headless Chromium
//! (`frontend/tests/browser.rs`) and end to end (Playwright).

pub mod broadcast;
pub mod dpop;
pub mod env;
pub mod frame;
pub mod http;
pub mod idb;
pub mod keys;
pub mod locks;
pub mod login;
pub mod redirect;
pub mod renewal;
pub mod setup;
pub mod store;
pub mod tabs;
pub mod token_endpoint;
pub mod verify;
