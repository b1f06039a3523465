//! §2.6 A refresh token presented again within the grace window (a retry after a lost
//! response, two tabs refreshing at once) must not sign the user out; presented after
//! it, it was copied, and the whole session ends. Rules: `app::sessions::rotate`,
//! `domain::auth::refresh_reuse_is_retry`.

use crate::helpers::{TestApp, assert_problem, refresh_cookie, spawn_app};

/// Refreshes with `cookie`; returns the new access token and refresh cookie.
async fn refreshed(app: &TestApp, cookie: &str) -> (String, String) {
    let res = app.refresh(cookie).await;
    assert_eq!(res.status().as_u16(), 200, "refresh refused");
    let next = refresh_cookie(&res).expect("a new refresh cookie");
    let body: serde_json::Value = res.json().await.unwrap();
    (body["access_token"].as_str().unwrap().to_owned(), next)
}

#[tokio::test]
async fn a_retried_refresh_within_the_grace_window_keeps_the_session() {
    let app = spawn_app().await;
    let user = app.user().await;
    let (_, lost) = refreshed(&app, &user.refresh).await;
    // The answer was lost: the client retries with the token it still has.
    app.age_refresh_token(&user.refresh, 25);
    let (access, retried) = refreshed(&app, &user.refresh).await;
    assert_ne!(retried, lost);
    assert_eq!(
        app.get_as("/api/v1/me", &access).await.status().as_u16(),
        200
    );
    assert_eq!(
        app.get_as("/api/v1/me", &user.token)
            .await
            .status()
            .as_u16(),
        200
    );
    // The session lives on through the retried token.
    let (access, _) = refreshed(&app, &retried).await;
    assert_eq!(
        app.get_as("/api/v1/me", &access).await.status().as_u16(),
        200
    );
}

#[tokio::test]
async fn concurrent_refreshes_of_one_token_all_succeed_and_the_session_stays_live() {
    let app = spawn_app().await;
    let user = app.user().await;
    // Two tabs (here six) refresh with the same cookie at the same moment.
    let mut attempts = tokio::task::JoinSet::new();
    for _ in 0..6 {
        let request = app
            .client
            .post(app.url("/api/v1/auth/refresh"))
            .header("cookie", format!("openfund_refresh={}", user.refresh));
        attempts.spawn(async move { request.send().await.expect("request failed") });
    }
    let answers = attempts.join_all().await;
    let mut issued = Vec::new();
    for res in answers {
        assert_eq!(
            res.status().as_u16(),
            200,
            "a concurrent refresh was refused"
        );
        let next = refresh_cookie(&res).expect("a new refresh cookie");
        let body: serde_json::Value = res.json().await.unwrap();
        issued.push((body["access_token"].as_str().unwrap().to_owned(), next));
    }
    // No reuse was detected: the session and every token it handed out work.
    assert_eq!(
        app.get_as("/api/v1/me", &user.token)
            .await
            .status()
            .as_u16(),
        200
    );
    for (access, next) in &issued {
        assert_eq!(
            app.get_as("/api/v1/me", access).await.status().as_u16(),
            200
        );
        refreshed(&app, next).await;
    }
}

#[tokio::test]
async fn reuse_after_the_grace_window_still_revokes_the_whole_session() {
    let app = spawn_app().await;
    let user = app.user().await;
    let (_, newer) = refreshed(&app, &user.refresh).await;
    // Within the window it was a retry…
    app.age_refresh_token(&user.refresh, 29);
    let (_, retried) = refreshed(&app, &user.refresh).await;
    // …past it, a copy.
    app.age_refresh_token(&user.refresh, 31);
    assert_problem(
        app.refresh(&user.refresh).await,
        401,
        "invalid_refresh_token",
    )
    .await;
    for cookie in [&newer, &retried] {
        assert_problem(app.refresh(cookie).await, 401, "invalid_refresh_token").await;
    }
    assert_problem(
        app.get_as("/api/v1/me", &user.token).await,
        401,
        "invalid_token",
    )
    .await;
}
