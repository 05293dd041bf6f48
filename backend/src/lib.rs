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
        .route("/healthz", web::get().to(healthz))
        .service(
            web::resource("/silent")
                .route(web::get().to(silent::silent))
                .route(web::head().to(silent::silent))
                .default_service(web::to(method_not_allowed)),
        )
        .service(
            web::scope("/api")
                .wrap(cors)
                .wrap(middleware::DefaultHeaders::new().add((header::VARY, "Origin")))
                .route("/public", web::get().to(api::public))
                .route("/private", web::get().to(api::private))
                .route("/private-scoped", web::get().to(api::private_scoped)),
        );
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
