//! The optional SPA listener: files from `dist`, history fallback for app routes, 404 for missing
//! assets, and no way out of `dist`: a real secret sits beside it, and every trick to reach it
//! (encoded, double-encoded, backslashes, NUL, a symlink) is tried.

use actix_web::http::StatusCode;
use actix_web::{test, web, App};
use backend::spa::{configure_spa, spa_headers, AppPolicy, IndexPage, ISOLATION_HEADERS, NONCE_PLACEHOLDER};

/// What must never be served: it sits next to `dist/`, in the directory above it.
const SECRET: &str = "the-secret-beside-dist";

fn policy() -> AppPolicy {
    AppPolicy::new("http://localhost:4000", "http://localhost:3001", &[]).expect("policy")
}

fn page(dir: &std::path::Path) -> web::Data<IndexPage> {
    web::Data::new(IndexPage::load(dir, policy()).expect("index page"))
}

/// The SPA listener over `dir`, layered as the backend mounts it.
async fn serve(
    dir: &std::path::Path,
) -> impl actix_web::dev::Service<
    actix_http::Request,
    Response = actix_web::dev::ServiceResponse<actix_web::body::EitherBody<actix_web::body::BoxBody>>,
    Error = actix_web::Error,
> {
    test::init_service(App::new().wrap(spa_headers()).configure(|cfg| configure_spa(cfg, dir.to_path_buf(), page(dir))))
        .await
}

fn dist(name: &str) -> std::path::PathBuf {
    let root = std::env::temp_dir().join(format!("spa-test-{name}-{}", std::process::id()));
    let dir = root.join("dist");
    std::fs::create_dir_all(dir.join("assets")).expect("mkdir");
    std::fs::write(root.join("secret.txt"), SECRET).expect("secret");
    let index = format!(
        "<!doctype html><title>app</title><script type=\"module\" nonce=\"{NONCE_PLACEHOLDER}\">boot()</script>"
    );
    std::fs::write(dir.join("index.html"), index).expect("index");
    std::fs::write(dir.join("app.js"), "console.log(1)").expect("js");
    std::fs::write(dir.join(".env"), SECRET).expect("dotfile");
    std::os::unix::fs::symlink(root.join("secret.txt"), dir.join("linked.txt")).expect("symlink");
    std::os::unix::fs::symlink(&root, dir.join("assets").join("up")).expect("dir symlink");
    dir
}

#[actix_web::test]
async fn routes_fall_back_to_index_and_assets_do_not() {
    let dir = dist("routes");
    let app = serve(&dir).await;
    for route in ["/", "/callback", "/profile", "/ping", "/no/such/route"] {
        let res = test::call_service(&app, test::TestRequest::get().uri(route).to_request()).await;
        assert_eq!(res.status(), StatusCode::OK, "{route}");
        let csp = res.headers().get("content-security-policy").and_then(|v| v.to_str().ok()).unwrap_or_default();
        assert!(csp.contains("frame-ancestors 'none'"), "{route}: the app must not be framed");
        assert!(String::from_utf8_lossy(&test::read_body(res).await).contains("<title>app</title>"), "{route}");
    }
    let res = test::call_service(&app, test::TestRequest::get().uri("/app.js").to_request()).await;
    assert_eq!(res.status(), StatusCode::OK);
    for missing in ["/missing.js", "/frontend-abc.wasm"] {
        let res = test::call_service(&app, test::TestRequest::get().uri(missing).to_request()).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{missing}");
    }
    std::fs::remove_dir_all(dir.parent().expect("root")).expect("cleanup");
}

