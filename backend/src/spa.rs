//! Optional second listener serving the built SPA, so production-like runs and the e2e suite need
//! one binary. App routes (`/callback`, `/profile`, …) fall back to `index.html`; a missing asset
//! (anything with a file extension) is a plain 404, so a broken build fails loudly. Nothing outside
//! `dist/` is served: actix-files refuses `..` and hidden files, and a filter here refuses any path
//! whose real location (symlinks resolved) is outside `dist/`.
//!
//! The app page holds the tokens, so it gets the strictest policy it can run under
//! ([`AppPolicy`]): scripts only from its own origin plus trunk's inline loader, which carries a
//! fresh nonce in every response (trunk writes a placeholder into the page with
//! `create_nonce = true`; `trunk serve` fills it the same way), network and frames only towards the
//! provider and this API, no plugins, no `<base>`, no framing, and its own browsing-context group.

use std::path::{Path, PathBuf};

use actix_files::{Files, NamedFile};
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{fn_service, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, ContentEncoding, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{middleware, web, HttpRequest, HttpResponse};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use ring::rand::{SecureRandom, SystemRandom};

use crate::error::ConfigError;

/// What trunk writes into `nonce` attributes when `create_nonce = true` (its default placeholder).
pub const NONCE_PLACEHOLDER: &str = "{{__TRUNK NONCE__}}";
/// Where the nonce goes in [`AppPolicy::directives`] (trunk's `[serve] csp` uses the same slot).
pub const NONCE_SLOT: &str = "{{NONCE}}";

/// Isolation headers of every response of the app's listener (trunk's `[serve.headers]` are the
/// same): its own browsing-context group, so a page it opens or that opens it cannot reach its
/// window (COOP); no framing by old browsers that ignore `frame-ancestors`; no referrer, since its
/// URLs can carry a login response; no content-type sniffing.
pub const ISOLATION_HEADERS: [(&str, &str); 4] = [
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "no-referrer"),
    ("X-Content-Type-Options", "nosniff"),
];

/// The first layer of the app's listener: the size limits, and [`ISOLATION_HEADERS`] on every
/// answer (the page itself also gets its CSP).
pub fn spa_headers() -> crate::Guard {
    let headers: Vec<_> = ISOLATION_HEADERS
        .iter()
        // Header names as written above are valid (the suite checks each one on every kind of answer).
        .filter_map(|&(name, value)| {
            Some((HeaderName::from_bytes(name.as_bytes()).ok()?, HeaderValue::from_static(value)))
        })
        .collect();
    crate::Guard::with(&headers)
}

/// The app page's Content-Security-Policy, built from the origins it must reach.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppPolicy {
    directives: Vec<String>,
}

/// `scheme://host[:port]` of an absolute http(s) URL.
fn origin_of(url: &str) -> Option<String> {
    let parsed = reqwest::Url::parse(url).ok()?;
    matches!(parsed.scheme(), "http" | "https").then(|| parsed.origin().ascii_serialization())
}

impl AppPolicy {
    /// The policy for an app whose provider is `issuer` and whose API and silent page are at
    /// `api_base`; `extra_origins` are further origins it may call and frame (a second provider
    /// address, as the e2e suite's cross-site runs use).
    pub fn new(issuer: &str, api_base: &str, extra_origins: &[String]) -> Result<Self, ConfigError> {
        let invalid = |what: &str, value: &str| {
            ConfigError::Invalid(format!("{what} must be an absolute http(s) URL for the app's CSP, got {value:?}"))
        };
        let mut reachable = vec![
            origin_of(issuer).ok_or_else(|| invalid("the issuer", issuer))?,
            origin_of(api_base).ok_or_else(|| invalid("PUBLIC_BASE_URL", api_base))?,
        ];
        for extra in extra_origins {
            let origin = origin_of(extra).ok_or_else(|| invalid("CSP_EXTRA_ORIGINS", extra))?;
            if !reachable.contains(&origin) {
                reachable.push(origin);
            }
        }
        if reachable[0] == reachable[1] {
            reachable.remove(1);
        }
        let reachable = reachable.join(" ");
        let directives = [
            "default-src 'none'".to_owned(),
            format!("script-src 'self' 'wasm-unsafe-eval' 'nonce-{NONCE_SLOT}'"),
            "style-src 'self'".to_owned(),
            // Profile pictures come from wherever the provider says (Gravatar, a CDN).
            format!("img-src 'self' data: https: {reachable}"),
            // Discovery, keys, tokens, userinfo at the provider; the API; and `'self'` for
            // `/auth_config.json` (and trunk serve's reload socket).
            format!("connect-src 'self' {reachable}"),
            // The silent frame loads `/authorize` at the provider and lands on `/silent`.
            format!("frame-src {reachable}"),
            "manifest-src 'self'".to_owned(),
            "base-uri 'none'".to_owned(),
            "object-src 'none'".to_owned(),
            "form-action 'none'".to_owned(),
            "frame-ancestors 'none'".to_owned(),
        ];
        Ok(Self { directives: directives.into() })
    }

