//! §2.4 Sessions and tokens must not survive what should end them: a password reset or
//! change revokes personal API tokens (unless the user keeps them); tokens can expire;
//! an admin's token has admin powers only with the `admin` scope; an email change tells
//! the old address and signs out other sessions; an account without a password must
//! have signed in with GitHub in the last 10 minutes to change its email or delete
//! itself. Rules: `app::auth`, `app::users`, `app::tokens`, `app::principal`,
//! `domain::auth`.

use diesel::prelude::*;
use openfund::db::schema::api_tokens;
use serde_json::json;

use super::support::{
    age_sign_ins, api_token_count, app_with_github, github_sign_in, github_user, live_sessions,
    send,
};
use crate::helpers::{PASSWORD, TestApp, TestUser, assert_problem, spawn_app, spawn_app_with_mail};

const NEW_PASSWORD: &str = "cobalt-lantern-river-77";

/// Mails a reset link to the user and sets `NEW_PASSWORD` with it.
async fn reset_by_mail(app: &TestApp, user: &TestUser, keep_api_tokens: Option<bool>) {
    let res = app
        .post_json("/api/v1/auth/password-reset", &json!({"email": user.email}))
        .await;
    assert_eq!(res.status().as_u16(), 202);
    let token = app
        .mail()
        .wait_for(&user.email)
        .await
        .link_token("/reset-password")
        .expect("reset link");
    let mut body = json!({"token": token, "password": NEW_PASSWORD});
    if let Some(keep) = keep_api_tokens {
        body["keep_api_tokens"] = json!(keep);
    }
    let res = app
        .post_json("/api/v1/auth/password-reset/confirm", &body)
        .await;
    assert_eq!(res.status().as_u16(), 200);
}

async fn status_of(app: &TestApp, token: &str) -> u16 {
    app.get_as("/api/v1/me", token).await.status().as_u16()
}

#[tokio::test]
async fn a_password_reset_revokes_api_tokens_unless_the_user_keeps_them() {
    let app = spawn_app_with_mail(|_| {}).await;
    let by_default = app.user().await;
    let keeper = app.user().await;
    let revoked = app.api_token(&by_default, &["read", "write"]).await;
    let kept = app.api_token(&keeper, &["read"]).await;
    assert_eq!(status_of(&app, &revoked).await, 200);

    reset_by_mail(&app, &by_default, None).await;
    reset_by_mail(&app, &keeper, Some(true)).await;

    // Whoever knew the old password may have made tokens: by default they go.
    assert_problem(
        app.get_as("/api/v1/me", &revoked).await,
        401,
        "invalid_token",
    )
    .await;
    assert_eq!(api_token_count(&app, by_default.id), 0);
    assert_eq!(status_of(&app, &kept).await, 200, "kept on request");
    // Either way every session ends.
    for user in [&by_default, &keeper] {
        assert_problem(
            app.get_as("/api/v1/me", &user.token).await,
            401,
            "invalid_token",
        )
        .await;
        assert_eq!(live_sessions(&app, user.id), 0);
    }
}

#[tokio::test]
async fn a_password_change_revokes_api_tokens_and_other_sessions_unless_kept() {
    let app = spawn_app().await;
    for keep in [false, true] {
        let user = app.user().await;
        let other_session = app.login(&user.email, PASSWORD).await;
        let other_token = other_session.json::<serde_json::Value>().await.unwrap()["access_token"]
            .as_str()
            .unwrap()
            .to_owned();
        let token = app.api_token(&user, &["read", "write"]).await;

        let res = send(
            &app,
            "POST",
            "/api/v1/me/password",
            &user.token,
            json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD, "keep_api_tokens": keep}),
        )
        .await;
        assert_eq!(res.status().as_u16(), 204);

        assert_eq!(
            status_of(&app, &user.token).await,
            200,
            "this session stays"
        );
        assert_problem(
            app.get_as("/api/v1/me", &other_token).await,
            401,
            "invalid_token",
        )
        .await;
        assert_eq!(live_sessions(&app, user.id), 1);
        if keep {
            assert_eq!(status_of(&app, &token).await, 200, "kept on request");
        } else {
            assert_problem(app.get_as("/api/v1/me", &token).await, 401, "invalid_token").await;
            assert_eq!(api_token_count(&app, user.id), 0);
        }
    }
}

#[tokio::test]
async fn api_tokens_expire() {
    let app = spawn_app().await;
    let user = app.user().await;
    for days in [0, 367] {
        let res = send(
            &app,
            "POST",
            "/api/v1/me/tokens",
            &user.token,
            json!({"name": "ci", "scopes": ["read"], "expires_in_days": days}),
        )
        .await;
        let body = assert_problem(res, 422, "validation_failed").await;
        assert_eq!(body["errors"][0]["field"], "expires_in_days", "{body}");
    }
    let res = send(
        &app,
        "POST",
        "/api/v1/me/tokens",
        &user.token,
        json!({"name": "ci", "scopes": ["read"], "expires_in_days": 1}),
    )
    .await;
    assert_eq!(res.status().as_u16(), 201);
    let created: serde_json::Value = res.json().await.unwrap();
    let secret = created["secret"].as_str().unwrap().to_owned();
    let expires: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(created["token"]["expires_at"].clone()).expect("expires_at");
    let in_a_day = chrono::Utc::now() + chrono::Duration::days(1);
    assert!(
        (expires - in_a_day).num_seconds().abs() < 60,
        "{expires} is not a day away"
    );
    assert_eq!(status_of(&app, &secret).await, 200);

    // A day later:
    let id = created["token"]["id"].as_i64().unwrap();
    diesel::update(api_tokens::table.find(id))
        .set(api_tokens::expires_at.eq(openfund::db::now() - chrono::Duration::seconds(1)))
        .execute(&mut app.conn())
        .unwrap();
    assert_problem(
        app.get_as("/api/v1/me", &secret).await,
        401,
        "invalid_token",
    )
    .await;
}