#[actix_web::test]
async fn nothing_outside_dist_is_served_however_the_path_is_written() {
    let dir = dist("traversal");
    // The secret is really there, one level up: a traversal that worked would find it.
    assert_eq!(std::fs::read_to_string(dir.join("../secret.txt")).expect("secret"), SECRET);
    let app = serve(&dir).await;
    for attempt in [
        "/../secret.txt",
        "/assets/../../secret.txt",
        "/..%2fsecret.txt",
        "/%2e%2e/secret.txt",
        "/%2e%2e%2fsecret.txt",
        "/%252e%252e%252fsecret.txt",
        "/..%252fsecret.txt",
        "/..%5csecret.txt",
        "/..\\secret.txt",
        "/assets%5c..%5c..%5csecret.txt",
        "/secret.txt%00.js",
        "/..%00/secret.txt",
        "/callback/../../secret.txt",
        "/.env",
        "/%2eenv",
        "/linked.txt",
        "/assets/up/secret.txt",
    ] {
        let req = test::TestRequest::get().uri(attempt).to_request();
        let res = test::call_service(&app, req).await;
        let status = res.status();
        let body = String::from_utf8_lossy(&test::read_body(res).await).into_owned();
        assert!(!body.contains(SECRET), "{attempt}: served the secret ({status})");
    }
    std::fs::remove_dir_all(dir.parent().expect("root")).expect("cleanup");
}

/// The nonce a response's CSP names.
fn nonce_of(csp: &str) -> String {
    let start = csp.find("'nonce-").expect("a nonce") + "'nonce-".len();
    csp[start..].split('\'').next().expect("closing quote").to_owned()
}

#[actix_web::test]
async fn every_app_page_has_its_own_nonce_and_the_isolation_headers() {
    let dir = dist("nonce");
    let app = serve(&dir).await;
    let mut nonces = Vec::new();
    for route in ["/", "/index.html", "/profile"] {
        let res = test::call_service(&app, test::TestRequest::get().uri(route).to_request()).await;
        let headers = res.headers().clone();
        let csp = headers.get("content-security-policy").and_then(|v| v.to_str().ok()).expect("csp").to_owned();
        let body = String::from_utf8_lossy(&test::read_body(res).await).into_owned();
        let nonce = nonce_of(&csp);
        assert_eq!(nonce.len(), 24, "128 bits, base64");
        assert!(body.contains(&format!("nonce=\"{nonce}\">boot()")), "{route}: the script carries the header's nonce");
        assert!(!body.contains(NONCE_PLACEHOLDER), "{route}");
        assert_eq!(headers.get("cache-control").and_then(|v| v.to_str().ok()), Some("no-store"), "{route}");
        for (name, value) in ISOLATION_HEADERS {
            assert_eq!(headers.get(name).and_then(|v| v.to_str().ok()), Some(value), "{route}: {name}");
        }
        nonces.push(nonce);
    }
    nonces.dedup();
    assert_eq!(nonces.len(), 3, "never the same nonce twice");
    // Assets get the isolation headers, not the page's policy.
    let res = test::call_service(&app, test::TestRequest::get().uri("/app.js").to_request()).await;
    assert_eq!(res.headers().get("cross-origin-opener-policy").and_then(|v| v.to_str().ok()), Some("same-origin"));
    let head = test::call_service(
        &app,
        test::TestRequest::default().method(actix_web::http::Method::HEAD).uri("/").to_request(),
    )
    .await;
    assert_eq!(head.status(), StatusCode::OK);
    assert!(test::read_body(head).await.is_empty());
    std::fs::remove_dir_all(dir.parent().expect("root")).expect("cleanup");
}

#[actix_web::test]
async fn a_build_without_nonce_slots_is_refused_at_start() {
    let dir = dist("no-nonce");
    std::fs::write(dir.join("index.html"), "<script type=\"module\">boot()</script>").expect("index");
    let error = IndexPage::load(&dir, policy()).expect_err("refused").to_string();
    assert!(error.contains("create_nonce"), "{error}");
    std::fs::remove_dir_all(dir.parent().expect("root")).expect("cleanup");
}

#[actix_web::test]
async fn trunk_serve_sends_the_backends_policy_for_the_default_layout() {
    let trunk =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../frontend/Trunk.toml")).expect("Trunk.toml");
    let printed = policy().trunk_serve_toml();
    let expected = printed.strip_prefix("[serve]\n").expect("a [serve] section");
    assert!(
        trunk.ends_with(expected),
        "frontend/Trunk.toml must end with `backend --print-trunk-serve` minus its first line:\n{expected}"
    );
    assert!(trunk.contains("create_nonce = true"));
}

