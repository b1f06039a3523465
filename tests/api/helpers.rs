//! `spawn_app()`: a server on 127.0.0.1:0 over a fresh database of the chosen backend.

use std::path::PathBuf;

use diesel::{Connection, PgConnection, RunQueryDsl};
use openfund::config::{Config, Secret};
use openfund::db::{self, Backend, DatabaseUrl};
use openfund::startup::Application;
use serde_json::json;

use crate::mail_sink::MailSink;

pub const JWT_SECRET: &str = "integration-test-signing-key-9f8e7d6c5b4a";
pub const PASSWORD: &str = "violet-harbour-engine-42";

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub database_url: DatabaseUrl,
    pub db: TestDatabase,
    pub mail: Option<MailSink>,
}

/// A signed-in account made for a test.
pub struct TestUser {
    pub id: i64,
    pub email: String,
    pub token: String,
    /// The `openfund_refresh` cookie value.
    pub refresh: String,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request failed")
    }

    /// GET with a bearer token.
    pub async fn get_as(&self, path: &str, token: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("request failed")
    }

    /// GET with a bearer token, body as JSON.
    pub async fn json_as(&self, path: &str, token: &str) -> serde_json::Value {
        self.get_as(path, token)
            .await
            .json()
            .await
            .expect("JSON body")
    }

    pub async fn create_project(&self, token: &str, body: &serde_json::Value) -> reqwest::Response {
        self.client
            .post(self.url("/api/v1/projects"))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("request failed")
    }

    pub async fn post_json(&self, path: &str, body: &serde_json::Value) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .expect("request failed")
    }

    /// Puts a user straight into the database (no mail round trip).
    pub fn insert_account(&self, email: &str, verified: bool, admin: bool) -> i64 {
        let mut conn = db::establish(&self.database_url).expect("connect");
        let hash = openfund::security::passwords::hash(PASSWORD).expect("hash");
        let now = db::now();
        openfund::store::users::insert_if_absent(
            &mut conn,
            &openfund::store::users::NewUser {
                email,
                display_name: "Test User",
                password_hash: Some(&hash),
                email_verified_at: verified.then_some(now),
                is_admin: admin,
                github_id: None,
                github_login: None,
                created_at: now,
                updated_at: now,
            },
        )
        .expect("insert user")
        .expect("a new address")
        .get()
    }

    pub async fn login(&self, email: &str, password: &str) -> reqwest::Response {
        self.post_json(
            "/api/v1/auth/login",
            &json!({"email": email, "password": password}),
        )
        .await
    }

    /// A verified account, signed in.
    pub async fn user(&self) -> TestUser {
        self.user_with(false).await
    }

    pub async fn admin(&self) -> TestUser {
        self.user_with(true).await
    }

    async fn user_with(&self, admin: bool) -> TestUser {
        let email = format!(
            "user-{}@example.org",
            &uuid::Uuid::new_v4().simple().to_string()[..10]
        );
        let id = self.insert_account(&email, true, admin);
        let res = self.login(&email, PASSWORD).await;
        assert_eq!(res.status().as_u16(), 200, "login failed");
        let refresh = refresh_cookie(&res).expect("refresh cookie");
        let body: serde_json::Value = res.json().await.unwrap();
        TestUser {
            id,
            email,
            token: body["access_token"].as_str().unwrap().to_owned(),
            refresh,
        }
    }

    /// A personal API token of `user` with the given scopes.
    pub async fn api_token(&self, user: &TestUser, scopes: &[&str]) -> String {
        let res = self
            .client
            .post(self.url("/api/v1/me/tokens"))
            .bearer_auth(&user.token)
            .json(&json!({"name": "test token", "scopes": scopes}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 201);
        let body: serde_json::Value = res.json().await.unwrap();
        body["secret"].as_str().unwrap().to_owned()
    }

    pub async fn refresh(&self, cookie: &str) -> reqwest::Response {
        self.client
            .post(self.url("/api/v1/auth/refresh"))
            .header("cookie", format!("openfund_refresh={cookie}"))
            .send()
            .await
            .unwrap()
    }

    /// Moves the moment a refresh token was spent `secs` seconds into the past.
    pub fn age_refresh_token(&self, secret: &str, secs: i64) {
        use diesel::ExpressionMethods;
        use openfund::db::schema::refresh_tokens;
        let mut conn = db::establish(&self.database_url).expect("connect");
        let hash = openfund::security::secrets::hash(secret);
        let n = diesel::update(refresh_tokens::table)
            .filter(refresh_tokens::token_hash.eq(hash))
            .set(refresh_tokens::used_at.eq(db::now() - chrono::Duration::seconds(secs)))
            .execute(&mut conn)
            .expect("age refresh token");
        assert_eq!(n, 1, "no such refresh token");
    }

    pub fn mail(&self) -> &MailSink {
        self.mail.as_ref().expect("spawn the app with a mail sink")
    }
}

