//! Serves the built web app: hashed assets with long caching, and `index.html` for the
//! app's pages (the list its router reads, `frontend/src/routes.json`) with each page's
//! title and preview tags in the head. Any other path gets the app's not-found page
//! with status 404; unknown `/api/` paths get a problem (404, or 405 with `Allow`).

use std::borrow::Cow;
use std::path::{Component, Path, PathBuf};
use std::sync::LazyLock;

use actix_web::body::MessageBody;
use actix_web::dev::ServiceResponse;
use actix_web::http::{Method, StatusCode, header};
use actix_web::middleware::ErrorHandlerResponse;
use actix_web::{HttpRequest, HttpResponse, web};

use super::{ApiError, AppState, error};
use crate::app::projects::{self, ProjectError};

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
<!-- openfund:head --><title>OpenFund</title><!-- /openfund:head --></head><body>\
<h1>OpenFund</h1><p>The web front end has not been built. Run <code>make build</code> \
(or <code>npm ci &amp;&amp; npm run build</code> in <code>frontend/</code>) and reload.</p>\
<p>The API is up: <a href=\"/api/v1/openapi.json\">OpenAPI document</a>.</p></body></html>";

// ---------------------------------------------------------------- the app's pages

/// The page list shared with the client-side router.
const ROUTES_JSON: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/frontend/src/routes.json"
));

#[derive(serde::Deserialize)]
struct RouteFile {
    pages: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Param,
}

fn parse_pages(json: &str) -> Result<Vec<(String, Vec<Segment>)>, serde_json::Error> {
    let file: RouteFile = serde_json::from_str(json)?;
    Ok(file
        .pages
        .into_iter()
        .map(|pattern| {
            let segments = segments(&pattern)
                .map(|s| match s.strip_prefix(':') {
                    Some(_) => Segment::Param,
                    None => Segment::Literal(s.to_owned()),
                })
                .collect();
            (pattern, segments)
        })
        .collect())
}

static PAGES: LazyLock<Vec<(String, Vec<Segment>)>> = LazyLock::new(|| {
    // A constant compiled into the binary and covered by a unit test.
    parse_pages(ROUTES_JSON).unwrap_or_else(|e| panic!("frontend/src/routes.json: {e}"))
});

/// A path's segments, ignoring a trailing slash (as the client's router does).
fn segments(path: &str) -> impl Iterator<Item = &str> {
    let trimmed = path.trim_end_matches('/');
    trimmed.split('/').skip(1)
}

/// The page pattern a path belongs to (e.g. `/projects/:slug`) and its parameters.
fn match_page(path: &str) -> Option<(&'static str, Vec<&str>)> {
    let parts: Vec<&str> = segments(path).collect();
    PAGES.iter().find_map(|(pattern, template)| {
        if template.len() != parts.len() {
            return None;
        }
        let mut params = Vec::new();
        for (seg, part) in template.iter().zip(&parts) {
            match seg {
                Segment::Literal(lit) if lit == part => {}
                Segment::Param if !part.is_empty() => params.push(*part),
                _ => return None,
            }
        }
        Some((pattern.as_str(), params))
    })
}

// ---------------------------------------------------------------- the page head

/// What a page's head says before any script runs: for browsers, crawlers, and the
/// previews chat apps and social sites build from a shared link.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Head {
    title: String,
    description: String,
    /// Open Graph and Twitter card tags: `(title, canonical URL)`.
    preview: Option<(String, String)>,
    site_name: String,
}

const DEFAULT_DESCRIPTION: &str = "Open AI projects raise money and GPU compute here, with a \
public ledger and recognition for every contributor.";

/// Descriptions longer than this are cut for previews (sites show ~160–200 characters).
const DESCRIPTION_MAX: usize = 200;

fn shorten(text: &str, max: usize) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() <= max {
        return text;
    }
    let cut: String = text.chars().take(max - 1).collect();
    format!("{}…", cut.trim_end())
}