#[actix_web::test]
async fn assets_are_served_precompressed_with_their_cache_policy() {
    let dir = dist("compressed");
    let asset = "frontend-0123456789abcdef_bg.wasm";
    std::fs::write(dir.join(asset), b"\0asm plain").expect("wasm");
    std::fs::write(dir.join(format!("{asset}.br")), b"brotli bytes").expect("br");
    std::fs::write(dir.join(format!("{asset}.gz")), b"gzip bytes").expect("gz");
    std::fs::write(dir.join("auth_config.json"), b"{}").expect("config");
    // A .br that leads out of dist/ is not served.
    std::os::unix::fs::symlink(dir.join("../secret.txt"), dir.join("app.js.br")).expect("symlink");
    let app = serve(&dir).await;
    let get = |path: &str, accept: &str| {
        test::TestRequest::get().uri(path).insert_header(("accept-encoding", accept.to_owned())).to_request()
    };
    let header = |res: &actix_web::dev::ServiceResponse<actix_web::body::EitherBody<actix_web::body::BoxBody>>,
                  name: &str| {
        res.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
    };
    for (accept, encoding, body) in [
        ("gzip, deflate, br", Some("br"), "brotli bytes"),
        ("gzip", Some("gzip"), "gzip bytes"),
        ("br;q=0, gzip", Some("gzip"), "gzip bytes"),
        ("identity", None, "\0asm plain"),
    ] {
        let res = test::call_service(&app, get(&format!("/{asset}"), accept)).await;
        assert_eq!(res.status(), StatusCode::OK, "{accept}");
        assert_eq!(header(&res, "content-encoding").as_deref(), encoding, "{accept}");
        assert_eq!(header(&res, "content-type").as_deref(), Some("application/wasm"), "{accept}");
        assert_eq!(header(&res, "vary").as_deref(), Some("Accept-Encoding"), "{accept}");
        assert_eq!(header(&res, "cache-control").as_deref(), Some("public, max-age=31536000, immutable"));
        assert_eq!(test::read_body(res).await, body.as_bytes(), "{accept}");
    }
    let config = test::call_service(&app, get("/auth_config.json", "br")).await;
    assert_eq!(header(&config, "cache-control").as_deref(), Some("no-cache"));
    let page = test::call_service(&app, get("/", "br")).await;
    assert_eq!(header(&page, "cache-control").as_deref(), Some("no-store"), "the page carries a one-time nonce");
    assert_eq!(header(&page, "content-encoding"), None);
    let escaped = test::call_service(&app, get("/app.js", "br")).await;
    assert_eq!(header(&escaped, "content-encoding"), None, "a .br outside dist/ is not served");
    assert!(!String::from_utf8_lossy(&test::read_body(escaped).await).contains(SECRET));
    std::fs::remove_dir_all(dir.parent().expect("root")).expect("cleanup");
}

/// Sets a file's modification time `ago` before now.
fn age(path: &std::path::Path, ago: std::time::Duration) {
    let file = std::fs::File::options().write(true).open(path).expect("open");
    file.set_modified(std::time::SystemTime::now() - ago).expect("mtime");
}

