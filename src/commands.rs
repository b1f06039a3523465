//! What each subcommand of the `openfund` binary does.

use anyhow::Context;

use crate::config::{Command, Config, Environment};
use crate::db::{self, Db, DbError};
use crate::domain::ids::OutboxId;
use crate::startup::{self, Application};
use crate::store::{outbox, users};
use crate::{api, app, demo};

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
        Command::Worker => run_worker(config).await,
        Command::Outbox { show: Some(id), .. } => {
            let url = config.database_url.clone();
            let row = tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
                let mut conn = db::establish(&url)?;
                Ok(outbox::find(&mut conn, OutboxId(id))?)
            })
            .await??
            .ok_or_else(|| anyhow::anyhow!("no message #{id} in the outbox"))?;
            println!(
                "To: {}\nSubject: {}\nCreated: {}\n",
                row.to_address, row.subject, row.created_at
            );
            match (&row.sent_at, &row.text_body) {
                (Some(at), _) => println!("(delivered {at}; the body is not kept after delivery)"),
                (None, Some(body)) => println!("{body}"),
                (None, None) => {
                    println!("(not delivered, and its link expired: the body was removed)")
                }
            }
            Ok(())
        }
        Command::Outbox { all, show: None } => {
            let url = config.database_url.clone();
            let rows = tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
                let mut conn = db::establish(&url)?;
                db::run_migrations(&mut conn)?;
                Ok(outbox::list(&mut conn, all, None, 1000)?)
            })
            .await??;
            println!(
                "{} {}message(s) in the outbox{}",
                rows.len(),
                if all { "" } else { "unsent " },
                if rows.len() == 1000 {
                    " (the newest 1000 shown)"
                } else {
                    ""
                }
            );
            for m in rows {
                let state = match (m.sent_at, &m.last_error) {
                    (Some(at), _) => format!("sent {at}"),
                    (None, Some(err)) => format!("unsent after {} attempt(s): {err}", m.attempts),
                    (None, None) => "unsent".to_owned(),
                };
                println!(
                    "#{:<6} {}  to {}  \"{}\"  [{state}]",
                    m.id, m.created_at, m.to_address, m.subject
                );
            }
            Ok(())
        }
        Command::PromoteAdmin { email } => {
            let url = config.database_url.clone();
            let lowered = email.trim().to_lowercase();
            let found = tokio::task::spawn_blocking(move || -> anyhow::Result<bool> {
                let mut conn = db::establish(&url)?;
                db::run_migrations(&mut conn)?;
                let (found, _) = db::tx::run_write(&mut conn, |tx| {
                    let Some(user) = users::find_by_email(tx, &lowered)? else {
                        return Ok::<_, DbError>(false);
                    };
                    users::set_admin(tx, user.id, true, db::now())?;
                    Ok(true)
                })?;
                Ok(found)
            })
            .await??;
            anyhow::ensure!(found, "no user with email {email}");
            println!("{email} is now a site admin");
            Ok(())
        }
        Command::Demo { scale } => {
            anyhow::ensure!(
                config.env != Environment::Production,
                "demo data has well-known passwords; it is refused when OPENFUND_ENV=production"
            );
            let url = config.database_url.clone();
            let inserted = tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
                let mut conn = db::establish(&url)?;
                db::run_migrations(&mut conn)?;
                let inserted = demo::load(&mut conn)?;
                let mut pledges = crate::demo_funding::load(&mut conn, db::now().date())?;
                if scale == crate::config::DemoScale::Large {
                    let bar =
                        indicatif::ProgressBar::new(crate::demo_funding::LARGE_PROJECTS as u64)
                            .with_style(
                            indicatif::ProgressStyle::with_template(
                                "large demo {bar:40} {pos}/{len} projects, {elapsed} (eta {eta})",
                            )
                            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
                        );
                    let started = std::time::Instant::now();
                    let made = crate::demo_funding::load_large(&mut conn, &|done, total| {
                        bar.set_position(done as u64);
                        // Plain lines when not on a terminal (the bar hides itself then).
                        if bar.is_hidden() && (done % 50 == 0 || done == total) {
                            println!("large demo: {done}/{total} projects");
                        }
                    })?;
                    bar.finish_and_clear();
                    println!(
                        "large demo: {made} pledge(s) in {} project(s) made in {:.1?}",
                        if made == 0 {
                            0
                        } else {
                            crate::demo_funding::LARGE_PROJECTS
                        },
                        started.elapsed()
                    );
                    pledges += made;
                }
                Ok((inserted, pledges))
            })
            .await??;
            let (inserted, pledges) = inserted;
            println!(
                "demo data: {inserted} project(s) added, {} already present, {pledges} pledge(s) made, in {}",
                demo::count() - inserted,
                config.database_url
            );
            println!("demo sign-ins:");
            for a in demo::ACCOUNTS {
                println!("  {:<26} password {:<32} ({})", a.email, a.password, a.role);
            }
            Ok(())
        }
        Command::RetryJobs { kind } => {
            let url = config.database_url.clone();
            let retried = tokio::task::spawn_blocking(move || -> anyhow::Result<usize> {
                let mut conn = db::establish(&url)?;
                db::run_migrations(&mut conn)?;
                let (n, _) = db::tx::run_write(&mut conn, |tx| {
                    app::admin::retry_failed_of_kind(tx, &kind, db::now())
                })?;
                Ok(n)
            })
            .await??;
            println!("{retried} failed job(s) back in the queue");
            Ok(())
        }
        Command::GithubDouble(args) => crate::github::double::run_cli(args).await,
        Command::Openapi => {
            let doc = api::openapi()
                .to_pretty_json()
                .context("serialising the OpenAPI document")?;
            println!("{doc}");
            Ok(())
        }
    }
}

async fn run_worker(config: Config) -> anyhow::Result<()> {
    config.validate().map_err(|e| anyhow::anyhow!(e))?;
    let db = Db::with_lock_timeout(
        config.database_url.clone(),
        config.db_pool_size,
        config.db_lock_timeout(),
    )?;
    let migrating = db.clone();
    tokio::task::spawn_blocking(move || migrating.migrate()).await??;
    let mail = startup::mail_context(&config, config.public_url());
    let worker = startup::build_worker(&config, db, mail)?;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let running = tokio::spawn(worker.run(stopped));
    shutdown_signal().await;
    let _ = stop.send(true);
    running.await?;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
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