    /// The directives, with [`NONCE_SLOT`] where the nonce goes (trunk's `[serve] csp` format).
    pub fn directives(&self) -> &[String] {
        &self.directives
    }

    /// The header value for one response.
    pub fn header(&self, nonce: &str) -> String {
        self.directives.join("; ").replace(NONCE_SLOT, nonce)
    }

    /// `Trunk.toml`'s `[serve]` section giving `trunk serve` exactly these headers (`make dev`
    /// writes it with `backend --print-trunk-serve`).
    pub fn trunk_serve_toml(&self) -> String {
        let quote = |s: &str| serde_json::Value::from(s).to_string();
        let csp: Vec<String> = self.directives.iter().map(|d| format!("  {},", quote(d))).collect();
        let headers: Vec<String> =
            ISOLATION_HEADERS.iter().map(|(name, value)| format!("{name} = {}", quote(value))).collect();
        format!("[serve]\ncsp = [\n{}\n]\n\n[serve.headers]\n{}\n", csp.join("\n"), headers.join("\n"))
    }
}

/// `index.html` as trunk built it, answered with a fresh nonce and the policy naming it.
#[derive(Debug, Clone)]
pub struct IndexPage {
    html: String,
    policy: AppPolicy,
}

impl IndexPage {
    /// Reads `dist/index.html`; it must carry trunk's nonce placeholder, or its loader could not run
    /// under the policy.
    pub fn load(dist: &Path, policy: AppPolicy) -> Result<Self, ConfigError> {
        let path = dist.join("index.html");
        let html = std::fs::read_to_string(&path)
            .map_err(|source| ConfigError::Io { path: path.display().to_string(), source })?;
        Self::new(html, policy).map_err(|reason| ConfigError::Invalid(format!("{}: {reason}", path.display())))
    }

    /// A page from its text; refused when a `<script>` lacks the nonce placeholder.
    pub fn new(html: String, policy: AppPolicy) -> Result<Self, String> {
        if html.matches("<script").count() > html.matches(NONCE_PLACEHOLDER).count() {
            return Err(format!(
                "a <script> without the nonce placeholder {NONCE_PLACEHOLDER}: build with trunk's \
                 `create_nonce = true` (Trunk.toml [build]), as `make build` does"
            ));
        }
        Ok(Self { html, policy })
    }

    /// The page with a new nonce (128 random bits) and its CSP.
    pub fn respond(&self, req: &HttpRequest) -> HttpResponse {
        let mut bytes = [0u8; 16];
        if SystemRandom::new().fill(&mut bytes).is_err() {
            // Without randomness there is no safe nonce: better no page than a predictable one.
            return HttpResponse::ServiceUnavailable().body("no randomness for the page's nonce");
        }
        let nonce = STANDARD.encode(bytes);
        let mut response = HttpResponse::Ok();
        response
            .content_type("text/html; charset=utf-8")
            .insert_header((header::CONTENT_SECURITY_POLICY, self.policy.header(&nonce)))
            // Each response has its own nonce: a cached copy would carry a spent one.
            .insert_header((header::CACHE_CONTROL, "no-store"));
        if req.method() == Method::HEAD {
            return response.finish();
        }
        response.body(self.html.replace(NONCE_PLACEHOLDER, &nonce))
    }
}

/// Whether `relative` (under `dist`) really is inside `canonical_dist`, symlinks resolved. A path
/// that does not exist is let through: it is answered as missing.
fn inside(canonical_dist: &Path, relative: &Path) -> bool {
    canonical_dist.join(relative).canonicalize().map_or(true, |real| real.starts_with(canonical_dist))
}

async fn index(page: web::Data<IndexPage>, req: HttpRequest) -> HttpResponse {
    page.respond(&req)
}

