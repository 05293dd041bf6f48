//! Optional second listener serving the built SPA, so production-like runs and the e2e suite need
//! one binary. App routes (`/callback`, `/profile`, …) fall back to `index.html`; a missing asset
//! (anything with a file extension) is a plain 404, so a broken build fails loudly.

use std::path::PathBuf;

use actix_files::{Files, NamedFile};
use actix_web::dev::{fn_service, ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method};
use actix_web::{middleware, web, HttpResponse};

/// Headers of the app's pages: it holds the tokens, so no other site may frame it (clickjacking),
/// and its URLs (which can carry a login response) are never sent as a referrer.
pub fn spa_headers() -> middleware::DefaultHeaders {
    middleware::DefaultHeaders::new()
        .add((header::CONTENT_SECURITY_POLICY, "frame-ancestors 'none'"))
        .add((header::REFERRER_POLICY, "no-referrer"))
}

/// Registers the static files of `dist` with history fallback.
pub fn configure_spa(cfg: &mut web::ServiceConfig, dist: PathBuf) {
    let index = dist.join("index.html");
    cfg.route("/healthz", web::get().to(crate::healthz)).service(
        Files::new("/", dist).index_file("index.html").default_handler(fn_service(move |req: ServiceRequest| {
            let index = index.clone();
            async move {
                let (req, _) = req.into_parts();
                let last = req.path().rsplit('/').next().unwrap_or_default();
                let is_route = matches!(*req.method(), Method::GET | Method::HEAD) && !last.contains('.');
                let response = match (is_route, NamedFile::open_async(&index).await) {
                    (true, Ok(file)) => file.into_response(&req),
                    (true, Err(_)) => HttpResponse::ServiceUnavailable().body("the SPA is not built"),
                    (false, _) => HttpResponse::NotFound().finish(),
                };
                Ok(ServiceResponse::new(req, response))
            }
        })),
    );
}