impl Head {
    fn render(&self) -> String {
        use html_escape::encode_safe as esc;
        let mut out = format!(
            "<title>{}</title>\n    <meta name=\"description\" content=\"{}\" />",
            esc(&self.title),
            esc(&self.description)
        );
        if let Some((title, url)) = &self.preview {
            let tags = [
                ("property", "og:type", "website"),
                ("property", "og:site_name", self.site_name.as_str()),
                ("property", "og:title", title.as_str()),
                ("property", "og:description", self.description.as_str()),
                ("property", "og:url", url.as_str()),
                ("name", "twitter:card", "summary"),
                ("name", "twitter:title", title.as_str()),
                ("name", "twitter:description", self.description.as_str()),
            ];
            for (attr, key, value) in tags {
                out.push_str(&format!(
                    "\n    <meta {attr}=\"{key}\" content=\"{}\" />",
                    esc(value)
                ));
            }
        }
        out
    }
}

const HEAD_START: &str = "<!-- openfund:head";
const HEAD_END: &str = "<!-- /openfund:head -->";

/// `index.html` with the block between the head markers replaced; unchanged when the
/// markers are missing (an older build).
fn with_head(index: &str, head: &Head) -> String {
    let Some(start) = index.find(HEAD_START) else {
        return index.to_owned();
    };
    let Some(end) = index[start..]
        .find(HEAD_END)
        .map(|i| start + i + HEAD_END.len())
    else {
        return index.to_owned();
    };
    format!("{}{}{}", &index[..start], head.render(), &index[end..])
}

