//! The served OpenAPI document is the committed snapshot `openapi/openapi.json`, from
//! which the front end's types are generated. `UPDATE_OPENAPI=1` rewrites the snapshot.

use crate::helpers::spawn_app;

#[tokio::test]
async fn served_document_matches_the_committed_snapshot() {
    let app = spawn_app().await;
    let res = app.get("/api/v1/openapi.json").await;
    assert_eq!(res.status().as_u16(), 200);
    let served: serde_json::Value = res.json().await.unwrap();

    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi/openapi.json");
    if std::env::var("UPDATE_OPENAPI").is_ok() {
        // The same text `openfund openapi` prints, so `make openapi` agrees with this.
        let text = openfund::api::openapi().to_pretty_json().unwrap() + "\n";
        std::fs::write(&path, text).unwrap();
    }
    let committed: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("read snapshot")).unwrap();
    assert!(
        served == committed,
        "openapi/openapi.json is stale: run `make openapi` and regenerate the front-end types"
    );
}

#[tokio::test]
async fn document_describes_every_operation_and_its_problems() {
    let app = spawn_app().await;
    let doc: serde_json::Value = app.get("/api/v1/openapi.json").await.json().await.unwrap();
    let paths = doc["paths"].as_object().unwrap();
    for p in [
        "/api/v1/projects",
        "/api/v1/projects/{slug}",
        "/healthz",
        "/readyz",
        "/metrics",
    ] {
        assert!(paths.contains_key(p), "missing {p}");
    }
    assert_eq!(
        doc["paths"]["/api/v1/projects/{slug}"]["get"]["responses"]["404"]["content"]["application/problem+json"]
            ["schema"]["$ref"],
        "#/components/schemas/Problem"
    );
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    // Clients (the web app's generated types among them) find operations by their id:
    // every operation has one, and no two share it.
    let mut ids = std::collections::BTreeMap::new();
    for (path, item) in paths {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"]
                .as_str()
                .unwrap_or_else(|| panic!("{method} {path} has no operationId"));
            if let Some(other) = ids.insert(id.to_owned(), format!("{method} {path}")) {
                panic!("operationId {id:?} is used by {other} and {method} {path}");
            }
        }
    }
    // The document states the server's own rules, so clients and fuzzers agree with it.
    let props = &doc["components"]["schemas"]["CreateProject"]["properties"];
    use openfund::domain::{project, slug};
    assert_eq!(props["slug"]["pattern"], slug::PATTERN);
    assert_eq!(props["slug"]["maxLength"], slug::MAX_LEN);
    assert_eq!(props["name"]["pattern"], project::NAME_PATTERN);
    assert_eq!(props["name"]["maxLength"], project::NAME_MAX);
    assert_eq!(props["summary"]["pattern"], project::SUMMARY_PATTERN);
    assert_eq!(props["summary"]["maxLength"], project::SUMMARY_MAX);
    assert_eq!(props["homepage"]["pattern"], project::HOMEPAGE_PATTERN);
    for list in ["/api/v1/admin/jobs", "/api/v1/admin/outbox"] {
        let params = doc["paths"][list]["get"]["parameters"].as_array().unwrap();
        let cursor = params.iter().find(|p| p["name"] == "cursor").unwrap();
        assert_eq!(
            cursor["schema"]["pattern"],
            openfund::domain::cursor::CURSOR_PATTERN,
            "{list}"
        );
    }
}
