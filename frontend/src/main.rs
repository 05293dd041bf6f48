//! Mounts the app.

fn main() {
    yew::Renderer::<frontend::app::App>::new().render();
}