/// A project's name and summary for its page's head: the one lookup the page server
/// makes.
async fn project_preview(
    state: &AppState,
    slug: String,
) -> Result<Option<(String, String)>, ProjectError> {
    state
        .services
        .db
        .read(move |conn| match projects::get(conn, &slug) {
            Ok(p) => Ok(Some((p.name, p.summary))),
            Err(ProjectError::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        })
        .await
}

/// The head and status of the page at `path`.
async fn page_head(state: &AppState, path: &str) -> (StatusCode, Head) {
    let site = state.services.mail.instance_name.clone();
    let base = state
        .services
        .mail
        .public_url
        .trim_end_matches('/')
        .to_owned();
    let titled = |title: &str| format!("{title} · {site}");
    let plain = |title: String| Head {
        title,
        description: DEFAULT_DESCRIPTION.to_owned(),
        preview: None,
        site_name: site.clone(),
    };
    let not_found = || (StatusCode::NOT_FOUND, plain(titled("Page not found")));

    let Some((pattern, params)) = match_page(path) else {
        return not_found();
    };
    match pattern {
        "/" => {
            let mut head = plain(site.clone());
            head.preview = Some((site.clone(), format!("{base}/")));
            (StatusCode::OK, head)
        }
        "/projects/:slug" => {
            let slug = params.first().copied().unwrap_or_default().to_owned();
            match project_preview(state, slug.clone()).await {
                Ok(Some((name, summary))) => {
                    let description = shorten(&summary, DESCRIPTION_MAX);
                    let head = Head {
                        title: titled(&name),
                        description: if description.is_empty() {
                            DEFAULT_DESCRIPTION.to_owned()
                        } else {
                            description
                        },
                        preview: Some((name, format!("{base}/projects/{slug}"))),
                        site_name: site.clone(),
                    };
                    (StatusCode::OK, head)
                }
                Ok(None) => (StatusCode::NOT_FOUND, plain(titled("Project not found"))),
                // The page's own API call will show the trouble; serve the app.
                Err(err) => {
                    tracing::warn!(error = ?err, "project lookup for the page head failed");
                    (StatusCode::OK, plain(site.clone()))
                }
            }
        }
        "/api/v1/docs" => (StatusCode::OK, plain(titled("API documentation"))),
        _ => (StatusCode::OK, plain(site.clone())),
    }
}

/// Marks a response as a page of the web app, so its 404 keeps the app's not-found
/// page instead of becoming a problem document.
#[derive(Debug, Clone, Copy)]
struct AppPage;

/// A page of the web app: `index.html` with the page's head; 404 with the app's
/// not-found page when no page lives at the path.
pub async fn page(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let (status, head) = page_head(&state, req.path()).await;
    let index = state
        .frontend
        .file("index.html")
        .map(|i| String::from_utf8_lossy(&i).into_owned());
    let body = with_head(index.as_deref().unwrap_or(NOT_BUILT), &head);
    let mut res = HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(body);
    res.extensions_mut().insert(AppPage);
    res
}

/// The error handler for every response: the app's own not-found page passes as it
/// is; any other error gets a problem body ([`error::ensure_problem_body`]).
pub fn problem_unless_page<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    if res.response().extensions().contains::<AppPage>() {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    error::ensure_problem_body(res)
}

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
    Ok(page(req, state).await)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shared_page_list_parses_and_matches() {
        assert!(PAGES.len() >= 5);
        assert_eq!(match_page("/"), Some(("/", vec![])));
        assert_eq!(
            match_page("/projects/tiny-lm"),
            Some(("/projects/:slug", vec!["tiny-lm"]))
        );
        assert_eq!(
            match_page("/projects/tiny-lm/"),
            Some(("/projects/:slug", vec!["tiny-lm"]))
        );
        assert_eq!(match_page("/settings").map(|m| m.0), Some("/settings"));
        assert_eq!(
            match_page("/api/v1/docs/").map(|m| m.0),
            Some("/api/v1/docs")
        );
        assert_eq!(match_page("/projects"), None);
        assert_eq!(match_page("/projects/"), None);
        assert_eq!(match_page("/projects/a/b"), None);
        assert_eq!(match_page("/no/such/page"), None);
        assert_eq!(match_page("/settingsx"), None);
    }

    fn head() -> Head {
        Head {
            title: "<Tiny> & \"LM\" · OpenFund".to_owned(),
            description: "A 'small' model </title><script>alert(1)</script>".to_owned(),
            preview: Some((
                "<Tiny> & \"LM\"".to_owned(),
                "http://x.test/projects/tiny".to_owned(),
            )),
            site_name: "Open\"Fund".to_owned(),
        }
    }

    #[test]
    fn the_head_escapes_what_it_carries() {
        let html = head().render();
        assert!(!html.contains("<script>"), "{html}");
        assert!(!html.contains("<Tiny>"), "{html}");
        assert!(html.contains("<title>&lt;Tiny&gt; &amp; &quot;LM&quot; · OpenFund</title>"));
        assert!(html.contains(
            "<meta property=\"og:title\" content=\"&lt;Tiny&gt; &amp; &quot;LM&quot;\" />"
        ));
        assert!(html.contains("<meta property=\"og:site_name\" content=\"Open&quot;Fund\" />"));
        assert!(html.contains("<meta name=\"twitter:card\" content=\"summary\" />"));
        // Every attribute value stays inside its quotes.
        for line in html.lines().skip(1) {
            assert_eq!(line.matches('"').count(), 4, "{line}");
        }
    }

    #[test]
    fn the_head_replaces_the_marked_block_only() {
        let index = "<head><meta charset=\"utf-8\">\n<!-- openfund:head (x) -->\n<title>Old</title>\n\
                     <!-- /openfund:head -->\n<script src=\"/a.js\"></script></head>";
        let out = with_head(index, &head());
        assert!(out.starts_with("<head><meta charset=\"utf-8\">\n<title>&lt;Tiny"));
        assert!(out.ends_with("/>\n<script src=\"/a.js\"></script></head>"));
        assert!(!out.contains("Old"));
        assert_eq!(with_head("<head></head>", &head()), "<head></head>");
        // The page shown when the front end is not built gets the head too.
        let not_built = with_head(NOT_BUILT, &head());
        assert!(not_built.contains("<title>&lt;Tiny"), "{not_built}");
        assert!(!not_built.contains("style="), "{not_built}");
    }

    #[test]
    fn long_descriptions_are_cut_on_a_character() {
        assert_eq!(shorten("  a\n b  ", 10), "a b");
        let long = "é".repeat(300);
        let cut = shorten(&long, 200);
        assert_eq!(cut.chars().count(), 200);
        assert!(cut.ends_with('…'));
    }
}