#[tokio::test]
async fn an_admins_token_has_admin_powers_only_with_the_admin_scope() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let plain = app.api_token(&admin, &["read", "write"]).await;
    let scoped = app.api_token(&admin, &["read", "admin"]).await;
    for path in ["/api/v1/admin/jobs?state=failed", "/api/v1/admin/outbox"] {
        assert_eq!(app.get_as(path, &admin.token).await.status().as_u16(), 200);
        assert_problem(app.get_as(path, &plain).await, 403, "forbidden").await;
        assert_eq!(
            app.get_as(path, &scoped).await.status().as_u16(),
            200,
            "{path}"
        );
    }
    // Only a site admin may make such a token.
    let user = app.user().await;
    let res = send(
        &app,
        "POST",
        "/api/v1/me/tokens",
        &user.token,
        json!({"name": "root", "scopes": ["read", "admin"]}),
    )
    .await;
    assert_problem(res, 403, "forbidden").await;
    assert_eq!(api_token_count(&app, user.id), 0);
}

#[tokio::test]
async fn changing_the_email_tells_the_old_address_and_signs_out_other_sessions() {
    let app = spawn_app_with_mail(|_| {}).await;
    let user = app.user().await;
    let other = app.login(&user.email, PASSWORD).await;
    let other_refresh = crate::helpers::refresh_cookie(&other).unwrap();
    let other_token = other.json::<serde_json::Value>().await.unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();

    let res = send(
        &app,
        "POST",
        "/api/v1/me/email",
        &user.token,
        json!({"new_email": "moved@example.org", "password": PASSWORD}),
    )
    .await;
    assert_eq!(res.status().as_u16(), 202);
    let link = app
        .mail()
        .wait_for("moved@example.org")
        .await
        .link_token("/verify-email")
        .expect("confirmation link");
    let res = app
        .post_json("/api/v1/auth/verify-email", &json!({"token": link}))
        .await;
    assert_eq!(res.status().as_u16(), 200);

    let notice = app.mail().wait_for(&user.email).await;
    assert!(
        notice.subject().contains("email address was changed"),
        "{}",
        notice.subject()
    );
    assert!(notice.decoded.contains("moved@example.org"));
    assert!(notice.link_token("/verify-email").is_none());

    // The session that asked stays; every other one ends.
    assert_eq!(status_of(&app, &user.token).await, 200);
    assert_problem(
        app.get_as("/api/v1/me", &other_token).await,
        401,
        "invalid_token",
    )
    .await;
    assert_problem(
        app.refresh(&other_refresh).await,
        401,
        "invalid_refresh_token",
    )
    .await;
    assert_eq!(live_sessions(&app, user.id), 1);
    assert_problem(
        app.login(&user.email, PASSWORD).await,
        401,
        "invalid_credentials",
    )
    .await;
    assert_eq!(
        app.login("moved@example.org", PASSWORD)
            .await
            .status()
            .as_u16(),
        200
    );
}

#[tokio::test]
async fn accounts_without_a_password_must_have_signed_in_with_github_recently() {
    let (app, github) = app_with_github(|_| {}).await;
    github.set_user(github_user("octo-only@example.org"));
    let (session, refresh) = github_sign_in(&app).await;
    let id = session["account"]["id"].as_i64().unwrap();
    assert_eq!(session["account"]["has_password"], false);

    // Eleven minutes after signing in, the session still works but is not proof
    // enough for the account's most sensitive changes.
    age_sign_ins(&app, id, 11 * 60);
    // Refreshing keeps the session alive; it does not renew the proof.
    let res = app.refresh(&refresh).await;
    assert_eq!(res.status().as_u16(), 200);
    let token = res.json::<serde_json::Value>().await.unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let change = json!({"new_email": "elsewhere@example.org"});
    let res = send(&app, "POST", "/api/v1/me/email", &token, change.clone()).await;
    assert_problem(res, 403, "reauthentication_required").await;
    let res = send(&app, "DELETE", "/api/v1/me", &token, json!({})).await;
    assert_problem(res, 403, "reauthentication_required").await;
    assert_eq!(status_of(&app, &token).await, 200, "nothing was deleted");

    // A fresh sign-in with GitHub is proof.
    let (fresh, _) = github_sign_in(&app).await;
    let fresh = fresh["access_token"].as_str().unwrap();
    let res = send(&app, "POST", "/api/v1/me/email", fresh, change).await;
    assert_eq!(res.status().as_u16(), 202);
    let res = send(&app, "DELETE", "/api/v1/me", fresh, json!({})).await;
    assert_eq!(res.status().as_u16(), 204);
    assert_problem(app.get_as("/api/v1/me", fresh).await, 401, "invalid_token").await;
}
