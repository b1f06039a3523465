//! §2.7 Production rails: with `OPENFUND_ENV=production` the server refuses to start
//! without `OPENFUND_PUBLIC_URL` (mail links, the OAuth callback and the token issuer
//! derive from it); every call to GitHub has a deadline, so a GitHub that accepts the
//! connection and never answers ends the sign-in with `github_unavailable` instead of
//! holding the request forever. Rules: `config::Config::validate`, `github`.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use openfund::config::{Config, Environment, Secret};
use openfund::startup::Application;

use super::support::{
    app_with_github, callback_request, github_consent, github_sign_in, github_user,
};
use crate::github_double::Hang;
use crate::helpers::{TestDatabase, backend, test_config};

const STRONG_SECRET: &str = "k3Jq9vXb2LmN8pQr5sTu7wYz1AcEgHiKoMnOpQrS";

fn production(config: &mut Config, public_url: Option<&str>) {
    config.env = Environment::Production;
    config.jwt_secret = Some(Secret::new(STRONG_SECRET));
    config.public_url = public_url.map(str::to_owned);
}

#[tokio::test]
async fn production_refuses_to_start_without_a_public_url() {
    let (_db, url) = TestDatabase::create(backend());
    for bad in [
        None,
        Some("openfund.example.org"),
        Some("ftp://openfund.example.org"),
    ] {
        let mut config = test_config(url.clone());
        production(&mut config, bad);
        let refused = Application::build(&config)
            .await
            .err()
            .unwrap_or_else(|| panic!("production started with OPENFUND_PUBLIC_URL={bad:?}"));
        assert!(
            format!("{refused:#}").contains("OPENFUND_PUBLIC_URL"),
            "{bad:?}: {refused:#}"
        );
    }
    // With it, the same configuration starts.
    let mut config = test_config(url);
    production(&mut config, Some("https://openfund.example.org"));
    Application::build(&config)
        .await
        .expect("starts with a public URL");
}

#[test]
fn the_binary_reads_the_rail_from_the_environment() {
    let (_db, url) = TestDatabase::create(backend());
    let command = |public_url: Option<&str>| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_openfund"));
        cmd.arg("serve")
            .env("OPENFUND_ENV", "production")
            .env("OPENFUND_DATABASE_URL", url.to_string())
            .env("OPENFUND_BIND", "127.0.0.1:0")
            .env("OPENFUND_JWT_SECRET", STRONG_SECRET)
            .env("OPENFUND_LOG", "warn")
            .env_remove("OPENFUND_PUBLIC_URL");
        if let Some(u) = public_url {
            cmd.env("OPENFUND_PUBLIC_URL", u);
        }
        cmd
    };
    // Without it, the process exits at once with the reason (a server that started
    // anyway is stopped after 30 s and fails the test).
    let mut child = command(None)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let status = status.expect("started without OPENFUND_PUBLIC_URL");
    assert!(!status.success());
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    assert!(err.contains("OPENFUND_PUBLIC_URL is required"), "{err}");

    // With it, the server comes up (and is stopped again).
    let mut child = command(Some("https://openfund.example.org"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    let started = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) if line.contains("running at") => break true,
            Ok(_) => continue,
            Err(_) => break false,
        }
    };
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        started,
        "the server did not start with OPENFUND_PUBLIC_URL set"
    );
}

#[tokio::test]
async fn a_github_that_never_answers_ends_the_sign_in_with_github_unavailable() {
    let (app, github) = app_with_github(|c| c.github_timeout_secs = 1).await;
    github.set_user(github_user("slow@example.org"));
    for hang in [Hang::TokenEndpoint, Hang::UserApi] {
        github.hang(Some(hang));
        let (callback, state) = github_consent(&app, "login", None).await;
        let started = Instant::now();
        let res = callback_request(&app, &callback, &state)
            // Without a deadline of its own the server would hold this forever.
            .timeout(Duration::from_secs(30))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{hang:?}: the callback did not answer: {e}"));
        assert_eq!(res.status().as_u16(), 303, "{hang:?}");
        assert_eq!(
            res.headers()["location"],
            "/signin/github?error=github_unavailable",
            "{hang:?}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{hang:?}: took {:?}",
            started.elapsed()
        );
    }
    // The same flow completes once GitHub answers again.
    github.hang(None);
    let (session, _) = github_sign_in(&app).await;
    assert_eq!(session["account"]["email"], "slow@example.org");
}
