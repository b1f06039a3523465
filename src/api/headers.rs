//! Security headers on every response: a Content-Security-Policy, no framing, no MIME
//! sniffing, and no `Referer` (some page URLs carry one-time tokens).

use std::fmt;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpResponse, ResponseError};

/// The web app's policy: its own scripts, styles and API only. No inline
/// script and no inline style: the built app has neither (React sets `style` through
/// the CSSOM, which `style-src` does not govern), and the browser tests fail on any
/// violation. `data:` images are allowed for small CSS icons, and `https:` images for
/// the logos of approved sponsors on a project's wall (their links are http(s) only;
/// the app shows only https logos, and no page sends a `Referer`). Markdown images are
/// still shown as links, never loaded.
pub const PAGE_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
img-src 'self' data: https:; font-src 'self'; connect-src 'self'; manifest-src 'self'; \
object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Everything that is not a page (JSON, assets, metrics, SVG): nothing may load or
/// run from it, should a browser ever render one as a document.
pub const RESOURCE_CSP: &str =
    "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// Adds the security headers to whatever the app answered, errors included.
pub async fn security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    match next.call(req).await {
        Ok(mut res) => {
            apply(res.headers_mut());
            Ok(res)
        }
        // An error no inner layer turned into a response is rendered by the server
        // later, from the error alone: wrap it so that rendering adds the headers too.
        Err(err) => Err(WithSecurityHeaders(err).into()),
    }
}

struct WithSecurityHeaders(Error);

impl fmt::Debug for WithSecurityHeaders {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for WithSecurityHeaders {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl ResponseError for WithSecurityHeaders {
    fn status_code(&self) -> StatusCode {
        self.0.as_response_error().status_code()
    }

    fn error_response(&self) -> HttpResponse<BoxBody> {
        let mut res = self.0.error_response();
        apply(res.headers_mut());
        res
    }
}

/// Sets the headers a response does not already carry.
fn apply(headers: &mut HeaderMap) {
    let is_page = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("text/html"));
    let csp = if is_page { PAGE_CSP } else { RESOURCE_CSP };
    let wanted: [(HeaderName, &'static str); 4] = [
        (header::CONTENT_SECURITY_POLICY, csp),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        // Verification, reset and OAuth landing URLs carry tokens: never leak them.
        (header::REFERRER_POLICY, "no-referrer"),
        // For browsers that predate `frame-ancestors`.
        (header::X_FRAME_OPTIONS, "DENY"),
    ];
    for (name, value) in wanted {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers_for(content_type: Option<&'static str>) -> HeaderMap {
        let mut headers = HeaderMap::new();
        if let Some(ct) = content_type {
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
        }
        apply(&mut headers);
        headers
    }

    #[test]
    fn pages_get_the_app_policy_and_everything_else_the_closed_one() {
        let page = headers_for(Some("text/html; charset=utf-8"));
        assert_eq!(page.get(header::CONTENT_SECURITY_POLICY).unwrap(), PAGE_CSP);
        let json = headers_for(Some("application/json"));
        assert_eq!(
            json.get(header::CONTENT_SECURITY_POLICY).unwrap(),
            RESOURCE_CSP
        );
        let none = headers_for(None);
        assert_eq!(
            none.get(header::CONTENT_SECURITY_POLICY).unwrap(),
            RESOURCE_CSP
        );
        for h in [page, json, none] {
            assert_eq!(h.get(header::X_CONTENT_TYPE_OPTIONS).unwrap(), "nosniff");
            assert_eq!(h.get(header::REFERRER_POLICY).unwrap(), "no-referrer");
            assert_eq!(h.get(header::X_FRAME_OPTIONS).unwrap(), "DENY");
        }
    }

    #[test]
    fn errors_rendered_outside_the_app_get_the_headers_too() {
        let err: Error = WithSecurityHeaders(actix_web::error::ErrorBadRequest("bad")).into();
        let res = err.error_response();
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);
        assert_eq!(
            res.headers().get(header::CONTENT_SECURITY_POLICY).unwrap(),
            RESOURCE_CSP
        );
        assert_eq!(
            res.headers().get(header::REFERRER_POLICY).unwrap(),
            "no-referrer"
        );
    }

    #[test]
    fn a_policy_already_set_is_kept() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'self'"),
        );
        apply(&mut headers);
        assert_eq!(
            headers.get(header::CONTENT_SECURITY_POLICY).unwrap(),
            "default-src 'self'"
        );
    }

    #[test]
    fn the_app_policy_allows_no_inline_script_or_style_and_no_framing() {
        for directive in PAGE_CSP.split(';').map(str::trim) {
            assert!(!directive.contains("unsafe"), "{directive}");
        }
        assert!(PAGE_CSP.contains("frame-ancestors 'none'"));
        assert!(RESOURCE_CSP.contains("frame-ancestors 'none'"));
    }

    #[test]
    fn the_app_policy_loads_sponsor_logos_over_https_only() {
        let img = PAGE_CSP
            .split(';')
            .map(str::trim)
            .find(|d| d.starts_with("img-src"))
            .unwrap();
        let sources: Vec<_> = img.split_whitespace().skip(1).collect();
        assert_eq!(sources, ["'self'", "data:", "https:"]);
        // Scripts, styles and connections stay on the site itself.
        for directive in [
            "script-src 'self';",
            "style-src 'self';",
            "connect-src 'self';",
        ] {
            assert!(PAGE_CSP.contains(directive), "{directive}");
        }
    }
}
