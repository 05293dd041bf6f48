//! What the access log writes: the method, the path, the status, the size and the time, and never
//! a query string (the code flow's silent frame lands on `/silent?code=…&state=…`) or a header (the
//! `Authorization` token, the `DPoP` proof).

mod common;

use std::sync::Mutex;

use actix_web::{test, App};
use common::*;

/// Every log record of this test binary, as text.
struct Capture(Mutex<Vec<String>>);

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &log::Record<'_>) {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(record.args().to_string());
    }
    fn flush(&self) {}
}

static CAPTURE: Capture = Capture(Mutex::new(Vec::new()));

#[actix_web::test]
async fn access_logs_name_no_query_string_and_no_header() {
    log::set_logger(&CAPTURE).expect("the only logger of this binary");
    log::set_max_level(log::LevelFilter::Info);
    let issuer = Issuer::start().await;
    let state = app_state(&issuer.url, 10, backend::config::DpopSettings::default());
    let app = test::init_service(
        App::new().wrap(backend::access_log()).configure(move |cfg| backend::configure(cfg, &state)),
    )
    .await;
    for req in [
        test::TestRequest::get().uri("/silent?code=SECRET-CODE&state=SECRET-STATE&iss=x"),
        test::TestRequest::get()
            .uri("/api/private?x=SECRET-QUERY")
            .insert_header(("authorization", "Bearer SECRET-TOKEN")),
        test::TestRequest::get().uri("/api/public").insert_header(("dpop", "SECRET-PROOF")),
    ] {
        test::call_service(&app, req.to_request()).await;
    }
    let lines = CAPTURE.0.lock().expect("lines").clone();
    let access: Vec<&String> = lines.iter().filter(|l| l.contains("/silent") || l.contains("/api/")).collect();
    assert_eq!(access.len(), 3, "one line per request: {lines:?}");
    assert!(access[0].starts_with("GET /silent 200 "), "{}", access[0]);
    assert!(access[1].starts_with("GET /api/private 401 "), "{}", access[1]);
    assert!(lines.iter().all(|l| !l.contains("SECRET")), "a secret reached the log: {lines:?}");
}
