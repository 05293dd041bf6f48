//! The optional SPA listener: files from `dist`, history fallback for app routes, 404 for missing
//! assets, and no way out of `dist`.

use actix_web::http::StatusCode;
use actix_web::{test, App};
use backend::spa::{configure_spa, spa_headers};

fn dist() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("spa-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(dir.join("index.html"), "<!doctype html><title>app</title>").expect("index");
    std::fs::write(dir.join("app.js"), "console.log(1)").expect("js");
    dir
}

#[actix_web::test]
async fn routes_fall_back_to_index_and_assets_do_not() {
    let dir = dist();
    let app = test::init_service(App::new().wrap(spa_headers()).configure(|cfg| configure_spa(cfg, dir.clone()))).await;
    for route in ["/", "/callback", "/profile", "/ping", "/no/such/route"] {
        let res = test::call_service(&app, test::TestRequest::get().uri(route).to_request()).await;
        assert_eq!(res.status(), StatusCode::OK, "{route}");
        let csp = res.headers().get("content-security-policy").and_then(|v| v.to_str().ok());
        assert_eq!(csp, Some("frame-ancestors 'none'"), "{route}: the app must not be framed");
        assert!(String::from_utf8_lossy(&test::read_body(res).await).contains("<title>app</title>"), "{route}");
    }
    let res = test::call_service(&app, test::TestRequest::get().uri("/app.js").to_request()).await;
    assert_eq!(res.status(), StatusCode::OK);
    for missing in ["/missing.js", "/frontend-abc.wasm"] {
        let res = test::call_service(&app, test::TestRequest::get().uri(missing).to_request()).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{missing}");
    }
    for traversal in ["/../Cargo.toml", "/..%2fCargo.toml", "/%2e%2e/%2e%2e/etc/passwd", "/callback/../../Cargo.toml"] {
        let res = test::call_service(&app, test::TestRequest::get().uri(traversal).to_request()).await;
        let body = test::read_body(res).await;
        let text = String::from_utf8_lossy(&body);
        assert!(!text.contains("[package]") && !text.contains("root:"), "{traversal}");
    }
    std::fs::remove_dir_all(&dir).expect("cleanup");
}
