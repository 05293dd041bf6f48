//! The backend of the token-renewal app: `/silent` (where the hidden renewal iframe lands), the
//! JWT-protected API of the tutorial series, and optionally the built SPA. `configure` is the one
//! place routes, CORS and headers are declared; `main` and the tests both use it.

pub mod api;
pub mod config;
pub mod dpop;
pub mod error;
pub mod guard;
pub mod jwt;
pub mod replay;
pub mod silent;
pub mod spa;

use actix_cors::Cors;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{middleware, web, HttpResponse};

pub use crate::guard::Guard;

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
    /// Builds the shared state from settings and a rendered silent page (inside the server's
    /// runtime: a Redis replay store connects from there on first use).
    pub fn new(settings: Settings, silent: SilentPage) -> Result<Self, error::ConfigError> {
        Ok(Self {
            validator: web::Data::new(Validator::new(settings.clone())),
            silent: web::Data::new(silent),
            dpop: web::Data::new(api::DpopState::new(settings.dpop.clone(), settings.leeway.as_secs())?),
            settings,
        })
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
    // Guard::new(): the size limits and `nosniff` on every route; the API's answers carry the user's
    // claims, so no cache may keep them; they vary by `Origin` (CORS headers only for requests with one).
    // The API's routes are registered one by one, not under a `/api` scope: the scope's own routing
    // layer cost ~5 % of `/api/private`'s throughput beside the bare handler (A/B, six rounds each).
    let api_guard = Guard::new()
        .and(header::VARY, HeaderValue::from_static("Origin"))
        .and(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))
        .cors(cors);
    cfg.app_data(state.validator.clone())
        .app_data(state.dpop.clone())
        .app_data(state.silent.clone())
        .service(readable("/healthz", healthz).wrap(Guard::new()))
        .service(readable("/readyz", readyz).wrap(Guard::new()))
        .service(readable("/silent", silent::silent).wrap(Guard::new()))
        .service(readable("/api/public", api::public).wrap(api_guard.clone()))
        .service(readable("/api/private", api::private).wrap(api_guard.clone()))
        .service(readable("/api/private-scoped", api::private_scoped).wrap(api_guard))
        .default_service(web::to(not_found));
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

/// The access log: method, path without its query, status, size, time. Never the query (the code
/// flow's silent frame lands on `/silent?code=…`) nor a header (tokens, DPoP proofs).
pub fn access_log() -> middleware::Logger {
    middleware::Logger::new("%{method}xi %U %s %b %Dms")
        .custom_request_replace("method", |req| req.method().as_str().to_owned())
}

/// Liveness probe for `make dev`, Playwright's `webServer` and orchestrators.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok")
}

/// Readiness probe for load balancers and orchestrators: whether this replica can check DPoP proofs
/// now (its replay store answers). `/healthz` stays a liveness check: a replica whose Redis is
/// down is alive, serves Bearer requests, and answers DPoP ones with 503 until Redis is back.
pub async fn readyz(dpop: web::Data<api::DpopState>) -> HttpResponse {
    if dpop.replay.ready().await {
        HttpResponse::Ok().content_type("text/plain").body("ready")
    } else {
        HttpResponse::ServiceUnavailable()
            .insert_header((header::RETRY_AFTER, "1"))
            .content_type("text/plain")
            .body("not ready: the DPoP replay store does not answer")
    }
}

/// Any other path: `404`, with the header every answer here has.
async fn not_found() -> HttpResponse {
    HttpResponse::NotFound()
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .finish()
}

async fn method_not_allowed() -> HttpResponse {
    HttpResponse::MethodNotAllowed().insert_header((header::ALLOW, "GET, HEAD")).finish()
}