/// A deployment edits `auth_config.json` by hand, as the README says to: every browser gets the
/// edit, not the copy compressed at build time. A compressed copy without its original is not
/// served at all.
#[actix_web::test]
async fn a_compressed_copy_older_than_its_file_or_without_one_is_not_served() {
    let dir = dist("stale");
    std::fs::write(dir.join("auth_config.json.br"), b"{\"domain\":\"build-time\"}").expect("br");
    std::fs::write(dir.join("auth_config.json.gz"), b"{\"domain\":\"build-time\"}").expect("gz");
    age(&dir.join("auth_config.json.br"), std::time::Duration::from_secs(60));
    age(&dir.join("auth_config.json.gz"), std::time::Duration::from_secs(60));
    std::fs::write(dir.join("auth_config.json"), b"{\"domain\":\"edited\"}").expect("edited");
    std::fs::write(dir.join("ghost.js.br"), b"brotli of a file that is gone").expect("ghost");
    std::fs::write(dir.join("ghost.js.gz"), b"gzip of a file that is gone").expect("ghost");
    let app = serve(&dir).await;
    for accept in ["br", "gzip", "gzip, deflate, br"] {
        let req = test::TestRequest::get().uri("/auth_config.json").insert_header(("accept-encoding", accept));
        let res = test::call_service(&app, req.to_request()).await;
        assert_eq!(res.status(), StatusCode::OK, "{accept}");
        assert_eq!(res.headers().get("content-encoding"), None, "{accept}");
        assert_eq!(test::read_body(res).await, b"{\"domain\":\"edited\"}".as_slice(), "{accept}: the edit");
        let req = test::TestRequest::get().uri("/ghost.js").insert_header(("accept-encoding", accept));
        let res = test::call_service(&app, req.to_request()).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{accept}: no original, nothing served");
    }
    std::fs::remove_dir_all(dir.parent().expect("root")).expect("cleanup");
}

/// However the page's path is written, it is answered with a fresh nonce and its CSP, or not at
/// all: never the raw file with the placeholder and no policy.
#[actix_web::test]
async fn the_page_never_goes_out_without_its_policy() {
    let dir = dist("page-paths");
    let app = serve(&dir).await;
    for path in
        ["//index.html", "/index.html/", "///index.html", "/./index.html", "/%69ndex.html", "/assets/../index.html"]
    {
        let res = test::call_service(&app, test::TestRequest::get().uri(path).to_request()).await;
        let status = res.status();
        let csp = res.headers().get("content-security-policy").and_then(|v| v.to_str().ok()).map(str::to_owned);
        let body = String::from_utf8_lossy(&test::read_body(res).await).into_owned();
        assert!(!body.contains(NONCE_PLACEHOLDER), "{path}: the raw page went out ({status})");
        match status {
            StatusCode::OK => {
                let nonce = nonce_of(&csp.unwrap_or_else(|| panic!("{path}: a page without its CSP")));
                assert!(body.contains(&format!("nonce=\"{nonce}\"")), "{path}");
            }
            // 404, or 400 for a path actix-files refuses to read (`/./`).
            other => assert!(other.is_client_error() || other.is_redirection(), "{path}: {other}"),
        }
    }
    std::fs::remove_dir_all(dir.parent().expect("root")).expect("cleanup");
}

/// A 304 carries what its 200 would have (RFC 9110 §15.4.5): without `Vary`, a shared cache could
/// hand brotli to a client that cannot read it; without `Cache-Control`, the asset's policy is lost.
#[actix_web::test]
async fn not_modified_answers_keep_vary_and_cache_control() {
    let dir = dist("not-modified");
    let asset = "frontend-0123456789abcdef_bg.wasm";
    std::fs::write(dir.join(asset), b"\0asm plain").expect("wasm");
    std::fs::write(dir.join(format!("{asset}.br")), b"brotli bytes").expect("br");
    std::fs::write(dir.join("auth_config.json"), b"{}").expect("config");
    let app = serve(&dir).await;
    for (path, accept, cache) in [
        (format!("/{asset}"), "br", "public, max-age=31536000, immutable"),
        (format!("/{asset}"), "identity", "public, max-age=31536000, immutable"),
        ("/auth_config.json".to_owned(), "identity", "no-cache"),
    ] {
        let get = || test::TestRequest::get().uri(&path).insert_header(("accept-encoding", accept));
        let first = test::call_service(&app, get().to_request()).await;
        let etag = first.headers().get("etag").cloned().expect("an etag");
        let again = test::call_service(&app, get().insert_header(("if-none-match", etag)).to_request()).await;
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "{path} {accept}");
        let header = |name: &str| again.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
        assert_eq!(header("vary").as_deref(), Some("Accept-Encoding"), "{path} {accept}");
        assert_eq!(header("cache-control").as_deref(), Some(cache), "{path} {accept}");
    }
    std::fs::remove_dir_all(dir.parent().expect("root")).expect("cleanup");
}
