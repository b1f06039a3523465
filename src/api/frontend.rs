//! Serves the built web app: hashed assets with long caching, and `index.html` for
//! any other page path so the client-side router can take over. Unknown `/api/` paths
//! get a problem instead (404, or 405 with `Allow` when the path exists).

use std::borrow::Cow;
use std::path::{Component, Path, PathBuf};

use actix_web::http::{Method, header};
use actix_web::{HttpRequest, HttpResponse, web};

use super::{ApiError, AppState};

/// The front end's build output, embedded in release builds; debug builds read it
/// from disk so a rebuilt front end shows without recompiling the server.
#[derive(rust_embed::RustEmbed)]
#[folder = "$CARGO_MANIFEST_DIR/frontend/dist"]
#[allow_missing = true]
struct Embedded;

/// Where the front end's files come from.
#[derive(Debug, Clone)]
pub enum Frontend {
    Embedded,
    Dir(PathBuf),
}

impl Frontend {
    pub fn new(dir: Option<PathBuf>) -> Self {
        dir.map_or(Frontend::Embedded, Frontend::Dir)
    }

    fn file(&self, path: &str) -> Option<Cow<'static, [u8]>> {
        match self {
            Frontend::Embedded => Embedded::get(path).map(|f| f.data),
            Frontend::Dir(root) => {
                let rel = Path::new(path);
                // Only plain relative names: no `..`, no absolute paths.
                if !rel.components().all(|c| matches!(c, Component::Normal(_))) {
                    return None;
                }
                std::fs::read(root.join(rel)).ok().map(Cow::Owned)
            }
        }
    }

    pub fn is_built(&self) -> bool {
        self.file("index.html").is_some()
    }
}

const NOT_BUILT: &str = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<title>OpenFund</title></head><body style=\"font-family:system-ui;max-width:40rem;margin:4rem auto\">\
<h1>OpenFund</h1><p>The web front end has not been built. Run <code>make build</code> \
(or <code>npm ci &amp;&amp; npm run build</code> in <code>frontend/</code>) and reload.</p>\
<p>The API is up: <a href=\"/api/v1/docs/\">API documentation</a>.</p></body></html>";

/// Default service: whatever no route claimed.
pub async fn fallback(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let path = req.path();
    if path == "/api" || path.starts_with("/api/") {
        return Err(match state.routes.allowed(path) {
            Some(allow) => ApiError::method_not_allowed(allow),
            None => ApiError::not_found(format!("no API route {path}")),
        });
    }
    if let Some(allow) = state.routes.allowed(path) {
        return Err(ApiError::method_not_allowed(allow));
    }
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return Err(ApiError::method_not_allowed("GET, HEAD".to_owned()));
    }

    let rel = path.trim_start_matches('/');
    if !rel.is_empty() {
        if let Some(data) = state.frontend.file(rel) {
            let mime = mime_guess::from_path(rel).first_or_octet_stream();
            let cache = if rel.starts_with("assets/") {
                "public, max-age=31536000, immutable"
            } else {
                "public, max-age=300"
            };
            return Ok(HttpResponse::Ok()
                .content_type(mime.as_ref())
                .insert_header((header::CACHE_CONTROL, cache))
                .body(data.into_owned()));
        }
        // A missing hashed asset is a real 404, not a page for the client router.
        if rel.starts_with("assets/") {
            return Err(ApiError::not_found(format!("no asset {path}")));
        }
    }
    let index = state
        .frontend
        .file("index.html")
        .map(Cow::into_owned)
        .unwrap_or_else(|| NOT_BUILT.as_bytes().to_vec());
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(index))
}