/// `Cache-Control` of an asset: a name with trunk's content hash (`name-<hex>.js`, `.css` or
/// `_bg.wasm`, where `<hex>` is a 64-bit hash written without leading zeros, so 1–16 digits) never
/// changes, so it is cached for a year without revalidation; any other file (`auth_config.json`,
/// the favicon) is revalidated every time.
pub fn cache_control(name: &str) -> &'static str {
    let hashed = name.rsplit_once('-').is_some_and(|(_, tail)| {
        let digits = tail.bytes().take_while(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')).count();
        (1..=16).contains(&digits) && matches!(&tail[digits..], ".js" | ".css" | "_bg.wasm")
    });
    if hashed {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    }
}

/// Whether the client takes `coding` (`Accept-Encoding`, RFC 9110 §12.5.3; `q=0` refuses).
fn accepts(accept_encoding: &str, coding: &str) -> bool {
    accept_encoding.split(',').any(|item| {
        let mut parts = item.split(';').map(str::trim);
        let name = parts.next().unwrap_or_default();
        let refused = parts.any(|p| p.strip_prefix("q=").is_some_and(|q| q.trim_end_matches(['0', '.']).is_empty()));
        name.eq_ignore_ascii_case(coding) && !refused
    })
}

/// The directory precompressed assets are looked up in.
#[derive(Debug, Clone)]
pub struct Dist {
    canonical: PathBuf,
}

impl Dist {
    /// The compressed file to send for `path` to a client that sent `accept_encoding`, best first
    /// (brotli, then gzip): only a plain file name in `dist/` (no directory, no dot file) whose
    /// original is there too, with a `.br` or `.gz` sibling that really is inside `dist/` and is not
    /// older than the original. A file edited after the build (`auth_config.json`, by hand) is
    /// served as edited, and a compressed copy whose original is gone is not served at all.
    fn compressed(&self, path: &str, accept_encoding: &str) -> Option<(PathBuf, ContentEncoding, &'static str)> {
        let name = path.strip_prefix('/')?;
        let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
        if name.is_empty() || name.starts_with('.') || !name.chars().all(plain) {
            return None;
        }
        let modified = |file: &Path| -> Option<std::time::SystemTime> {
            let real = file.canonicalize().ok()?;
            let meta = real.metadata().ok()?;
            (real.starts_with(&self.canonical) && meta.is_file()).then_some(meta.modified().ok()?)
        };
        let original = modified(&self.canonical.join(name))?;
        [("br", ContentEncoding::Brotli), ("gzip", ContentEncoding::Gzip)].into_iter().find_map(|(coding, encoding)| {
            let suffix = if coding == "br" { "br" } else { "gz" };
            let file = self.canonical.join(format!("{name}.{suffix}"));
            let fresh = modified(&file).is_some_and(|copy| copy >= original);
            (accepts(accept_encoding, coding) && fresh).then_some((file, encoding, suffix))
        })
    }
}

/// Serves an asset's precompressed sibling when the client takes it (with `Content-Encoding`,
/// `Vary: Accept-Encoding` and the original's type), and gives every asset its `Cache-Control`.
pub async fn assets(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let name = req.path().rsplit('/').next().unwrap_or_default().to_owned();
    let readable = matches!(*req.method(), Method::GET | Method::HEAD);
    let dist = req.app_data::<web::Data<Dist>>().cloned();
    let accept =
        req.headers().get(header::ACCEPT_ENCODING).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let found = dist.filter(|_| readable).and_then(|dist| dist.compressed(req.path(), &accept));
    let mut response = match found {
        Some((file, encoding, _)) => {
            let (http, _) = req.into_parts();
            let original = name.rsplit_once('.').map(|(_, ext)| ext).unwrap_or_default();
            let served = NamedFile::open_async(&file)
                .await?
                .set_content_type(actix_files::file_extension_to_mime(original))
                .set_content_encoding(encoding)
                .disable_content_disposition();
            let response = served.into_response(&http);
            ServiceResponse::new(http, response)
        }
        None => next.call(req).await?.map_into_boxed_body(),
    };
    // A file with a name: an asset. The page (`/`, routes) keeps its own no-store. A 304 carries
    // the headers its 200 would have (RFC 9110 §15.4.5).
    let status = response.status();
    if name.contains('.') && name != "index.html" && (status.is_success() || status == StatusCode::NOT_MODIFIED) {
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache_control(&name)));
        headers.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    }
    Ok(response)
}

