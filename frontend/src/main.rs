//! Takes a login answer out of the address bar, then mounts the app.

fn main() {
    // Before anything else: a login answer leaves the address bar (and history) at once.
    frontend::auth::browser::redirect::capture();
    yew::Renderer::<frontend::app::App>::new().render();
}
