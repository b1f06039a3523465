use serde_json::json;

use crate::helpers::{assert_problem, spawn_app};

fn project(slug: &str) -> serde_json::Value {
    json!({
        "slug": slug,
        "name": format!("Project {slug}"),
        "summary": "An open model.",
        "kind": "model",
        "homepage": "https://example.org/p"
    })
}

#[tokio::test]
async fn empty_instance_lists_no_projects() {
    let app = spawn_app().await;
    let res = app.get("/api/v1/projects").await;
    assert_eq!(res.status().as_u16(), 200);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(
        body,
        json!({"items": [], "page": 1, "per_page": 20, "total": 0})
    );
}

#[tokio::test]
async fn operator_creates_a_project_that_can_then_be_read() {
    let app = spawn_app().await;
    let owner = app.user().await;
    let res = app.create_project(&owner.token, &project("pythia")).await;
    assert_eq!(res.status().as_u16(), 201);
    assert_eq!(res.headers()["location"], "/api/v1/projects/pythia");
    let created: serde_json::Value = res.json().await.unwrap();
    assert_eq!(created["slug"], "pythia");
    assert_eq!(created["kind"], "model");
    assert_eq!(created["homepage"], "https://example.org/p");

    let res = app.get("/api/v1/projects/pythia").await;
    assert_eq!(res.status().as_u16(), 200);
    let read: serde_json::Value = res.json().await.unwrap();
    assert_eq!(read, created, "the stored row reads back exactly");

    // The creator is the project's one member, as owner.
    use diesel::{ExpressionMethods, QueryDsl, RunQueryDsl};
    use openfund::db::schema::{project_members, projects};
    let members: Vec<(i64, String)> = project_members::table
        .inner_join(projects::table)
        .filter(projects::slug.eq("pythia"))
        .select((project_members::user_id, project_members::role))
        .load(&mut app.conn())
        .unwrap();
    assert_eq!(members, vec![(owner.id, "owner".to_owned())]);
}

#[tokio::test]
async fn missing_project_is_a_404_problem() {
    let app = spawn_app().await;
    assert_problem(app.get("/api/v1/projects/not-here").await, 404, "not_found").await;
}

#[tokio::test]
async fn list_is_paginated_newest_first() {
    let app = spawn_app().await;
    let owner = app.user().await;
    for i in 0..5 {
        let res = app
            .create_project(&owner.token, &project(&format!("p{i}")))
            .await;
        assert_eq!(res.status().as_u16(), 201);
    }
    let page1: serde_json::Value = app
        .get("/api/v1/projects?per_page=2")
        .await
        .json()
        .await
        .unwrap();
    let page3: serde_json::Value = app
        .get("/api/v1/projects?per_page=2&page=3")
        .await
        .json()
        .await
        .unwrap();
    let slugs = |v: &serde_json::Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["slug"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(slugs(&page1), ["p4", "p3"]);
    assert_eq!(slugs(&page3), ["p0"]);
    assert_eq!(page1["total"], 5);
    assert_eq!(page3["page"], 3);
    let beyond: serde_json::Value = app
        .get("/api/v1/projects?per_page=2&page=9")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(beyond["items"], json!([]));
}

#[tokio::test]
async fn creating_needs_a_signed_in_caller_with_write_scope() {
    let app = spawn_app().await;
    let url = app.url("/api/v1/projects");

    let anonymous = app
        .client
        .post(&url)
        .json(&project("anon"))
        .send()
        .await
        .unwrap();
    assert!(anonymous.headers().contains_key("www-authenticate"));
    assert_problem(anonymous, 401, "unauthenticated").await;

    let bogus = app
        .create_project("not-a-real-token", &project("bogus"))
        .await;
    assert_problem(bogus, 401, "invalid_token").await;

    let basic = app
        .client
        .post(&url)
        .basic_auth("admin", Some("pw"))
        .json(&project("basic"))
        .send()
        .await
        .unwrap();
    assert_problem(basic, 401, "invalid_token").await;

    let user = app.user().await;
    let read_only = app.api_token(&user, &["read"]).await;
    assert_problem(
        app.create_project(&read_only, &project("ro")).await,
        403,
        "insufficient_scope",
    )
    .await;

    // Nothing was written by the refused requests.
    let list: serde_json::Value = app.get("/api/v1/projects").await.json().await.unwrap();
    assert_eq!(list["total"], 0);

    let writer = app.api_token(&user, &["read", "write"]).await;
    assert_eq!(
        app.create_project(&writer, &project("rw"))
            .await
            .status()
            .as_u16(),
        201
    );
    assert_eq!(
        app.create_project(&user.token, &project("session"))
            .await
            .status()
            .as_u16(),
        201
    );
}

#[tokio::test]
async fn invalid_fields_are_a_422_problem_listing_each() {
    let app = spawn_app().await;
    let owner = app.user().await;
    let res = app
        .create_project(
            &owner.token,
            &json!({
                "slug": "Bad Slug",
                "name": "   ",
                "kind": "dataset",
                "homepage": "javascript:alert(1)"
            }),
        )
        .await;
    let body = assert_problem(res, 422, "validation_failed").await;
    let fields: Vec<_> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(fields, ["slug", "name", "homepage"]);
    let list: serde_json::Value = app.get("/api/v1/projects").await.json().await.unwrap();
    assert_eq!(list["total"], 0);
}

#[tokio::test]
async fn a_taken_slug_is_a_409_problem() {
    let app = spawn_app().await;
    let owner = app.user().await;
    assert_eq!(
        app.create_project(&owner.token, &project("twin"))
            .await
            .status()
            .as_u16(),
        201
    );
    assert_problem(
        app.create_project(&owner.token, &project("twin")).await,
        409,
        "slug_taken",
    )
    .await;
    let list: serde_json::Value = app.get("/api/v1/projects").await.json().await.unwrap();
    assert_eq!(list["total"], 1);
}
