//! The page's static files, embedded in the binary: no CDN, no build step.

use axum::extract::Path;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

/// The page may load only its own scripts and styles and call only its own origin; card data
/// can never bring in a script, a frame or an image from elsewhere.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const INDEX_HTML: &str = include_str!("../../assets/preview/index.html");

/// `(file name, content type, contents)` of every asset under `/preview/`.
const ASSETS: &[(&str, &str, &str)] = &[
    ("app.js", "text/javascript; charset=utf-8", include_str!("../../assets/preview/app.js")),
    ("cards.js", "text/javascript; charset=utf-8", include_str!("../../assets/preview/cards.js")),
    ("dom.js", "text/javascript; charset=utf-8", include_str!("../../assets/preview/dom.js")),
    ("markdown.js", "text/javascript; charset=utf-8", include_str!("../../assets/preview/markdown.js")),
    ("render.js", "text/javascript; charset=utf-8", include_str!("../../assets/preview/render.js")),
    ("preview.css", "text/css; charset=utf-8", include_str!("../../assets/preview/preview.css")),
];

/// `GET /preview`.
pub(super) async fn page() -> Response {
    file("text/html; charset=utf-8", INDEX_HTML)
}

/// `GET /preview/{asset}`; 404 for any other name.
pub(super) async fn asset(Path(name): Path<String>) -> Response {
    match ASSETS.iter().find(|(file_name, _, _)| *file_name == name) {
        Some((_, content_type, body)) => file(content_type, body),
        None => (
            StatusCode::NOT_FOUND,
            Json(json!({ "error": { "code": "not_found", "message": format!("no preview asset {name:?}") } })),
        )
            .into_response(),
    }
}

fn file(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
            (header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY)),
            (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
            (header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")),
        ],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every file of `assets/preview/` is served, so a new script cannot be forgotten.
    #[test]
    fn every_asset_file_is_served() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/preview");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .expect("assets/preview")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .filter(|name| name != "index.html")
            .collect();
        files.sort();
        let mut served: Vec<String> = ASSETS.iter().map(|(name, _, _)| (*name).to_owned()).collect();
        served.sort();
        assert_eq!(files, served);
    }

    /// The page loads its scripts and styles from `/preview/` only, never from elsewhere.
    #[test]
    fn the_page_loads_nothing_from_elsewhere() {
        assert!(!INDEX_HTML.contains("http://") && !INDEX_HTML.contains("https://"));
        for (name, _, body) in ASSETS {
            assert!(
                !body.contains("innerHTML") && !body.contains("insertAdjacentHTML"),
                "{name} builds DOM nodes, never HTML"
            );
            assert!(
                !body.contains("localStorage") && !body.contains("sessionStorage"),
                "{name} keeps the token in memory"
            );
        }
    }
}
