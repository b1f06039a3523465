//! What each subcommand of the `openfund` binary does.

use anyhow::Context;

use crate::config::{Command, Config};
use crate::db::{self, Db};
use crate::startup::Application;
use crate::{api, demo};

pub async fn run(command: Command, config: Config) -> anyhow::Result<()> {
    match command {
        Command::Serve => serve(config).await,
        Command::Migrate => {
            let url = config.database_url.clone();
            let applied = tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
                Ok(Db::new(url, 1)?.migrate()?)
            })
            .await??;
            println!(
                "applied {} migration(s) to {}",
                applied.len(),
                config.database_url
            );
            Ok(())
        }
        Command::Demo => {
            let url = config.database_url.clone();
            let inserted = tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
                let mut conn = db::establish(&url)?;
                db::run_migrations(&mut conn)?;
                Ok(demo::load(&mut conn)?)
            })
            .await??;
            println!(
                "demo data: {inserted} project(s) added, {} already present, in {}",
                demo::count() - inserted,
                config.database_url
            );
            Ok(())
        }
        Command::Openapi => {
            let doc = api::openapi()
                .to_pretty_json()
                .context("serialising the OpenAPI document")?;
            println!("{doc}");
            Ok(())
        }
    }
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let app = Application::build(&config).await?;
    let url = format!("http://{}:{}", config.bind.ip(), app.port());
    tracing::info!(%url, database = %config.database_url, "OpenFund is listening");
    println!("OpenFund is running at {url}/ (API docs: {url}/api/v1/docs/)");
    app.run_until_stopped().await?;
    Ok(())
}