/// The `openfund_refresh` value a response sets, if any.
pub fn refresh_cookie(res: &reqwest::Response) -> Option<String> {
    res.headers().get_all("set-cookie").iter().find_map(|v| {
        let v = v.to_str().ok()?;
        let rest = v.strip_prefix("openfund_refresh=")?;
        let value = rest.split(';').next()?.to_owned();
        (!value.is_empty()).then_some(value)
    })
}

/// Which backend this run of the suite exercises.
pub fn backend() -> Backend {
    match std::env::var("OPENFUND_TEST_BACKEND").as_deref() {
        Ok("postgres") | Ok("postgresql") | Ok("pg") => Backend::Postgres,
        Ok("sqlite") | Err(_) => Backend::Sqlite,
        Ok(other) => panic!("OPENFUND_TEST_BACKEND={other}: use sqlite or postgres"),
    }
}

/// Server URL of the PostgreSQL used for per-test databases.
pub fn pg_server_url() -> String {
    std::env::var("OPENFUND_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".to_owned())
}

/// URL of database `name` on the test server. GSSAPI and TLS are switched off: the
/// suite talks to a local server and needs neither, and the libraries behind them
/// (Kerberos, OpenSSL) tear down their state when the test process exits while pool
/// threads of the in-process servers may still be using a connection, which crashed
/// the process after every test had passed (a `k5_mutex_lock` assertion, a SIGSEGV).
pub fn pg_database_url(name: &str) -> String {
    format!(
        "{}/{name}?gssencmode=disable&sslmode=disable",
        pg_server_url()
    )
}

/// A database that exists for one test and is removed afterwards.
pub enum TestDatabase {
    Sqlite {
        _dir: tempfile::TempDir,
        path: PathBuf,
    },
    Postgres {
        name: String,
    },
}

impl TestDatabase {
    pub fn create(backend: Backend) -> (TestDatabase, DatabaseUrl) {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let path = dir.path().join("openfund.db");
                let url = DatabaseUrl::Sqlite(path.clone());
                (TestDatabase::Sqlite { _dir: dir, path }, url)
            }
            Backend::Postgres => {
                let name = format!("openfund_test_{}", uuid::Uuid::new_v4().simple());
                let mut admin = pg_admin();
                diesel::sql_query(format!("CREATE DATABASE {name}"))
                    .execute(&mut admin)
                    .expect("create test database");
                let url = DatabaseUrl::Postgres(pg_database_url(&name));
                (TestDatabase::Postgres { name }, url)
            }
        }
    }

    /// Makes the database disappear while the server runs.
    pub fn destroy(&self) {
        match self {
            TestDatabase::Sqlite { path, .. } => {
                for suffix in ["", "-wal", "-shm"] {
                    let mut p = path.clone().into_os_string();
                    p.push(suffix);
                    let _ = std::fs::remove_file(p);
                }
            }
            TestDatabase::Postgres { name } => {
                let mut admin = pg_admin();
                diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut admin)
                    .expect("drop test database");
            }
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let TestDatabase::Postgres { name } = self
            && let Ok(mut admin) = PgConnection::establish(&pg_database_url("postgres"))
        {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut admin);
        }
    }
}

