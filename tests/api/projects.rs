use serde_json::json;

use reqwest::Method;

use crate::helpers::{TestApp, assert_problem, spawn_app};

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
        json!({"items": [], "next_cursor": null, "total": 0, "kinds": [
            {"kind": "model", "count": 0}, {"kind": "dataset", "count": 0},
            {"kind": "library", "count": 0}, {"kind": "tool", "count": 0},
            {"kind": "other", "count": 0}
        ]})
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
async fn list_is_paginated_newest_first_by_cursor() {
    let app = spawn_app().await;
    let owner = app.user().await;
    for i in 0..5 {
        let res = app
            .create_project(&owner.token, &project(&format!("p{i}")))
            .await;
        assert_eq!(res.status().as_u16(), 201);
    }
    let (seen, pages) = walk(&app, "/api/v1/projects?limit=2").await;
    assert_eq!(seen, ["p4", "p3", "p2", "p1", "p0"]);
    assert_eq!(pages, 3);
    let first: serde_json::Value = app
        .get("/api/v1/projects?limit=2")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(first["total"], 5, "the total counts every page");
}

/// Follows `next_cursor` from `path`; returns every slug seen and the number of pages.
async fn walk(app: &crate::helpers::TestApp, path: &str) -> (Vec<String>, usize) {
    let mut seen = Vec::new();
    let mut pages = 0;
    let mut cursor: Option<String> = None;
    loop {
        let url = match &cursor {
            Some(c) => format!("{path}&cursor={c}"),
            None => path.to_owned(),
        };
        let res = app.get(&url).await;
        assert_eq!(res.status().as_u16(), 200, "{url}");
        let page: serde_json::Value = res.json().await.unwrap();
        pages += 1;
        for p in page["items"].as_array().unwrap() {
            seen.push(p["slug"].as_str().unwrap().to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return (seen, pages),
        }
        assert!(pages < 50, "the walk ends");
    }
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

fn named(slug: &str, name: &str, kind: &str) -> serde_json::Value {
    json!({"slug": slug, "name": name, "kind": kind})
}

async fn list(app: &TestApp, query: &str) -> serde_json::Value {
    let res = app.get(&format!("/api/v1/projects?{query}")).await;
    assert_eq!(res.status().as_u16(), 200, "{query}");
    res.json().await.unwrap()
}

fn slugs(v: &serde_json::Value) -> Vec<String> {
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["slug"].as_str().unwrap().to_owned())
        .collect()
}

fn count_of(v: &serde_json::Value, kind: &str) -> i64 {
    v["kinds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kind"] == kind)
        .unwrap()["count"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn search_filter_sort_and_counts_are_done_by_the_server() {
    let app = spawn_app().await;
    let owner = app.user().await;
    for (slug, name, kind) in [
        ("alpha", "Alpha Model", "model"),
        ("alpha-data", "alpha_data", "dataset"),
        ("beta", "Beta 100%", "tool"),
        ("eclair", "ÉCLAIR", "model"),
        ("gamma", "gamma", "library"),
        ("back", "Back\\slash", "other"),
    ] {
        let res = app
            .create_project(&owner.token, &named(slug, name, kind))
            .await;
        assert_eq!(res.status().as_u16(), 201, "{slug}");
    }
    // Case-insensitive search; counts over the whole filtered list, per kind.
    let found = list(&app, "q=ALPHA&limit=1").await;
    assert_eq!(found["total"], 2);
    assert_eq!(found["items"].as_array().unwrap().len(), 1);
    assert_eq!(
        (count_of(&found, "model"), count_of(&found, "dataset")),
        (1, 1)
    );
    assert_eq!(count_of(&found, "tool"), 0);
    // The kind filter narrows the total, not the chips.
    let models = list(&app, "q=alpha&kind=model").await;
    assert_eq!(slugs(&models), ["alpha"]);
    assert_eq!(models["total"], 1);
    assert_eq!(count_of(&models, "dataset"), 1);
    // Wildcards are plain characters; Unicode case is folded the same on both backends.
    assert_eq!(slugs(&list(&app, "q=%25").await), ["beta"]);
    assert_eq!(slugs(&list(&app, "q=_").await), ["alpha-data"]);
    assert_eq!(slugs(&list(&app, "q=%5C").await), ["back"]);
    assert_eq!(slugs(&list(&app, "q=%C3%A9clair").await), ["eclair"]);
    assert_eq!(list(&app, "q=zzz").await["total"], 0);
    // A blank search is no search.
    assert_eq!(list(&app, "q=%20%20").await["total"], 6);
    // Sorted by name (bytewise on the lower-cased name), paged by cursor.
    let (by_name, pages) = walk(&app, "/api/v1/projects?sort=name&limit=4").await;
    assert_eq!(
        by_name,
        ["alpha", "alpha-data", "back", "beta", "gamma", "eclair"]
    );
    assert_eq!(pages, 2);
    let (by_name_models, _) = walk(&app, "/api/v1/projects?sort=name&kind=model&limit=1").await;
    assert_eq!(by_name_models, ["alpha", "eclair"]);
    // Recently changed first: an edit moves a project to the front.
    let res = app
        .send_json_as(
            Method::PATCH,
            "/api/v1/projects/gamma",
            &owner.token,
            &json!({"summary": "edited"}),
        )
        .await;
    assert_eq!(res.status().as_u16(), 200);
    let (updated, _) = walk(&app, "/api/v1/projects?sort=updated&limit=2").await;
    assert_eq!(updated[0], "gamma");
    assert_eq!(updated.len(), 6);
    // A cursor of another sort, or made up, is refused; so are bad parameters.
    let first = list(&app, "sort=name&limit=1").await;
    let cursor = first["next_cursor"].as_str().unwrap();
    assert_problem(
        app.get(&format!("/api/v1/projects?sort=newest&cursor={cursor}"))
            .await,
        400,
        "invalid_cursor",
    )
    .await;
    assert_problem(
        app.get("/api/v1/projects?cursor=bm9wZQ").await,
        400,
        "invalid_cursor",
    )
    .await;
    assert_problem(
        app.get("/api/v1/projects?q=a%00b").await,
        400,
        "invalid_parameter",
    )
    .await;
    let long = "x".repeat(101);
    assert_problem(
        app.get(&format!("/api/v1/projects?q={long}")).await,
        400,
        "invalid_parameter",
    )
    .await;
    assert_problem(
        app.get("/api/v1/projects?limit=0").await,
        400,
        "invalid_parameter",
    )
    .await;
    assert_eq!(
        app.get("/api/v1/projects?sort=size")
            .await
            .status()
            .as_u16(),
        400
    );
    assert_eq!(
        app.get("/api/v1/projects?kind=robot")
            .await
            .status()
            .as_u16(),
        400
    );
}

#[tokio::test]
async fn settings_are_created_read_and_patched_field_by_field() {
    let app = spawn_app().await;
    let owner = app.user().await;
    let res = app
        .create_project(
            &owner.token,
            &json!({
                "slug": "full", "name": "Full", "kind": "model",
                "description": "# Hello\n\n*Markdown*",
                "license": "Apache-2.0 OR MIT",
                "repository_url": "https://github.com/org/full",
                "model_card_url": "https://huggingface.co/org/full",
                "currency": "EUR",
                "auto_approve_sponsors": true,
                "contact_name": "Ada",
                "contact_email": "Ada@Example.org"
            }),
        )
        .await;
    assert_eq!(res.status().as_u16(), 201);
    let p: serde_json::Value = res.json().await.unwrap();
    assert_eq!(p["license"], "Apache-2.0 OR MIT");
    assert_eq!(p["currency"], "EUR");
    assert_eq!(p["auto_approve_sponsors"], true);
    assert_eq!(p["contact_email"], "ada@example.org");
    assert_eq!(p["description"], "# Hello\n\n*Markdown*");
    assert_eq!(p["archived_at"], json!(null));

    // Defaults.
    let res = app
        .create_project(&owner.token, &named("bare", "Bare", "tool"))
        .await;
    let bare: serde_json::Value = res.json().await.unwrap();
    assert_eq!(bare["currency"], "USD");
    assert_eq!(bare["license"], json!(null));
    assert_eq!(bare["auto_approve_sponsors"], false);

    // Absent fields stay, null clears, values set.
    let patch = |body: serde_json::Value| {
        let app = &app;
        let token = owner.token.clone();
        async move {
            app.send_json_as(Method::PATCH, "/api/v1/projects/full", &token, &body)
                .await
        }
    };
    let res = patch(
        json!({"name": "  Fuller ", "license": null, "homepage": "https://full.example.org"}),
    )
    .await;
    assert_eq!(res.status().as_u16(), 200);
    let p: serde_json::Value = res.json().await.unwrap();
    assert_eq!(p["name"], "Fuller");
    assert_eq!(p["license"], json!(null));
    assert_eq!(p["homepage"], "https://full.example.org");
    assert_eq!(p["repository_url"], "https://github.com/org/full");
    assert_eq!(p["currency"], "EUR");
    assert_eq!(p["slug"], "full");
    let read: serde_json::Value = app.get("/api/v1/projects/full").await.json().await.unwrap();
    assert_eq!(read, p);

    // Every broken field at once; nothing stored.
    let res = patch(json!({
        "name": null,
        "kind": null,
        "license": "Not A Licence",
        "repository_url": "javascript:alert(1)",
        "model_card_url": "ftp://x.org/card",
        "currency": "XYZ",
        "contact_email": "nope",
        "description": "nul\u{0}byte",
        "summary": "s".repeat(1001)
    }))
    .await;
    let body = assert_problem(res, 422, "validation_failed").await;
    let mut fields: Vec<String> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect();
    fields.sort();
    assert_eq!(
        fields,
        [
            "contact_email",
            "currency",
            "description",
            "kind",
            "license",
            "model_card_url",
            "name",
            "repository_url",
            "summary"
        ]
    );
    let after: serde_json::Value = app.get("/api/v1/projects/full").await.json().await.unwrap();
    assert_eq!(after, p, "a refused patch changes nothing");
    // Wrong types are 4xx too, never a 500.
    for bad in [
        json!({"auto_approve_sponsors": "yes"}),
        json!({"kind": 3}),
        json!([1]),
    ] {
        let status = patch(bad.clone()).await.status().as_u16();
        assert!((400..500).contains(&status), "{bad}: {status}");
    }
    // An empty patch is fine and changes nothing.
    assert_eq!(patch(json!({})).await.status().as_u16(), 200);
    // Unknown project.
    assert_problem(
        app.send_json_as(
            Method::PATCH,
            "/api/v1/projects/nope",
            &owner.token,
            &json!({}),
        )
        .await,
        404,
        "not_found",
    )
    .await;
    // Creating with a broken detail reports it with the basics.
    let res = app
        .create_project(
            &owner.token,
            &json!({"slug": "X", "name": "n", "kind": "tool", "license": "??"}),
        )
        .await;
    let body = assert_problem(res, 422, "validation_failed").await;
    let fields: Vec<_> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].clone())
        .collect();
    assert_eq!(fields, [json!("slug"), json!("license")]);
}

