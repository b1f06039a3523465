//! Builds the application from a configuration: database, migrations, state, routes;
//! binds the listener and returns the running server with its port.

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::http::header;
use actix_web::middleware::{ErrorHandlers, from_fn};
use actix_web::{App, HttpResponse, HttpServer, web};
use anyhow::Context;
use utoipa_swagger_ui::SwaggerUi;

use crate::api::{self, AppState, error, frontend, observe, routes::RouteTable};
use crate::config::Config;
use crate::db::Db;

pub struct Application {
    port: u16,
    server: Server,
}

impl Application {
    /// Connects, migrates, binds `config.bind` (port 0 picks one) and prepares the
    /// server; nothing is served until [`Application::run_until_stopped`].
    pub async fn build(config: &Config) -> anyhow::Result<Self> {
        let db = Db::new(config.database_url.clone(), config.db_pool_size)?;
        let migrating = db.clone();
        let applied = tokio::task::spawn_blocking(move || migrating.migrate())
            .await
            .context("migration task")?
            .with_context(|| format!("migrating {}", config.database_url))?;
        if !applied.is_empty() {
            tracing::info!(?applied, "applied migrations");
        }

        let listener =
            TcpListener::bind(config.bind).with_context(|| format!("binding {}", config.bind))?;
        let port = listener.local_addr()?.port();

        let openapi = api::openapi();
        let frontend = frontend::Frontend::new(config.static_dir.clone());
        if !frontend.is_built() {
            tracing::warn!("the web front end is not built: run `make build`");
        }
        let state = web::Data::new(AppState {
            db,
            metrics: observe::Metrics::new()?,
            admin_token: config.admin_token.clone(),
            routes: RouteTable::from_openapi(&openapi),
            frontend,
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
                .wrap(ErrorHandlers::new().default_handler(error::ensure_problem_body))
                .wrap(from_fn(observe::observe))
                // Registered before the /api/v1 scope, which would otherwise claim them.
                .service(
                    SwaggerUi::new("/api/v1/docs/{_:.*}")
                        .url("/api/v1/openapi.json", openapi.clone()),
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
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}
