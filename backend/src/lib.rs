//! The backend of the token-renewal app: `/silent` (where the hidden renewal iframe lands), the
//! JWT-protected API of the tutorial series, and optionally the built SPA. `configure` is the one
//! place routes, CORS and headers are declared; `main` and the tests both use it.

pub mod api;
pub mod config;
pub mod dpop;
pub mod error;
pub mod jwt;
pub mod silent;
pub mod spa;

use actix_cors::Cors;
use actix_web::http::header;
use actix_web::{middleware, web, HttpResponse};

use crate::config::Settings;
use crate::jwt::Validator;
use crate::silent::SilentPage;

/// Everything the handlers share, built once at start-up.
#[derive(Clone)]
pub struct AppState {
    /// Validated configuration.
    pub settings: Settings,
    /// Token validator with its JWKS cache (shared across workers so keys are fetched once).
    pub validator: web::Data<Validator>,
    /// The rendered silent page.
    pub silent: web::Data<SilentPage>,
    /// DPoP replay cache and nonces.
    pub dpop: web::Data<api::DpopState>,
}

impl AppState {
    /// Builds the shared state from settings and a rendered silent page.
    pub fn new(settings: Settings, silent: SilentPage) -> Self {
        Self {
            validator: web::Data::new(Validator::new(settings.clone())),
            silent: web::Data::new(silent),
            dpop: web::Data::new(api::DpopState::new(settings.dpop.clone(), settings.leeway.as_secs())),
            settings,
        }
    }
}

/// Routes of the :3001 listener.
pub fn configure(cfg: &mut web::ServiceConfig, state: &AppState) {
    let cors = Cors::default()
        .allowed_origin(&state.settings.app_origin)
        .allowed_methods(["GET"])
        .allowed_headers([header::AUTHORIZATION, header::HeaderName::from_static("dpop")])
        .expose_headers([header::WWW_AUTHENTICATE, header::HeaderName::from_static("dpop-nonce")])
        .max_age(600);
    cfg.app_data(state.validator.clone())
        .app_data(state.dpop.clone())
        .app_data(state.silent.clone())
        .service(readable("/healthz", healthz).wrap(middleware::from_fn(limits)))
        .service(readable("/silent", silent::silent).wrap(middleware::from_fn(limits)))
        .service(
            web::scope("/api")
                .wrap(cors)
                // Answers carry the user's claims: no cache keeps them.
                .wrap(
                    middleware::DefaultHeaders::new()
                        .add((header::VARY, "Origin"))
                        .add((header::CACHE_CONTROL, "no-store")),
                )
                .wrap(middleware::from_fn(limits))
                .service(readable("/public", api::public))
                .service(readable("/private", api::private))
                .service(readable("/private-scoped", api::private_scoped)),
        );
}

/// Longest request body taken anywhere. Nothing here reads a body (every route is GET or HEAD), so
/// this only stops a client streaming one at the server.
pub const MAX_BODY_BYTES: u64 = 8 * 1024;
/// Largest request head (all header names and values) taken. A bearer token is about 1 KB, a DPoP
/// proof about 500 bytes; actix-http's own limit is far larger.
pub const MAX_HEADER_BYTES: usize = 16 * 1024;

/// `GET` and `HEAD` on `path`; any other method gets `405` with `Allow: GET, HEAD`.
fn readable<F, Args>(path: &str, handler: F) -> actix_web::Resource
where
    F: actix_web::Handler<Args> + Clone,
    Args: actix_web::FromRequest + 'static,
    F::Output: actix_web::Responder + 'static,
{
    web::resource(path)
        .route(web::get().to(handler.clone()))
        .route(web::head().to(handler))
        .default_service(web::to(method_not_allowed))
}

/// `431` for headers over [`MAX_HEADER_BYTES`], `413` for a declared body over [`MAX_BODY_BYTES`],
/// before anything else looks at the request (`configure` puts it on every route; `main` on the SPA
/// listener too).
pub async fn limits(
    req: actix_web::dev::ServiceRequest,
    next: middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody + 'static>, actix_web::Error> {
    let head: usize = req.headers().iter().map(|(name, value)| name.as_str().len() + value.len()).sum();
    if head > MAX_HEADER_BYTES {
        let response = HttpResponse::build(actix_web::http::StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE)
            .insert_header((header::CONNECTION, "close"))
            .finish();
        return Ok(req.into_response(response).map_into_right_body());
    }
    let declared =
        req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES) {
        let response = HttpResponse::PayloadTooLarge().insert_header((header::CONNECTION, "close")).finish();
        return Ok(req.into_response(response).map_into_right_body());
    }
    next.call(req).await.map(actix_web::dev::ServiceResponse::map_into_left_body)
}

/// The access log: method, path without its query, status, size, time. Never the query (the code
/// flow's silent frame lands on `/silent?code=…`) nor a header (tokens, DPoP proofs).
pub fn access_log() -> middleware::Logger {
    middleware::Logger::new("%{method}xi %U %s %b %Dms")
        .custom_request_replace("method", |req| req.method().as_str().to_owned())
}

/// Headers every response gets, whichever listener serves it.
pub fn default_headers() -> middleware::DefaultHeaders {
    middleware::DefaultHeaders::new().add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
}

/// Liveness probe for `make dev`, Playwright's `webServer` and orchestrators.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok")
}

async fn method_not_allowed() -> HttpResponse {
    HttpResponse::MethodNotAllowed().insert_header((header::ALLOW, "GET, HEAD")).finish()
}
