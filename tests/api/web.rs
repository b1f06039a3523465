//! The web app as the server delivers it: security headers on pages, assets and API
//! answers; 404 for paths that are no page of the app; each project page's own title
//! and preview tags; the API documentation page.

use std::path::Path;

use serde_json::json;

use crate::helpers::{TestApp, assert_problem, spawn_app_with};

/// A stand-in build of the front end: an `index.html` with the head markers the real
/// build has (frontend/index.html), and one hashed asset.
fn fake_build(dir: &Path) {
    std::fs::create_dir_all(dir.join("assets")).unwrap();
    std::fs::write(
        dir.join("index.html"),
        "<!doctype html><html lang=\"en\"><head><meta charset=\"UTF-8\" />\n\
         <!-- openfund:head (replaced by the server) -->\n<title>OpenFund</title>\n\
         <!-- /openfund:head -->\n<script type=\"module\" src=\"/assets/app-1234.js\"></script>\n\
         </head><body><div id=\"root\"></div></body></html>",
    )
    .unwrap();
    std::fs::write(dir.join("assets/app-1234.js"), "console.log('app');").unwrap();
}

async fn spawn_web_app(public_url: &str) -> (TestApp, tempfile::TempDir) {
    let dist = tempfile::tempdir().unwrap();
    fake_build(dist.path());
    let dir = dist.path().to_owned();
    let url = public_url.to_owned();
    let app = spawn_app_with(move |c| {
        c.static_dir = Some(dir);
        c.public_url = Some(url);
        c.instance_name = "Harbour Fund".to_owned();
    })
    .await;
    (app, dist)
}

fn header<'a>(res: &'a reqwest::Response, name: &str) -> &'a str {
    res.headers()
        .get(name)
        .unwrap_or_else(|| panic!("{} has no {name} header", res.url()))
        .to_str()
        .unwrap()
}

/// The headers every response carries; returns its Content-Security-Policy.
fn assert_security_headers(res: &reqwest::Response) -> String {
    assert_eq!(
        header(res, "x-content-type-options"),
        "nosniff",
        "{}",
        res.url()
    );
    assert_eq!(
        header(res, "referrer-policy"),
        "no-referrer",
        "{}",
        res.url()
    );
    assert_eq!(header(res, "x-frame-options"), "DENY", "{}", res.url());
    let csp = header(res, "content-security-policy").to_owned();
    let directives: Vec<&str> = csp.split(';').map(str::trim).collect();
    assert!(
        directives.contains(&"frame-ancestors 'none'"),
        "{}: {csp}",
        res.url()
    );
    assert!(!csp.contains("unsafe-"), "{}: {csp}", res.url());
    csp
}

#[tokio::test]
async fn pages_assets_and_api_answers_carry_security_headers() {
    let (app, _dist) = spawn_web_app("http://fund.example").await;

    // Pages, including those whose address carries a one-time token.
    for path in [
        "/",
        "/verify-email?token=secret-1",
        "/reset-password?token=secret-2",
        "/signin/github?error=github_denied",
        "/no/such/page",
    ] {
        let res = app.get(path).await;
        assert!(
            header(&res, "content-type").starts_with("text/html"),
            "{path}"
        );
        let csp = assert_security_headers(&res);
        let directives: Vec<&str> = csp.split(';').map(str::trim).collect();
        for wanted in [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
        ] {
            assert!(directives.contains(&wanted), "{path}: {wanted} in {csp}");
        }
    }

    // An asset, API answers (success, problem, method not allowed), operations.
    let api_user = app.user().await;
    let responses = [
        app.get("/assets/app-1234.js").await,
        app.get("/api/v1/projects").await,
        app.get_as("/api/v1/me", &api_user.token).await,
        app.get("/api/v1/nothing-here").await,
        app.client
            .delete(app.url("/api/v1/projects"))
            .send()
            .await
            .unwrap(),
        app.get("/api/v1/openapi.json").await,
        app.get("/healthz").await,
    ];
    for res in &responses {
        let csp = assert_security_headers(res);
        assert!(
            csp.split(';').any(|d| d.trim() == "default-src 'none'"),
            "{}: {csp}",
            res.url()
        );
    }
    assert_eq!(responses[0].status().as_u16(), 200);
    assert_eq!(responses[2].status().as_u16(), 200);
    assert_eq!(responses[3].status().as_u16(), 404);
    assert_eq!(responses[4].status().as_u16(), 405);
}

