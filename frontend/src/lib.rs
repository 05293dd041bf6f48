//! A Yew single-page app that keeps its session alive by renewing tokens silently, before they
//! expire: Auth0's "jQuery Token Renewal" tutorial, done properly.
//!
//! Layers, each importing only from those below it:
//! `app`, `route`, `pages` and `widgets` (the UI) → `api` (calls with the session's token) → `auth`
//! (the owner of the session: `context` and `scheduler` → `model` and `browser` → `protocol`).
//! `hooks` and `format` serve the UI.

pub mod api;
pub mod app;
pub mod auth;
pub mod format;
pub mod hooks;
pub mod pages;
pub mod route;
pub mod widgets;

/// The layer rule, checked on the source: a module may import only from its own layer or below.
#[cfg(test)]
mod layers {
    use std::path::Path;

    /// Layers from the bottom up, each a list of path prefixes under `src/`.
    const LAYERS: &[(&str, &[&str])] = &[
        ("protocol", &["auth/protocol/"]),
        ("browser", &["auth/browser/"]),
        ("model", &["auth/model.rs"]),
        ("owner", &["auth/context.rs", "auth/mod.rs"]),
        // A component under the owner, reading its context: the owner never imports it.
        ("scheduler", &["auth/scheduler.rs"]),
        ("api", &["api.rs"]),
        ("ui", &["pages/", "widgets/", "hooks.rs", "format.rs", "route.rs", "app.rs"]),
    ];

    /// What an import path names, as the layer it lives in.
    const TARGETS: &[(&str, &str)] = &[
        ("auth::protocol", "protocol"),
        ("super::protocol", "protocol"),
        ("auth::browser", "browser"),
        ("super::browser", "browser"),
        ("auth::model", "model"),
        ("super::model", "model"),
        ("auth::context", "owner"),
        ("super::context", "owner"),
        ("auth::scheduler", "scheduler"),
        ("super::scheduler", "scheduler"),
        ("crate::api", "api"),
        ("crate::pages", "ui"),
        ("crate::widgets", "ui"),
        ("crate::hooks", "ui"),
        ("crate::format", "ui"),
        ("crate::route", "ui"),
        ("crate::app", "ui"),
    ];

    fn rank(layer: &str) -> usize {
        LAYERS.iter().position(|(name, _)| *name == layer).unwrap_or(usize::MAX)
    }

    fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("src is readable").flatten() {
            let path = entry.path();
            if path.is_dir() {
                files(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    #[test]
    fn no_module_imports_from_a_layer_above_it() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut all = Vec::new();
        files(&src, &mut all);
        let mut checked = 0;
        for path in all {
            let rel = path.strip_prefix(&src).expect("under src").to_string_lossy().replace('\\', "/");
            let Some((own, _)) = LAYERS.iter().find(|(_, prefixes)| prefixes.iter().any(|p| rel.starts_with(p))) else {
                continue;
            };
            // `super::` inside auth/protocol/ or auth/browser/ means a sibling of the same layer.
            let nested = rel.starts_with("auth/protocol/") || rel.starts_with("auth/browser/");
            let text = std::fs::read_to_string(&path).expect("readable");
            let code = text.split("#[cfg(test)]").next().unwrap_or_default();
            for line in code.lines().map(str::trim).filter(|l| l.starts_with("use ") || l.starts_with("pub use ")) {
                for (target, layer) in TARGETS {
                    if nested && target.starts_with("super::") {
                        continue;
                    }
                    if line.contains(target) {
                        assert!(rank(layer) <= rank(own), "{rel} ({own}) imports from {layer}: {line}");
                    }
                }
            }
            checked += 1;
        }
        assert!(checked > 30, "only {checked} files checked");
    }
}
