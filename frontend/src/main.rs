//! Takes a login answer out of the address bar, loads the configuration, then mounts the app in
//! place of the page's static "Loading…".

use std::rc::Rc;

use frontend::app::{App, AppProps};
use frontend::auth::browser::{env, redirect, setup};

/// Talc instead of the standard library's dlmalloc: 3.4 KB less to download (gzip), same behaviour.
/// Single-threaded wasm only, which is what this app is built for.
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

fn main() {
    env::mark("start:main");
    // Before anything else: a login answer leaves the address bar (and history) at once.
    redirect::capture();
    // The configuration (whose text the page read while the wasm downloaded) is loaded before the
    // first render: one render, of the restored session, instead of "Loading…" then the app.
    wasm_bindgen_futures::spawn_local(async {
        let setup = setup::load().await.map(Rc::new);
        env::mark("start:setup");
        let document = web_sys::window().and_then(|w| w.document());
        if let Some(placeholder) = document.as_ref().and_then(|d| d.get_element_by_id("loading")) {
            placeholder.remove();
        }
        match document.and_then(|d| d.body()) {
            Some(body) => {
                yew::Renderer::<App>::with_root_and_props(body.into(), AppProps { setup }).render();
            }
            None => web_sys::console::error_1(&"the page has no body to mount the app in".into()),
        }
    });
}
