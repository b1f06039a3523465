use crate::helpers::{assert_problem, spawn_app};

#[tokio::test]
async fn healthz_and_readyz_answer_ok() {
    let app = spawn_app().await;
    for path in ["/healthz", "/readyz"] {
        let res = app.get(path).await;
        assert_eq!(res.status().as_u16(), 200, "{path}");
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body["status"], "ok");
    }
}

#[tokio::test]
async fn readyz_is_503_when_the_database_is_gone() {
    let app = spawn_app().await;
    assert_eq!(app.get("/readyz").await.status().as_u16(), 200);

    app.db.destroy();

    let res = app.get("/readyz").await;
    assert!(res.headers().contains_key("retry-after"));
    assert_problem(res, 503, "database_unavailable").await;
    // The process itself is still alive.
    assert_eq!(app.get("/healthz").await.status().as_u16(), 200);
}

#[tokio::test]
async fn metrics_count_requests_by_route_template_and_status() {
    let app = spawn_app().await;
    app.get("/api/v1/projects").await;
    app.get("/api/v1/projects/missing-one").await;
    app.get("/api/v1/projects/missing-two").await;

    let res = app.get("/metrics").await;
    assert_eq!(res.status().as_u16(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let text = res.text().await.unwrap();
    assert!(
        text.contains(r#"openfund_http_requests_total{method="GET",route="/api/v1/projects/{slug}",status="404"} 2"#),
        "{text}"
    );
    assert!(text.contains(
        r#"openfund_http_request_duration_seconds_bucket{method="GET",route="/api/v1/projects",status="200",le="#
    ));
    assert!(
        !text.contains("missing-one"),
        "raw paths must not become labels"
    );
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let app = spawn_app().await;
    let res = app.get("/healthz").await;
    let id = res.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(id.len(), 36, "a generated UUID: {id}");

    let res = app
        .client
        .get(app.url("/healthz"))
        .header("x-request-id", "trace-abc-123")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["x-request-id"], "trace-abc-123");

    let res = app
        .client
        .get(app.url("/healthz"))
        .header("x-request-id", "bad id with spaces")
        .send()
        .await
        .unwrap();
    assert_ne!(res.headers()["x-request-id"], "bad id with spaces");
}

#[test]
fn production_refuses_to_start_without_a_strong_signing_secret() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("prod.db").display());
    for (secret, expected) in [
        (None, "OPENFUND_JWT_SECRET is required"),
        (Some("short-secret"), "at least 32 bytes"),
        (
            Some("please-change-me-to-a-long-random-string"),
            "known default",
        ),
    ] {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_openfund"));
        cmd.arg("serve")
            .env("OPENFUND_ENV", "production")
            .env("OPENFUND_DATABASE_URL", &db)
            .env("OPENFUND_BIND", "127.0.0.1:0")
            .env_remove("OPENFUND_JWT_SECRET");
        if let Some(s) = secret {
            cmd.env("OPENFUND_JWT_SECRET", s);
        }
        let out = cmd.output().unwrap();
        assert!(!out.status.success(), "started with {secret:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(expected), "{secret:?}: {err}");
    }
}
