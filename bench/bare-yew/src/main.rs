//! `make bench`'s reference for the app's first load: a Yew app with one component, one state and
//! one button, built with the app's profile, wasm-opt settings, glue minification and compression.
//! What it weighs is Yew's own floor; everything above it in the app's figure is the app's.

use yew::prelude::*;

/// The whole app: a counter, so that state, events and re-rendering are all linked in.
#[function_component]
fn Counter() -> Html {
    let count = use_state(|| 0_u32);
    let onclick = {
        let count = count.clone();
        Callback::from(move |_| count.set(*count + 1))
    };
    html! {
        <main>
            <h1>{ "Bare Yew" }</h1>
            <button type="button" {onclick}>{ format!("Clicked {} times", *count) }</button>
        </main>
    }
}

fn main() {
    yew::Renderer::<Counter>::new().render();
}