pub fn pg_admin() -> PgConnection {
    let url = pg_database_url("postgres");
    PgConnection::establish(&url).unwrap_or_else(|e| {
        panic!("PostgreSQL is required for this test but {url} is unreachable: {e}")
    })
}

/// Is PostgreSQL reachable? Outside CI a test that needs it may skip; in CI it fails.
pub fn postgres_available_or_skip() -> bool {
    match PgConnection::establish(&pg_database_url("postgres")) {
        Ok(_) => true,
        Err(e) if std::env::var("CI").is_err() => {
            eprintln!("skipping: PostgreSQL unreachable ({e}); CI treats this as a failure");
            false
        }
        Err(e) => panic!("PostgreSQL unreachable in CI: {e}"),
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// The app with a real SMTP server behind it.
pub async fn spawn_app_with_mail(customise: impl FnOnce(&mut Config)) -> TestApp {
    let sink = MailSink::start();
    let url = sink.url();
    let mut app = spawn_app_with(|c| {
        c.smtp_url = Some(Secret::new(url));
        customise(c);
    })
    .await;
    app.mail = Some(sink);
    app
}

/// The configuration every test server starts from.
pub fn test_config(database_url: DatabaseUrl) -> Config {
    let mut config = Config::for_database(database_url);
    config.bind = "127.0.0.1:0".parse().expect("address");
    config.workers = Some(2);
    config.db_pool_size = 5;
    config.jwt_secret = Some(Secret::new(JWT_SECRET));
    config.job_poll_ms = 50;
    config.job_backoff_ms = 200;
    // Nothing reaches the real GitHub: a test that syncs points this at its double.
    config.github_api_url = "http://127.0.0.1:9".to_owned();
    config.github_retry_base_ms = 20;
    config.log = std::env::var("TEST_LOG").unwrap_or_else(|_| "off".to_owned());
    config
}

pub async fn spawn_app_with(customise: impl FnOnce(&mut Config)) -> TestApp {
    let (db, database_url) = TestDatabase::create(backend());
    let mut config = test_config(database_url.clone());
    customise(&mut config);
    openfund::telemetry::init(&config);

    let app = Application::build(&config)
        .await
        .expect("build application");
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());

    TestApp {
        address,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client"),
        database_url,
        db,
        mail: None,
    }
}

/// Asserts a problem+json response and returns its body.
pub async fn assert_problem(res: reqwest::Response, status: u16, code: &str) -> serde_json::Value {
    assert_eq!(res.status().as_u16(), status, "unexpected status");
    let content_type = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        content_type.starts_with("application/problem+json"),
        "content-type was {content_type:?}"
    );
    let body: serde_json::Value = res.json().await.expect("problem body is JSON");
    assert_eq!(body["code"], code, "problem: {body}");
    assert_eq!(body["status"], status, "problem: {body}");
    assert!(
        body["title"].is_string() && body["type"].is_string(),
        "problem: {body}"
    );
    body
}

// Helpers of the security tests (issue 6 §2, `security/`).

/// Starts one more server on an existing test database, as a second instance of a
/// PostgreSQL deployment would run; returns its base URL. It serves until the test's
/// runtime ends; the database stays owned by the first app.
pub async fn spawn_instance_on(
    database_url: &DatabaseUrl,
    customise: impl FnOnce(&mut Config),
) -> String {
    let mut config = test_config(database_url.clone());
    customise(&mut config);
    let app = Application::build(&config)
        .await
        .expect("build second instance");
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    address
}

/// Polls `check` every 50 ms until it holds; fails the test after `within`.
pub async fn wait_until<F, Fut>(what: &str, within: std::time::Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = std::time::Instant::now() + within;
    while !check().await {
        assert!(
            std::time::Instant::now() < deadline,
            "timed out after {within:?} waiting for {what}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

impl TestApp {
    /// A connection of its own to the test's database, to read and arrange rows.
    pub fn conn(&self) -> db::AnyConnection {
        db::establish(&self.database_url).expect("connect to the test database")
    }

    /// A request with a bearer token and a JSON body.
    pub async fn send_json_as(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: &serde_json::Value,
    ) -> reqwest::Response {
        self.client
            .request(method, self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("request failed")
    }
}
