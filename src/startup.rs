//! Builds the application from a configuration: database, migrations, state, routes;
//! binds the listener and returns the running server with its port.

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::http::header;
use actix_web::middleware::{ErrorHandlers, from_fn};
use actix_web::{App, HttpResponse, HttpServer, web};
use anyhow::Context;

use std::time::Duration;

use tokio::sync::watch;

use crate::api::{self, AppState, error, frontend, headers, observe, routes::RouteTable};
use crate::app::limits::Limiter;
use crate::app::{Hasher, Services};
use crate::config::{Config, Environment};
use crate::db::{self, Backend, Db, DbError};
use crate::github::GithubOAuth;
use crate::jobs::{Backoff, JobContext, Retention, Worker, WorkerSettings};
use crate::mail::{MailContext, Mailer};
use crate::security::jwt::JwtKeys;
use crate::store;

pub struct Application {
    port: u16,
    server: Server,
    worker: Option<Worker>,
}

const JWT_SECRET_NAME: &str = "jwt_signing_key";

/// The access-token signing key: the configured one, or (outside production) one
/// generated on first start and kept in the database, so every instance shares it.
pub fn jwt_secret(config: &Config, db: &Db) -> anyhow::Result<Vec<u8>> {
    if let Some(secret) = &config.jwt_secret {
        return Ok(secret.expose().as_bytes().to_vec());
    }
    if config.env == Environment::Production {
        anyhow::bail!("OPENFUND_JWT_SECRET is required when OPENFUND_ENV=production");
    }
    let mut conn = db.conn()?;
    if let Some(existing) = store::secrets::get(&mut conn, JWT_SECRET_NAME)? {
        return Ok(existing.into_bytes());
    }
    let (generated, _) = crate::security::secrets::generate("")?;
    let inserted = db.write_blocking(|tx| {
        Ok::<_, DbError>(store::secrets::insert(
            tx,
            JWT_SECRET_NAME,
            &generated,
            db::now(),
        )?)
    });
    if inserted.is_ok() {
        tracing::warn!(
            "OPENFUND_JWT_SECRET is not set: generated a signing key and stored it in the database"
        );
        return Ok(generated.into_bytes());
    }
    // Another instance stored one first: use theirs.
    Ok(store::secrets::get(&mut conn, JWT_SECRET_NAME)?
        .ok_or_else(|| anyhow::anyhow!("could not store the generated signing key"))?
        .into_bytes())
}

/// What mail templates need to know about the instance.
pub fn mail_context(config: &Config, public_url: String) -> MailContext {
    MailContext {
        instance_name: config.instance_name.clone(),
        public_url,
    }
}

/// The GitHub activity sync's client from the settings: a token, a GitHub App (its
/// private key read now, so a bad key stops the start) or no credentials.
pub fn build_syncer(config: &Config, db: Db) -> anyhow::Result<crate::app::sync::Syncer> {
    use crate::github::rest::{Credentials, GithubApi, SyncClientSettings};
    let credentials = match (
        &config.github_token,
        config.github_app_id,
        &config.github_app_private_key_file,
    ) {
        (_, Some(app_id), Some(path)) => {
            let pem = std::fs::read(path).with_context(|| {
                format!(
                    "reading the GitHub App private key {} (OPENFUND_GITHUB_APP_PRIVATE_KEY_FILE)",
                    path.display()
                )
            })?;
            Credentials::app(app_id, &pem).with_context(|| {
                format!("{} is not an RSA private key in PEM form", path.display())
            })?
        }
        (Some(token), _, _) => Credentials::Token(token.expose().to_owned()),
        _ => Credentials::None,
    };
    let settings = SyncClientSettings {
        timeout: Duration::from_secs(config.github_timeout_secs.max(30)),
        retry: crate::domain::github::ratelimit::RetryPolicy {
            server_error_base: Duration::from_millis(config.github_retry_base_ms),
            ..Default::default()
        },
        max_inline_wait: Duration::from_secs(config.github_max_inline_wait_secs),
    };
    let api = GithubApi::new(&config.github_api_url, credentials, settings)
        .with_context(|| format!("GitHub API client for {}", config.github_api_url))?;
    Ok(crate::app::sync::Syncer {
        db,
        api: std::sync::Arc::new(api),
        full_pass_every: chrono::Duration::days(i64::from(config.github_full_pass_days)),
    })
}

/// The worker, configured from the settings.
pub fn build_worker(config: &Config, db: Db, mail: MailContext) -> anyhow::Result<Worker> {
    let mailer = Mailer::new(
        config.smtp_url.as_ref().map(|s| s.expose()),
        &config.mail_from,
    )?;
    if !mailer.is_configured() {
        tracing::warn!(
            "OPENFUND_SMTP_URL is not set: mail stays in the outbox (`openfund outbox` lists it)"
        );
    }
    let days = |d: u32| chrono::Duration::days(i64::from(d));
    let sync = build_syncer(config, db.clone())?;
    let ctx = JobContext {
        sync,
        sync_interval: config.github_sync_interval.duration(),
        db,
        mailer,
        mail,
        mail_max_age: chrono::Duration::hours(i64::from(config.mail_max_age_hours)),
        retention: Retention {
            jobs_done: days(config.retention_jobs_days),
            jobs_failed: days(config.retention_failed_jobs_days),
            mail: days(config.retention_mail_days),
            credentials: days(config.retention_credentials_days),
        },
    };
    Ok(Worker::new(
        ctx,
        WorkerSettings {
            concurrency: config.worker_concurrency as usize,
            poll: Duration::from_millis(config.job_poll_ms),
            lease: Duration::from_secs(config.job_lease_secs),
            backoff: Backoff {
                base: Duration::from_millis(config.job_backoff_ms),
                max: Duration::from_secs(config.job_backoff_max_secs),
            },
        },
    ))
}

