//! `/silent`: the page the hidden renewal iframe lands on. The template is read once at start-up,
//! the app origin written into it, and the inline script's SHA-256 put in the CSP, so the page runs
//! exactly that script, only inside a frame of the app, and posts only to the app's origin.

use std::path::Path;

use actix_web::http::header::{self, HeaderValue};
use actix_web::web::{Bytes, Data};
use actix_web::HttpResponse;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use sha2::{Digest, Sha256};

use crate::error::ConfigError;

/// Placeholder in `public/silent.html` replaced by the app origin at start-up.
pub const ORIGIN_PLACEHOLDER: &str = "__APP_ORIGIN__";

/// The rendered silent page and its Content-Security-Policy, held in memory, the policy as a ready
/// header value: parsed per request, it was a measurable part of serving the page.
#[derive(Debug, Clone)]
pub struct SilentPage {
    body: Bytes,
    csp: HeaderValue,
}

impl SilentPage {
    /// Reads the template from disk and renders it for `app_origin`.
    pub fn load(path: &Path, app_origin: &str) -> Result<Self, ConfigError> {
        let template = std::fs::read_to_string(path)
            .map_err(|source| ConfigError::Io { path: path.display().to_string(), source })?;
        Self::render(&template, app_origin)
            .map_err(|reason| ConfigError::SilentPage { path: path.display().to_string(), reason })
    }

    /// Renders a template: exactly one inline script, containing the origin placeholder.
    pub fn render(template: &str, app_origin: &str) -> Result<Self, String> {
        if !template.contains(ORIGIN_PLACEHOLDER) {
            return Err(format!("missing the {ORIGIN_PLACEHOLDER} placeholder"));
        }
        let html = template.replace(ORIGIN_PLACEHOLDER, app_origin);
        let script = inline_script(&html).ok_or("needs exactly one inline <script>…</script>")?;
        let hash = STANDARD.encode(Sha256::digest(script.as_bytes()));
        let csp = format!(
            "default-src 'none'; script-src 'sha256-{hash}'; frame-ancestors {app_origin}; \
             base-uri 'none'; form-action 'none'"
        );
        let csp =
            HeaderValue::from_str(&csp).map_err(|_| format!("the app origin {app_origin:?} cannot go in a header"))?;
        Ok(Self { body: Bytes::from(html), csp })
    }

    /// The Content-Security-Policy sent with the page.
    pub fn csp(&self) -> &str {
        self.csp.to_str().unwrap_or_default()
    }
}

/// The text between the only `<script>` and its `</script>`, as the browser hashes it.
fn inline_script(html: &str) -> Option<&str> {
    let (_, after_open) = html.split_once("<script>")?;
    let (script, rest) = after_open.split_once("</script>")?;
    (!rest.contains("<script")).then_some(script)
}

/// `GET`/`HEAD /silent`.
pub async fn silent(page: Data<SilentPage>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_SECURITY_POLICY, page.csp.clone()))
        .insert_header((header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")))
        // The page is tiny and its CSP follows the server's configuration: never reuse a stale copy.
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .body(page.body.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEMPLATE: &str = "<p>x</p><script>post(\"__APP_ORIGIN__\")</script>";

    #[test]
    fn hash_covers_the_rendered_script() {
        let page = SilentPage::render(TEMPLATE, "http://localhost:5000");
        let expected = STANDARD.encode(Sha256::digest(b"post(\"http://localhost:5000\")"));
        assert!(page.as_ref().is_ok_and(|p| p.csp().contains(&format!("'sha256-{expected}'"))));
        assert!(page.is_ok_and(|p| p.csp().contains("frame-ancestors http://localhost:5000;")));
    }

    #[test]
    fn templates_without_placeholder_or_with_two_scripts_are_refused() {
        assert!(SilentPage::render("<script>x</script>", "http://a").is_err());
        assert!(SilentPage::render("<script>__APP_ORIGIN__</script><script>y</script>", "http://a").is_err());
        assert!(SilentPage::render("__APP_ORIGIN__ no script", "http://a").is_err());
    }
}
