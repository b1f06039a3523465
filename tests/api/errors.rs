//! Every error is problem+json with a stable code: never HTML, never a 500.

use crate::helpers::{assert_problem, spawn_app};

#[tokio::test]
async fn unknown_api_route_is_a_404_problem() {
    let app = spawn_app().await;
    assert_problem(app.get("/api/v1/no-such-thing").await, 404, "not_found").await;
    assert_problem(app.get("/api/v2/projects").await, 404, "not_found").await;
}

#[tokio::test]
async fn malformed_json_is_a_400_problem() {
    let app = spawn_app().await;
    let user = app.user().await;
    let res = app
        .client
        .post(app.url("/api/v1/projects"))
        .bearer_auth(&user.token)
        .header("content-type", "application/json")
        .body(r#"{"slug": "x", "name": "#)
        .send()
        .await
        .unwrap();
    assert_problem(res, 400, "malformed_json").await;
}

#[tokio::test]
async fn json_of_the_wrong_shape_is_a_422_problem() {
    let app = spawn_app().await;
    let user = app.user().await;
    let res = app
        .client
        .post(app.url("/api/v1/projects"))
        .bearer_auth(&user.token)
        .json(&serde_json::json!({"slug": "ok-slug", "name": "N", "kind": "spaceship"}))
        .send()
        .await
        .unwrap();
    assert_problem(res, 422, "invalid_body").await;
}

#[tokio::test]
async fn oversize_body_is_a_413_problem() {
    let app = spawn_app().await;
    let user = app.user().await;
    let huge = format!(
        r#"{{"slug":"big","name":"{}","kind":"model"}}"#,
        "x".repeat(200_000)
    );
    let res = app
        .client
        .post(app.url("/api/v1/projects"))
        .bearer_auth(&user.token)
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_problem(res, 413, "payload_too_large").await;
}

#[tokio::test]
async fn non_json_body_is_a_415_problem() {
    let app = spawn_app().await;
    let user = app.user().await;
    let res = app
        .client
        .post(app.url("/api/v1/projects"))
        .bearer_auth(&user.token)
        .header("content-type", "text/plain")
        .body("slug=x")
        .send()
        .await
        .unwrap();
    assert_problem(res, 415, "unsupported_media_type").await;
}

#[tokio::test]
async fn wrong_method_is_a_405_problem_with_allow() {
    let app = spawn_app().await;
    let res = app
        .client
        .delete(app.url("/api/v1/projects"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["allow"], "GET, POST");
    assert_problem(res, 405, "method_not_allowed").await;

    let res = app
        .client
        .put(app.url("/api/v1/projects/some-slug"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["allow"], "GET, PATCH");
    assert_problem(res, 405, "method_not_allowed").await;

    let res = app.client.post(app.url("/healthz")).send().await.unwrap();
    assert_problem(res, 405, "method_not_allowed").await;

    let res = app.client.post(app.url("/some/page")).send().await.unwrap();
    assert_problem(res, 405, "method_not_allowed").await;
}

#[tokio::test]
async fn bad_query_parameters_are_400_problems() {
    let app = spawn_app().await;
    let body = assert_problem(
        app.get(&format!(
            "/api/v1/projects?limit=1000&q={}",
            "q".repeat(101)
        ))
        .await,
        400,
        "invalid_parameter",
    )
    .await;
    let fields: Vec<_> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(fields, ["limit", "q"]);
    assert_problem(
        app.get("/api/v1/projects?limit=abc").await,
        400,
        "invalid_query",
    )
    .await;
}

#[tokio::test]
async fn page_paths_fall_back_to_the_web_app() {
    let app = spawn_app().await;
    // The app's pages are the web app; any other path is too, with 404 (its
    // not-found page), and so is a project that does not exist (issue 6).
    for (path, status) in [
        ("/", 200),
        ("/login", 200),
        ("/projects/anything", 404),
        ("/some/deep/page", 404),
    ] {
        let res = app.get(path).await;
        assert_eq!(res.status().as_u16(), status, "{path}");
        assert!(
            res.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        let html = res.text().await.unwrap();
        assert!(html.contains("OpenFund"), "{path}: {html}");
    }
    // A missing hashed asset is a real 404, not the app shell.
    assert_problem(app.get("/assets/missing-0000.js").await, 404, "not_found").await;
}

#[tokio::test]
async fn api_docs_are_browsable() {
    let app = spawn_app().await;
    let res = app.get("/api/v1/docs").await;
    assert_eq!(res.status().as_u16(), 308);
    let res = app.get("/api/v1/docs/").await;
    assert_eq!(res.status().as_u16(), 200);
    // A page of the web app (issue 6 replaced Swagger UI), titled for the docs.
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("<title>API documentation · OpenFund</title>")
    );
}

/// Request bodies are JSON objects: serde would otherwise read an array as the fields
/// by position (`[]` was an empty, successful patch) and a number or string as garbage.
#[tokio::test]
async fn a_body_that_is_not_a_json_object_is_a_422_problem() {
    use reqwest::Method;
    use serde_json::json;
    let app = spawn_app().await;
    let user = app.user().await;
    let res = app
        .create_project(
            &user.token,
            &json!({"slug": "shape", "name": "Shape", "kind": "model"}),
        )
        .await;
    assert_eq!(res.status(), 201);
    for body in [
        json!([]),
        json!(["Renamed"]),
        json!(7),
        json!("x"),
        json!(null),
    ] {
        let res = app
            .send_json_as(Method::PATCH, "/api/v1/projects/shape", &user.token, &body)
            .await;
        assert_problem(res, 422, "invalid_body").await;
        let res = app
            .send_json_as(
                Method::POST,
                "/api/v1/projects",
                &user.token,
                &json!(["positional", "Positional", "", "model"]),
            )
            .await;
        assert_problem(res, 422, "invalid_body").await;
        let res = app
            .client
            .post(app.url("/api/v1/projects/shape/pledges"))
            .bearer_auth(&user.token)
            .header("idempotency-key", "k-shape")
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_problem(res, 422, "invalid_body").await;
    }
    let project = app.json_as("/api/v1/projects/shape", &user.token).await;
    assert_eq!(project["name"], "Shape");
    let pledges = app
        .json_as("/api/v1/projects/shape/pledges", &user.token)
        .await;
    assert_eq!(
        pledges["items"].as_array().map(Vec::len),
        Some(0),
        "{pledges}"
    );
}
