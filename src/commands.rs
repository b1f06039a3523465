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
        Command::Sync {
            project,
            repo,
            full,
        } => run_sync(config, project, repo, full).await,
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

/// Progress of `openfund sync`: a line per repository that updates in place on a
/// terminal (indicatif), plain lines per page when stdout is not one.
struct SyncProgress {
    name: String,
    bar: Option<indicatif::ProgressBar>,
    tallies: std::sync::Mutex<Vec<(crate::domain::repository::SyncResource, i64, i64, i64)>>,
}

impl SyncProgress {
    fn new(name: &str) -> Self {
        use std::io::IsTerminal;
        let bar = std::io::stdout().is_terminal().then(|| {
            let bar = indicatif::ProgressBar::with_draw_target(
                None,
                indicatif::ProgressDrawTarget::stdout(),
            );
            bar.set_style(
                indicatif::ProgressStyle::with_template("{spinner} {prefix} {wide_msg} {elapsed}")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
            );
            bar.set_prefix(name.to_owned());
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
            bar
        });
        SyncProgress {
            name: name.to_owned(),
            bar,
            tallies: Default::default(),
        }
    }

    /// `commits 300 items/3 req (1 not modified) · pulls …`
    fn line(&self) -> String {
        let tallies = self.tallies.lock().unwrap_or_else(|e| e.into_inner());
        tallies
            .iter()
            .map(|(r, items, requests, not_modified)| {
                if *not_modified > 0 {
                    format!("{r} {items} items/{requests} req ({not_modified} not modified)")
                } else {
                    format!("{r} {items} items/{requests} req")
                }
            })
            .collect::<Vec<_>>()
            .join(" · ")
    }

    fn finish(&self, outcome: &str) {
        let line = format!("{} {}: {}", self.name, outcome, self.line());
        match &self.bar {
            Some(bar) => bar.finish_with_message(format!("{outcome}: {}", self.line())),
            None => println!("{line}"),
        }
    }
}

impl app::sync::Progress for SyncProgress {
    fn page(
        &self,
        resource: crate::domain::repository::SyncResource,
        items: i64,
        requests: i64,
        not_modified: bool,
    ) {
        {
            let mut tallies = self.tallies.lock().unwrap_or_else(|e| e.into_inner());
            let i = match tallies.iter().position(|t| t.0 == resource) {
                Some(i) => i,
                None => {
                    tallies.push((resource, 0, 0, 0));
                    tallies.len() - 1
                }
            };
            tallies[i].1 += items;
            tallies[i].2 += requests;
            tallies[i].3 += i64::from(not_modified);
        }
        match &self.bar {
            Some(bar) => bar.set_message(self.line()),
            None => println!(
                "{} {resource}: {}",
                self.name,
                if not_modified {
                    "not modified (304)".to_owned()
                } else {
                    format!("{items} items in {requests} request(s)")
                }
            ),
        }
    }

    fn waiting(&self, until: chrono::NaiveDateTime) {
        let note = format!("waiting for GitHub's rate limit until {until} UTC");
        match &self.bar {
            Some(bar) => bar.set_message(format!("{} ({note})", self.line())),
            None => println!("{} {note}", self.name),
        }
    }
}

/// `openfund sync`: the linked repositories chosen, synced one after the other in this
/// process; rate-limit waits are waited out here. Fails if any repository failed.
async fn run_sync(
    config: Config,
    project: Option<String>,
    repo: Option<String>,
    full: bool,
) -> anyhow::Result<()> {
    use crate::app::sync::{self, Progress, SyncOptions, SyncOutcome};
    use crate::domain::repository::RepoFullName;
    use crate::store::{projects, repositories};
    config.validate().map_err(|e| anyhow::anyhow!(e))?;
    let wanted = repo
        .as_deref()
        .map(|r| {
            RepoFullName::parse("--repo", r)
                .map_err(|v| anyhow::anyhow!("--repo {r:?}: {}", v.message))
        })
        .transpose()?;
    let db = Db::with_lock_timeout(
        config.database_url.clone(),
        config.db_pool_size,
        config.db_lock_timeout(),
    )?;
    let migrating = db.clone();
    tokio::task::spawn_blocking(move || migrating.migrate()).await??;
    let syncer = startup::build_syncer(&config, db.clone())?;
    let slug = project.clone();
    let rows = db
        .read(move |conn| {
            let project_id = match &slug {
                Some(s) => Some(
                    projects::find_by_slug(conn, s)?
                        .ok_or_else(|| DbError::Task(format!("no project with slug {s:?}")))?
                        .id,
                ),
                None => None,
            };
            Ok::<_, DbError>(
                repositories::all_linked(conn)?
                    .into_iter()
                    .filter(|r| project_id.is_none_or(|p| r.project_id == p))
                    .filter(|r| wanted.as_ref().is_none_or(|w| r.full_name_key == w.key()))
                    .collect::<Vec<_>>(),
            )
        })
        .await?;
    anyhow::ensure!(
        !rows.is_empty(),
        "no linked repository matches{}{}",
        project
            .map(|p| format!(" --project {p}"))
            .unwrap_or_default(),
        repo.map(|r| format!(" --repo {r}")).unwrap_or_default()
    );
    println!(
        "{} ({} repositor{})",
        syncer.api.auth_mode().note(),
        rows.len(),
        if rows.len() == 1 { "y" } else { "ies" }
    );
    let mut failed = 0;
    for row in rows {
        let progress = SyncProgress::new(&row.full_name);
        let started = std::time::Instant::now();
        let mut options = SyncOptions { full };
        loop {
            match sync::sync_repository(&syncer, row.id, options, &progress).await? {
                SyncOutcome::Paused { until, .. } => {
                    progress.waiting(until);
                    let wait = (until - db::now()).to_std().unwrap_or_default();
                    tokio::time::sleep(wait + std::time::Duration::from_secs(1)).await;
                    // Resume the pass where it stopped, not a new full one.
                    options.full = false;
                }
                SyncOutcome::Done(summary) => {
                    let took = format!("{:.1?}", started.elapsed());
                    if summary.errors.is_empty() {
                        progress.finish(&format!("synced in {took}"));
                    } else {
                        failed += 1;
                        progress.finish(&format!("synced with errors in {took}"));
                        for (r, e) in &summary.errors {
                            eprintln!("{} {r}: {e}", row.full_name);
                        }
                    }
                    if let Some(rec) = summary.reconciled
                        && (rec.removed > 0 || rec.restored > 0)
                    {
                        println!(
                            "{}: {} commit credit(s) removed (no longer on the default branch), {} restored",
                            row.full_name, rec.removed, rec.restored
                        );
                    }
                    break;
                }
                SyncOutcome::Skipped(why) => {
                    progress.finish(&format!("skipped ({why})"));
                    break;
                }
            }
        }
    }
    anyhow::ensure!(
        failed == 0,
        "{failed} repositor{} failed to sync",
        if failed == 1 { "y" } else { "ies" }
    );
    Ok(())
}
