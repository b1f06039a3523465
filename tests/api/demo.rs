//! `openfund demo` loads believable projects, and running it again changes nothing.

use std::process::Command;

use crate::helpers::spawn_app;

fn run_demo(database_url: &str) {
    let out = Command::new(env!("CARGO_BIN_EXE_openfund"))
        .arg("demo")
        .env("OPENFUND_DATABASE_URL", database_url)
        .env("OPENFUND_LOG", "warn")
        .output()
        .expect("run openfund demo");
    assert!(
        out.status.success(),
        "openfund demo failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn demo_twice_yields_the_same_rows() {
    let app = spawn_app().await;
    let url = match &app.database_url {
        openfund::db::DatabaseUrl::Sqlite(p) => format!("sqlite:{}", p.display()),
        openfund::db::DatabaseUrl::Postgres(u) => u.clone(),
    };

    run_demo(&url);
    let first: serde_json::Value = app
        .get("/api/v1/projects?per_page=100")
        .await
        .json()
        .await
        .unwrap();
    assert!(first["total"].as_i64().unwrap() >= 5, "{first}");
    for p in first["items"].as_array().unwrap() {
        assert!(!p["summary"].as_str().unwrap().is_empty());
    }

    // A living site: pledges received, instalments, expenses and a reversal.
    let first_ledger = ledger(&app).await;
    let kinds: std::collections::BTreeSet<&str> = first_ledger["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["kind"].as_str().unwrap())
        .collect();
    for kind in ["receipt", "expense", "reversal"] {
        assert!(kinds.contains(kind), "no {kind} in {first_ledger}");
    }
    let balances: serde_json::Value = app
        .get("/api/v1/projects/tinystories-lm/balances")
        .await
        .json()
        .await
        .unwrap();
    assert!(balances.to_string().contains("Held"), "{balances}");

    run_demo(&url);
    assert_eq!(
        first_ledger,
        ledger(&app).await,
        "a second demo run adds nothing"
    );
    let second: serde_json::Value = app
        .get("/api/v1/projects?per_page=100")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(first, second, "a second demo run must change nothing");
}

async fn ledger(app: &crate::helpers::TestApp) -> serde_json::Value {
    app.get("/api/v1/projects/tinystories-lm/ledger?limit=100")
        .await
        .json()
        .await
        .unwrap()
}