/// The application layer's services for a configuration and database.
pub fn build_services(config: &Config, db: Db, jwt: JwtKeys, mail: MailContext) -> Services {
    let threads = config
        .password_hash_threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let window = Duration::from_secs(config.auth_rate_window_secs);
    let limiter = match db.backend() {
        // Several instances share one PostgreSQL: count where they all see it.
        Backend::Postgres => Limiter::in_database(db.clone(), config.auth_rate_limit, window),
        Backend::Sqlite => Limiter::in_memory(config.auth_rate_limit, window),
    };
    Services {
        db,
        // Room for a burst of sign-ins waiting behind the threads; beyond it, 503.
        hasher: Hasher::new(threads, 64 * threads),
        mail,
        jwt,
        refresh_ttl: chrono::Duration::days(config.refresh_token_ttl_days),
        project_count: Default::default(),
        limiter: std::sync::Arc::new(limiter),
    }
}

impl Application {
    /// Connects, migrates, binds `config.bind` (port 0 picks one) and prepares the
    /// server; nothing is served until [`Application::run_until_stopped`].
    pub async fn build(config: &Config) -> anyhow::Result<Self> {
        config.validate().map_err(|e| anyhow::anyhow!(e))?;
        let db = Db::with_lock_timeout(
            config.database_url.clone(),
            config.db_pool_size,
            config.db_lock_timeout(),
        )?;
        let migrating = db.clone();
        let applied = tokio::task::spawn_blocking(move || migrating.migrate())
            .await
            .context("migration task")?
            .with_context(|| format!("migrating {}", config.database_url))?;
        if !applied.is_empty() {
            tracing::info!(?applied, "applied migrations");
        }

        let secret_db = db.clone();
        let secret_config = config.clone();
        let secret = tokio::task::spawn_blocking(move || jwt_secret(&secret_config, &secret_db))
            .await
            .context("signing-key task")??;
        let github = match (&config.github_client_id, &config.github_client_secret) {
            (Some(id), Some(secret)) => Some(
                GithubOAuth::new(
                    &config.github_url,
                    &config.github_api_url,
                    id,
                    secret.expose(),
                )
                .with_timeout(Duration::from_secs(config.github_timeout_secs)),
            ),
            _ => None,
        };

        let listener =
            TcpListener::bind(config.bind).with_context(|| format!("binding {}", config.bind))?;
        let port = listener.local_addr()?.port();

        let openapi = api::openapi();
        let spec: std::sync::Arc<str> = openapi
            .to_json()
            .context("serialising the OpenAPI document")?
            .into();
        let frontend = frontend::Frontend::new(config.static_dir.clone());
        if !frontend.is_built() {
            tracing::warn!("the web front end is not built: run `make build`");
        }
        let mut public_config = config.clone();
        public_config.bind.set_port(port);
        let public_url = public_config.public_url();
        let mail = mail_context(config, public_url.clone());
        let worker = if config.embedded_worker {
            Some(build_worker(config, db.clone(), mail.clone())?)
        } else {
            None
        };
        let jwt = JwtKeys::new(&secret, &public_url, config.access_token_ttl_secs);
        let state = web::Data::new(AppState {
            services: build_services(config, db, jwt, mail),
            metrics: observe::Metrics::new()?,
            routes: RouteTable::from_openapi(&openapi),
            frontend,
            github,
            github_auth: crate::github::rest::AuthMode::of_config(config),
            mail_delivery: config.smtp_url.is_some(),
            proxies: config.trusted_proxies.clone(),
            forwarded_header: config.forwarded_header.into(),
            overview_cache: Default::default(),
            contributors_cache: crate::app::recognition::contributors_cache(),
        });
        let max_body = config.max_body_bytes;

        let mut server = HttpServer::new(move || {
            let app = App::new()
                .app_data(state.clone())
                .app_data(
                    web::JsonConfig::default()
                        .limit(max_body)
                        .error_handler(error::json_error),
                )
                .app_data(web::QueryConfig::default().error_handler(error::query_error))
                .app_data(web::PathConfig::default().error_handler(error::path_error))
                .app_data(web::PayloadConfig::new(max_body))
                .wrap(ErrorHandlers::new().default_handler(frontend::problem_unless_page))
                .wrap(from_fn(observe::observe))
                .wrap(from_fn(headers::security_headers))
                // Registered before the /api/v1 scope, which would otherwise claim them.
                .service(web::resource("/api/v1/openapi.json").get({
                    let spec = spec.clone();
                    move || {
                        let spec = spec.clone();
                        async move {
                            HttpResponse::Ok()
                                .content_type("application/json")
                                .body(spec.to_string())
                        }
                    }
                }))
                // The browsable documentation is a page of the web app, which renders
                // the document above.
                .service(
                    web::resource("/api/v1/docs/")
                        .get(frontend::page)
                        .head(frontend::page),
                )
                .service(web::resource("/api/v1/docs").get(|| async {
                    HttpResponse::PermanentRedirect()
                        .insert_header((header::LOCATION, "/api/v1/docs/"))
                        .finish()
                }));
            let (app, _) = api::mount(app);
            app.default_service(web::to(frontend::fallback))
        })
        .listen(listener)?;
        if let Some(workers) = config.workers {
            server = server.workers(workers);
        }
        Ok(Application {
            port,
            server: server.run(),
            worker,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until a shutdown signal; the embedded worker stops with the server.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let (stop, stopped) = watch::channel(false);
        let worker = self.worker.map(|w| tokio::spawn(w.run(stopped)));
        let result = self.server.await;
        let _ = stop.send(true);
        if let Some(handle) = worker {
            let _ = handle.await;
        }
        result
    }
}