/// Registers the static files of `dist` with history fallback to `page`.
pub fn configure_spa(cfg: &mut web::ServiceConfig, dist: PathBuf, page: web::Data<IndexPage>) {
    let canonical = dist.canonicalize().unwrap_or_else(|_| dist.clone());
    let fallback = page.clone();
    cfg.app_data(page)
        .app_data(web::Data::new(Dist { canonical: canonical.clone() }))
        .route("/healthz", web::get().to(crate::healthz))
        .service(web::resource(["/", "/index.html"]).route(web::get().to(index)).route(web::head().to(index)))
        .service(
            web::scope("").wrap(middleware::from_fn(assets)).service(
                // The page is never a file: however its path is written (`//index.html`, `/%69ndex.html`),
                // it is answered by the page handler or not at all, so it never goes out without its CSP.
                Files::new("/", dist)
                    .path_filter(move |relative, _| {
                        relative.file_name().is_none_or(|name| name != "index.html") && inside(&canonical, relative)
                    })
                    .default_handler(fn_service(move |req: ServiceRequest| {
                        let page = fallback.clone();
                        async move {
                            let (req, _) = req.into_parts();
                            let last = req.path().rsplit('/').next().unwrap_or_default();
                            let is_route = matches!(*req.method(), Method::GET | Method::HEAD) && !last.contains('.');
                            let response =
                                if is_route { page.respond(&req) } else { HttpResponse::NotFound().finish() };
                            Ok(ServiceResponse::new(req, response))
                        }
                    })),
            ),
        );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> AppPolicy {
        AppPolicy::new("http://localhost:4000", "http://localhost:3001", &[]).expect("policy")
    }

    #[test]
    fn the_policy_names_only_the_provider_and_the_api() {
        let csp = policy().header("N0nce");
        for directive in [
            "default-src 'none'",
            "script-src 'self' 'wasm-unsafe-eval' 'nonce-N0nce'",
            "connect-src 'self' http://localhost:4000 http://localhost:3001",
            "frame-src http://localhost:4000 http://localhost:3001",
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
        ] {
            assert!(csp.split("; ").any(|d| d == directive), "{directive} in {csp}");
        }
        assert!(!csp.contains("unsafe-inline") && !csp.contains('*'), "{csp}");
        let tenant =
            AppPolicy::new("https://t.eu.auth0.com/", "https://api.example/", &["http://127.0.0.1:4000".into()])
                .expect("policy")
                .header("n");
        assert!(tenant.contains("connect-src 'self' https://t.eu.auth0.com https://api.example http://127.0.0.1:4000"));
        assert!(AppPolicy::new("not a url", "http://localhost:3001", &[]).is_err());
        assert!(AppPolicy::new("http://localhost:4000", "http://localhost:3001", &["javascript:x".into()]).is_err());
    }

    #[test]
    fn hashed_assets_are_immutable_and_the_rest_revalidated() {
        // trunk writes the hash as `{:x}` of a u64: a leading zero nibble makes it 15 digits.
        for hashed in [
            "frontend-3be559de258c6dcb_bg.wasm",
            "frontend-3be559de258c6dcb.js",
            "styles-8be42401ddbf6706.css",
            "frontend-727a62de8599b20_bg.wasm",
            "frontend-727a62de8599b20.js",
            "styles-2a9c40f1d0e7b3.css",
        ] {
            assert_eq!(cache_control(hashed), "public, max-age=31536000, immutable", "{hashed}");
        }
        for plain in [
            "auth_config.json",
            "favicon.svg",
            "frontend-3be559de258c6dcb1.js",
            "a-zzzzzzzzzzzzzzzz.js",
            "frontend-.js",
            "notes-3be559de.txt",
            "frontend-3be559de.js.map",
        ] {
            assert_eq!(cache_control(plain), "no-cache", "{plain}");
        }
    }

    #[test]
    fn accept_encoding_is_read_with_its_weights() {
        assert!(accepts("gzip, deflate, br", "br"));
        assert!(accepts("br;q=1.0, gzip;q=0.5", "gzip"));
        assert!(!accepts("gzip;q=0, br", "gzip"));
        assert!(!accepts("br;q=0.0", "br"));
        assert!(!accepts("identity", "br"));
        assert!(!accepts("", "gzip"));
    }

    #[test]
    fn a_page_whose_script_has_no_nonce_slot_is_refused() {
        let built = format!("<script type=\"module\" nonce=\"{NONCE_PLACEHOLDER}\">import x</script>");
        assert!(IndexPage::new(built, policy()).is_ok());
        assert!(IndexPage::new("<script type=\"module\">import x</script>".into(), policy()).is_err());
    }
}
