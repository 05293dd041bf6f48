//! Profile: name, email and picture from `/userinfo` (called with the access token through `api`,
//! like every authorised call), falling back to the ID token's claims when that call fails, plus
//! every ID-token claim.

use crate::auth::protocol::json::Json as Value;
use yew::prelude::*;

use crate::api;
use crate::auth::AuthProps;
use crate::widgets::login::login;

/// The user's profile page.
#[function_component]
pub fn Profile(props: &AuthProps) -> Html {
    let auth = props.auth.clone();
    let userinfo = use_state(|| None::<Result<Value, String>>);
    let token = auth.session().map(|s| s.access_token.clone());
    {
        let (userinfo, auth) = (userinfo.clone(), auth.clone());
        use_effect_with(token, move |token| {
            if let (Some(_), Some(endpoint)) = (token, auth.setup.discovery.userinfo_endpoint.clone()) {
                wasm_bindgen_futures::spawn_local(async move {
                    let info = api::get_with_token(&auth, &endpoint).await.map_err(|e| e.to_string());
                    userinfo.set(Some(info));
                });
            }
        });
    }
    let Some(session) = auth.session() else {
        return html! { <><h1>{ "Profile" }</h1>{ login(&auth) }</> };
    };
    let claims = session.claims.all.clone();
    let (source, profile) = match &*userinfo {
        Some(Ok(info)) => ("from /userinfo", info.clone()),
        Some(Err(_)) | None => ("from the ID token", claims.clone()),
    };
    let field = |name: &str| profile.get(name).and_then(Value::as_str).unwrap_or_default().to_owned();
    html! {
        <>
            <h1>{ "Profile" }</h1>
            <section class="panel profile" aria-labelledby="profile-name">
                if !field("picture").is_empty() {
                    <img src={field("picture")} alt={format!("Picture of {}", field("name"))} width="96" height="96" />
                }
                <div>
                    <h2 id="profile-name" data-testid="profile-name">{ field("name") }</h2>
                    <p data-testid="profile-email">{ field("email") }</p>
                    <p class="hint">{ format!("Profile {source}.") }</p>
                    if let Some(Err(e)) = &*userinfo {
                        <p class="notice warn">{ format!("/userinfo failed ({e}); showing the ID token's claims.") }</p>
                    }
                </div>
            </section>
            <section class="panel">
                <h2>{ "ID token claims" }</h2>
                <pre data-testid="claims">{ claims.pretty() }</pre>
            </section>
        </>
    }
}
