//! Profile: name, email and picture from `/userinfo` (called with the access token through `api`,
//! like every authorised call), falling back to the ID token's claims when that call fails or
//! answers for another user, plus every ID-token claim.

use yew::prelude::*;

use crate::api;
use crate::auth::protocol::userinfo::UserInfo;
use crate::auth::use_auth;
use crate::widgets::login::Login;

/// The user's profile page.
#[function_component]
pub fn Profile() -> Html {
    let auth = use_auth();
    let userinfo = use_state(|| None::<Result<UserInfo, String>>);
    let token = auth.session().map(|s| (s.access_token.clone(), s.claims.sub.clone()));
    {
        let (userinfo, auth) = (userinfo.clone(), auth.clone());
        use_effect_with(token, move |token| {
            if let (Some((_, sub)), Some(endpoint)) = (token.clone(), auth.setup.discovery.userinfo_endpoint.clone()) {
                wasm_bindgen_futures::spawn_local(async move {
                    let info = match api::get_with_token::<UserInfo>(&auth, &endpoint).await {
                        Ok(info) => info.for_subject(&sub).map_err(|e| e.to_string()),
                        Err(e) => Err(format!("/userinfo failed ({e})")),
                    };
                    userinfo.set(Some(info));
                });
            }
        });
    }
    let Some(session) = auth.session() else {
        return html! { <><h1>{ "Profile" }</h1><Login /></> };
    };
    let claims = &session.claims;
    let (source, name, email, picture) = match &*userinfo {
        Some(Ok(info)) => ("from /userinfo", &info.name, &info.email, &info.picture),
        Some(Err(_)) | None => ("from the ID token", &claims.name, &claims.email, &claims.picture),
    };
    let (name, email) = (name.clone().unwrap_or_default(), email.clone().unwrap_or_default());
    let all = serde_json::to_string_pretty(&claims.all).unwrap_or_else(|_| "the claims cannot be shown".to_owned());
    html! {
        <>
            <h1>{ "Profile" }</h1>
            <section class="panel profile" aria-labelledby="profile-name">
                if let Some(picture) = picture.clone().filter(|p| !p.is_empty()) {
                    <img src={picture} alt={format!("Picture of {name}")} width="96" height="96" />
                }
                <div>
                    <h2 id="profile-name" data-testid="profile-name">{ name.clone() }</h2>
                    <p data-testid="profile-email">{ email }</p>
                    <p class="hint">{ format!("Profile {source}.") }</p>
                    if let Some(Err(e)) = &*userinfo {
                        <p class="notice warn" role="status">{ format!("{e}; showing the ID token's claims.") }</p>
                    }
                </div>
            </section>
            <section class="panel">
                <h2>{ "ID token claims" }</h2>
                <pre data-testid="claims">{ all }</pre>
            </section>
        </>
    }
}