#[tokio::test]
async fn only_the_apps_pages_answer_200() {
    let (app, _dist) = spawn_web_app("http://fund.example").await;
    for path in [
        "/",
        "/signup",
        "/login",
        "/login?next=/settings",
        "/forgot-password",
        "/reset-password?token=x",
        "/verify-email?token=x",
        "/settings",
        "/settings/",
        "/signin/github",
        "/admin/jobs",
        "/admin/outbox",
    ] {
        let res = app.get(path).await;
        assert_eq!(res.status().as_u16(), 200, "{path}");
        let html = res.text().await.unwrap();
        assert!(html.contains("<div id=\"root\">"), "{path}: {html}");
        assert!(
            html.contains("<title>Harbour Fund</title>"),
            "{path}: {html}"
        );
    }
    for path in [
        "/no/such/page",
        "/signup/extra",
        "/projects",
        "/projects/",
        "/projects/no-such-project",
        "/projects/a/b",
        "/settingsx",
    ] {
        let res = app.get(path).await;
        assert_eq!(res.status().as_u16(), 404, "{path}");
        assert!(
            header(&res, "content-type").starts_with("text/html"),
            "{path}"
        );
        // The app itself, which renders its not-found page.
        let html = res.text().await.unwrap();
        assert!(html.contains("<div id=\"root\">"), "{path}: {html}");
        assert!(html.contains(" · Harbour Fund</title>"), "{path}: {html}");
    }
    let head = app
        .client
        .head(app.url("/no/such/page"))
        .send()
        .await
        .unwrap();
    assert_eq!(head.status().as_u16(), 404);
    // The API keeps answering problems.
    assert_problem(app.get("/api/v1/no/such/thing").await, 404, "not_found").await;
    assert_problem(app.get("/api/v1/docsx").await, 404, "not_found").await;
    assert_problem(app.get("/assets/missing-0000.js").await, 404, "not_found").await;
}

#[tokio::test]
async fn a_project_page_has_its_own_title_and_preview_tags() {
    let (app, _dist) = spawn_web_app("https://fund.example/").await;
    let owner = app.user().await;
    let res = app
        .create_project(
            &owner.token,
            &json!({
                "slug": "tiny-lm",
                "name": "Tiny <LM> & \"friends\"",
                "summary": "A 'small' model.\n</title><script>alert(1)</script>",
                "kind": "model",
                "homepage": null
            }),
        )
        .await;
    assert_eq!(res.status().as_u16(), 201);

    let res = app.get("/projects/tiny-lm").await;
    assert_eq!(res.status().as_u16(), 200);
    let html = res.text().await.unwrap();
    let name = "Tiny &lt;LM&gt; &amp; &quot;friends&quot;";
    let summary =
        "A &#x27;small&#x27; model. &lt;&#x2F;title&gt;&lt;script&gt;alert(1)&lt;&#x2F;script&gt;";
    for wanted in [
        format!("<title>{name} · Harbour Fund</title>"),
        format!("<meta name=\"description\" content=\"{summary}\" />"),
        format!("<meta property=\"og:title\" content=\"{name}\" />"),
        format!("<meta property=\"og:description\" content=\"{summary}\" />"),
        "<meta property=\"og:url\" content=\"https:&#x2F;&#x2F;fund.example&#x2F;projects&#x2F;tiny-lm\" />".to_owned(),
        "<meta property=\"og:site_name\" content=\"Harbour Fund\" />".to_owned(),
        "<meta property=\"og:type\" content=\"website\" />".to_owned(),
        "<meta name=\"twitter:card\" content=\"summary\" />".to_owned(),
        format!("<meta name=\"twitter:title\" content=\"{name}\" />"),
    ] {
        assert!(html.contains(&wanted), "missing {wanted} in\n{html}");
    }
    assert!(!html.contains("<script>alert"), "{html}");
    assert!(!html.contains("<LM>"), "{html}");
    // Only one title: the build's default was replaced.
    assert_eq!(html.matches("<title>").count(), 1, "{html}");
    assert!(!html.contains("openfund:head"), "{html}");

    // The project's goal pages are pages of the app (the app says if a goal is missing).
    for path in ["/projects/tiny-lm/goals/1", "/projects/tiny-lm/goals/999"] {
        let res = app.get(path).await;
        assert_eq!(res.status().as_u16(), 200, "{path}");
        // Sponsor logos on the project's wall load over https, nothing else from elsewhere.
        let csp = header(&res, "content-security-policy");
        assert!(
            csp.split(';')
                .any(|d| d.trim() == "img-src 'self' data: https:"),
            "{path}: {csp}"
        );
    }
}

#[tokio::test]
async fn the_api_documentation_is_a_page_of_the_app() {
    let (app, _dist) = spawn_web_app("http://fund.example").await;
    let res = app.get("/api/v1/docs").await;
    assert_eq!(res.status().as_u16(), 308);
    assert_eq!(header(&res, "location"), "/api/v1/docs/");
    let res = app.get("/api/v1/docs/").await;
    assert_eq!(res.status().as_u16(), 200);
    assert_security_headers(&res);
    let html = res.text().await.unwrap();
    assert!(html.contains("<div id=\"root\">"), "{html}");
    assert!(
        html.contains("<title>API documentation · Harbour Fund</title>"),
        "{html}"
    );

    let spec = app.get("/api/v1/openapi.json").await;
    assert_eq!(spec.status().as_u16(), 200);
    assert!(header(&spec, "content-type").starts_with("application/json"));
    let doc: serde_json::Value = spec.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
}