#[tokio::test]
async fn the_currency_is_locked_once_money_moved() {
    let app = spawn_app().await;
    let owner = app.user().await;
    let res = app
        .create_project(&owner.token, &named("coin", "Coin", "model"))
        .await;
    let id = res.json::<serde_json::Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap();
    let set = |currency: &'static str| {
        let (app, token) = (&app, owner.token.clone());
        async move {
            app.send_json_as(
                Method::PATCH,
                "/api/v1/projects/coin",
                &token,
                &json!({"currency": currency}),
            )
            .await
        }
    };
    assert_eq!(set("JPY").await.status().as_u16(), 200);
    assert_eq!(set("USD").await.status().as_u16(), 200);
    crate::ledger::gift(&app, openfund::domain::ids::ProjectId(id), 100);
    assert_problem(set("EUR").await, 409, "currency_locked").await;
    // Sending the currency it already has is no change.
    assert_eq!(set("USD").await.status().as_u16(), 200);
    let p: serde_json::Value = app.get("/api/v1/projects/coin").await.json().await.unwrap();
    assert_eq!(p["currency"], "USD");
}

#[tokio::test]
async fn archived_projects_refuse_pledges_and_expenses_and_leave_the_list() {
    let app = spawn_app().await;
    let owner = app.user().await;
    let res = app
        .create_project(&owner.token, &named("old", "Old", "model"))
        .await;
    let id = res.json::<serde_json::Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap();
    crate::ledger::gift(&app, openfund::domain::ids::ProjectId(id), 1000);
    app.create_project(&owner.token, &named("new", "New", "model"))
        .await;

    let res = app
        .send_json_as(
            Method::POST,
            "/api/v1/projects/old/archive",
            &owner.token,
            &json!({}),
        )
        .await;
    assert_eq!(res.status().as_u16(), 200);
    let p: serde_json::Value = res.json().await.unwrap();
    assert!(p["archived_at"].is_string());
    // Twice changes nothing.
    let again: serde_json::Value = app
        .send_json_as(
            Method::POST,
            "/api/v1/projects/old/archive",
            &owner.token,
            &json!({}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again["archived_at"], p["archived_at"]);

    let public = list(&app, "").await;
    assert_eq!(slugs(&public), ["new"]);
    assert_eq!(public["total"], 1);
    assert_eq!(count_of(&public, "model"), 1);
    let all = list(&app, "include_archived=true").await;
    assert_eq!(slugs(&all), ["new", "old"]);
    assert_eq!(count_of(&all, "model"), 2);
    assert_eq!(app.get("/api/v1/projects/old").await.status().as_u16(), 200);

    let pledge = app
        .client
        .post(app.url("/api/v1/projects/old/pledges"))
        .bearer_auth(&owner.token)
        .header("idempotency-key", "archived-1")
        .json(&json!({"kind": "money", "amount": {"currency": "USD", "amount_minor": 500}}))
        .send()
        .await
        .unwrap();
    assert_problem(pledge, 409, "project_archived").await;
    let expense = app
        .send_json_as(
            Method::POST,
            "/api/v1/projects/old/expenses",
            &owner.token,
            &json!({"description": "GPU", "amount": {"currency": "USD", "amount_minor": 100}}),
        )
        .await;
    assert_problem(expense, 409, "project_archived").await;

    let res = app
        .send_json_as(
            Method::POST,
            "/api/v1/projects/old/unarchive",
            &owner.token,
            &json!({}),
        )
        .await;
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(slugs(&list(&app, "").await), ["new", "old"]);
    let expense = app
        .send_json_as(
            Method::POST,
            "/api/v1/projects/old/expenses",
            &owner.token,
            &json!({"description": "GPU", "amount": {"currency": "USD", "amount_minor": 100}}),
        )
        .await;
    assert_eq!(expense.status().as_u16(), 201);
}

#[tokio::test]
async fn owners_manage_members_and_the_last_owner_stays() {
    let app = spawn_app().await;
    let owner = app.user().await;
    let maintainer = app.user().await;
    let second = app.user().await;
    let res = app
        .create_project(&owner.token, &named("team", "Team", "tool"))
        .await;
    assert_eq!(res.status().as_u16(), 201);
    let members = "/api/v1/projects/team/members";

    // Add by email (any case) and by id.
    let res = app
        .send_json_as(
            Method::POST,
            members,
            &owner.token,
            &json!({"email": maintainer.email.to_uppercase()}),
        )
        .await;
    assert_eq!(res.status().as_u16(), 201);
    let added: serde_json::Value = res.json().await.unwrap();
    assert_eq!(added["user_id"], maintainer.id);
    assert_eq!(added["role"], "maintainer");
    let res = app
        .send_json_as(
            Method::POST,
            members,
            &owner.token,
            &json!({"user_id": second.id, "role": "owner"}),
        )
        .await;
    assert_eq!(res.status().as_u16(), 201);
    // Unknown accounts, members already, and bodies naming no one or two.
    assert_problem(
        app.send_json_as(
            Method::POST,
            members,
            &owner.token,
            &json!({"email": "ghost@example.org"}),
        )
        .await,
        422,
        "no_such_user",
    )
    .await;
    assert_problem(
        app.send_json_as(
            Method::POST,
            members,
            &owner.token,
            &json!({"user_id": 999_999}),
        )
        .await,
        422,
        "no_such_user",
    )
    .await;
    assert_problem(
        app.send_json_as(
            Method::POST,
            members,
            &owner.token,
            &json!({"user_id": maintainer.id}),
        )
        .await,
        409,
        "already_member",
    )
    .await;
    for bad in [
        json!({}),
        json!({"email": maintainer.email, "user_id": maintainer.id}),
        json!({"user_id": -1}),
        json!({"email": "a\u{0}@x.org"}),
    ] {
        assert_problem(
            app.send_json_as(Method::POST, members, &owner.token, &bad)
                .await,
            422,
            "validation_failed",
        )
        .await;
    }
    // A maintainer may not add or remove others.
    assert_problem(
        app.send_json_as(
            Method::POST,
            members,
            &maintainer.token,
            &json!({"user_id": 1}),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        app.send_json_as(
            Method::DELETE,
            &format!("{members}/{}", owner.id),
            &maintainer.token,
            &json!({}),
        )
        .await,
        403,
        "forbidden",
    )
    .await;

    // The public list: owners first.
    let list: serde_json::Value = app.get(members).await.json().await.unwrap();
    let roles: Vec<(i64, String)> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["user_id"].as_i64().unwrap(),
                m["role"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        roles,
        [
            (owner.id, "owner".to_owned()),
            (second.id, "owner".to_owned()),
            (maintainer.id, "maintainer".to_owned())
        ]
    );
    assert_eq!(list["items"][0]["display_name"], "Test User");
    assert!(
        list["items"][0].get("email").is_none(),
        "no addresses in public"
    );

    // "My projects".
    let mine = app.json_as("/api/v1/me/projects", &maintainer.token).await;
    assert_eq!(mine["items"][0]["project"]["slug"], "team");
    assert_eq!(mine["items"][0]["role"], "maintainer");

    // A maintainer leaves on their own.
    let res = app
        .send_json_as(
            Method::DELETE,
            &format!("{members}/{}", maintainer.id),
            &maintainer.token,
            &json!({}),
        )
        .await;
    assert_eq!(res.status().as_u16(), 204);
    assert_eq!(
        app.json_as("/api/v1/me/projects", &maintainer.token).await["items"],
        json!([])
    );
    assert_problem(
        app.send_json_as(
            Method::DELETE,
            &format!("{members}/{}", maintainer.id),
            &owner.token,
            &json!({}),
        )
        .await,
        404,
        "not_found",
    )
    .await;
    // Two owners: one may go; the last may not.
    let res = app
        .send_json_as(
            Method::DELETE,
            &format!("{members}/{}", second.id),
            &owner.token,
            &json!({}),
        )
        .await;
    assert_eq!(res.status().as_u16(), 204);
    assert_problem(
        app.send_json_as(
            Method::DELETE,
            &format!("{members}/{}", owner.id),
            &owner.token,
            &json!({}),
        )
        .await,
        409,
        "last_owner",
    )
    .await;
    assert_problem(
        app.get("/api/v1/projects/nope/members").await,
        404,
        "not_found",
    )
    .await;
}
