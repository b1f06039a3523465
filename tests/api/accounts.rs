//! Registration → mail → verification → sign-in → refresh → sign-out, through a real
//! SMTP server, and the ways each step refuses bad input.

use serde_json::json;

use crate::helpers::{
    PASSWORD, assert_problem, refresh_cookie, spawn_app, spawn_app_with, spawn_app_with_mail,
};

#[tokio::test]
async fn full_sign_up_path_through_real_mail() {
    let app = spawn_app_with_mail(|_| {}).await;
    let email = "ada@example.org";

    let res = app
        .post_json(
            "/api/v1/auth/register",
            &json!({"email": "Ada@Example.org", "password": PASSWORD, "display_name": "Ada"}),
        )
        .await;
    assert_eq!(res.status().as_u16(), 202);

    // Not verified yet: the right password is told so, a wrong one is not.
    assert_problem(app.login(email, PASSWORD).await, 403, "email_not_verified").await;
    assert_problem(
        app.login(email, "wrong-password-123").await,
        401,
        "invalid_credentials",
    )
    .await;

    let mail = app.mail().wait_for(email).await;
    assert!(
        mail.subject().contains("Confirm your email"),
        "{}",
        mail.subject()
    );
    assert!(
        mail.decoded.contains("— OpenFund"),
        "footer with the instance name"
    );
    let token = mail.link_token("/verify-email").expect("verification link");

    let res = app
        .post_json("/api/v1/auth/verify-email", &json!({"token": token}))
        .await;
    assert_eq!(res.status().as_u16(), 200);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["status"], "verified");
    // Opened again (a double click, a mail scanner): the address is confirmed, and
    // the answer says so instead of calling the link invalid.
    let again = app
        .post_json("/api/v1/auth/verify-email", &json!({"token": token}))
        .await;
    assert_eq!(again.status().as_u16(), 200);
    let body: serde_json::Value = again.json().await.unwrap();
    assert_eq!(body["status"], "already_verified");

    let res = app.login(email, PASSWORD).await;
    assert_eq!(res.status().as_u16(), 200);
    let set_cookie = res
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    for attr in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/api/v1/auth"] {
        assert!(set_cookie.contains(attr), "{attr} missing in {set_cookie}");
    }
    let cookie1 = refresh_cookie(&res).unwrap();
    let session: serde_json::Value = res.json().await.unwrap();
    assert_eq!(session["token_type"], "Bearer");
    assert_eq!(session["account"]["email"], email);
    assert_eq!(session["account"]["email_verified"], true);
    assert!(
        session.get("refresh_token").is_none(),
        "the refresh token only travels in the cookie"
    );
    let access = session["access_token"].as_str().unwrap().to_owned();

    let me: serde_json::Value = app.json_as("/api/v1/me", &access).await;
    assert_eq!(me["display_name"], "Ada");

    let res = app.refresh(&cookie1).await;
    assert_eq!(res.status().as_u16(), 200);
    let cookie2 = refresh_cookie(&res).unwrap();
    assert_ne!(cookie1, cookie2, "refresh rotates the token");
    let access2 = res.json::<serde_json::Value>().await.unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();

    let res = app
        .client
        .post(app.url("/api/v1/auth/logout"))
        .header("cookie", format!("openfund_refresh={cookie2}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 204);
    assert_problem(app.refresh(&cookie2).await, 401, "invalid_refresh_token").await;
    let res = app.get_as("/api/v1/me", &access2).await;
    assert_problem(res, 401, "invalid_token").await;
}

#[tokio::test]
async fn reusing_a_spent_refresh_token_revokes_the_family() {
    let app = spawn_app().await;
    let user = app.user().await;
    let res = app.refresh(&user.refresh).await;
    assert_eq!(res.status().as_u16(), 200);
    let newer = refresh_cookie(&res).unwrap();
    // Spent longer ago than the retry grace window.
    app.age_refresh_token(&user.refresh, 31);

    // The old token comes back (stolen copy): refused, and the whole session ends.
    assert_problem(
        app.refresh(&user.refresh).await,
        401,
        "invalid_refresh_token",
    )
    .await;
    assert_problem(app.refresh(&newer).await, 401, "invalid_refresh_token").await;
    let res = app.get_as("/api/v1/me", &user.token).await;
    assert_problem(res, 401, "invalid_token").await;
}

#[tokio::test]
async fn login_does_not_reveal_which_emails_have_accounts() {
    let app = spawn_app().await;
    let user = app.user().await;
    let unknown = app.login("nobody-here@example.org", PASSWORD).await;
    let wrong = app.login(&user.email, "not-the-password-at-all").await;
    assert_eq!(unknown.status(), wrong.status());
    let a: serde_json::Value = unknown.json().await.unwrap();
    let b: serde_json::Value = wrong.json().await.unwrap();
    assert_eq!(a, b, "same body for unknown email and wrong password");
    assert_eq!(a["code"], "invalid_credentials");
}

#[tokio::test]
async fn repeated_failed_logins_get_429_with_retry_after() {
    let app = spawn_app_with(|c| c.auth_rate_limit = 3).await;
    let user = app.user().await;
    for _ in 0..3 {
        assert_eq!(
            app.login(&user.email, "wrong-password-123")
                .await
                .status()
                .as_u16(),
            401
        );
    }
    let res = app.login(&user.email, PASSWORD).await;
    let retry: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry > 0);
    assert_problem(res, 429, "rate_limited").await;
}

#[tokio::test]
async fn registration_reports_every_broken_rule() {
    let app = spawn_app().await;
    let res = app
        .post_json(
            "/api/v1/auth/register",
            &json!({"email": "not-an-email", "password": "short", "display_name": " "}),
        )
        .await;
    let body = assert_problem(res, 422, "validation_failed").await;
    let codes: Vec<(String, String)> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap().to_owned(),
                e["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(
        codes.contains(&("email".into(), "format".into())),
        "{codes:?}"
    );
    assert!(
        codes.contains(&("display_name".into(), "format".into())),
        "{codes:?}"
    );
    assert!(
        codes.contains(&("password".into(), "too_short".into())),
        "{codes:?}"
    );

    let res = app
        .post_json("/api/v1/auth/register", &json!({"email": "grace@example.org", "password": "password1234", "display_name": "Grace"}))
        .await;
    let body = assert_problem(res, 422, "validation_failed").await;
    assert_eq!(body["errors"][0]["code"], "too_common");
}

#[tokio::test]
async fn registering_a_taken_email_looks_the_same_and_warns_the_owner() {
    let app = spawn_app_with_mail(|_| {}).await;
    let existing = app.user().await;
    let res = app
        .post_json(
            "/api/v1/auth/register",
            &json!({"email": existing.email, "password": PASSWORD, "display_name": "Imposter"}),
        )
        .await;
    assert_eq!(res.status().as_u16(), 202);
    assert_eq!(
        res.json::<serde_json::Value>().await.unwrap()["status"],
        "verification_sent"
    );
    let mail = app.mail().wait_for(&existing.email).await;
    assert!(
        mail.subject().contains("Sign-up attempt"),
        "{}",
        mail.subject()
    );
    assert!(mail.link_token("/verify-email").is_none());
}

#[tokio::test]
async fn password_reset_by_mail_signs_out_everywhere() {
    let app = spawn_app_with_mail(|_| {}).await;
    let user = app.user().await;
    let res = app
        .post_json("/api/v1/auth/password-reset", &json!({"email": user.email}))
        .await;
    assert_eq!(res.status().as_u16(), 202);
    // Unknown addresses get the same answer.
    let res = app
        .post_json(
            "/api/v1/auth/password-reset",
            &json!({"email": "ghost@example.org"}),
        )
        .await;
    assert_eq!(res.status().as_u16(), 202);

    let token = app
        .mail()
        .wait_for(&user.email)
        .await
        .link_token("/reset-password")
        .expect("reset link");
    let weak = app
        .post_json(
            "/api/v1/auth/password-reset/confirm",
            &json!({"token": token, "password": "short"}),
        )
        .await;
    assert_problem(weak, 422, "validation_failed").await;
    let new_password = "cobalt-lantern-river-77";
    let res = app
        .post_json(
            "/api/v1/auth/password-reset/confirm",
            &json!({"token": token, "password": new_password}),
        )
        .await;
    assert_eq!(res.status().as_u16(), 200);

    assert_problem(
        app.refresh(&user.refresh).await,
        401,
        "invalid_refresh_token",
    )
    .await;
    assert_problem(
        app.login(&user.email, PASSWORD).await,
        401,
        "invalid_credentials",
    )
    .await;
    assert_eq!(
        app.login(&user.email, new_password).await.status().as_u16(),
        200
    );
    let reuse = app
        .post_json(
            "/api/v1/auth/password-reset/confirm",
            &json!({"token": token, "password": "another-fine-passphrase"}),
        )
        .await;
    assert_problem(reuse, 404, "invalid_or_expired_link").await;
}

#[tokio::test]
async fn account_settings_change_name_password_and_delete() {
    let app = spawn_app().await;
    let user = app.user().await;
    let auth = |r: reqwest::RequestBuilder| r.bearer_auth(&user.token);

    let res = auth(app.client.patch(app.url("/api/v1/me")))
        .json(&json!({"display_name": "  Grace H. "}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.json::<serde_json::Value>().await.unwrap()["display_name"],
        "Grace H."
    );

    let res = auth(app.client.post(app.url("/api/v1/me/password")))
        .json(&json!({"current_password": "wrong-one-entirely", "new_password": "cobalt-lantern-river-77"}))
        .send()
        .await
        .unwrap();
    assert_problem(res, 401, "invalid_credentials").await;
    let res = auth(app.client.post(app.url("/api/v1/me/password")))
        .json(&json!({"current_password": PASSWORD, "new_password": "cobalt-lantern-river-77"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 204);
    // The current session survives its own password change.
    assert_eq!(
        auth(app.client.get(app.url("/api/v1/me")))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        200
    );

    let res = auth(app.client.delete(app.url("/api/v1/me")))
        .json(&json!({"password": "cobalt-lantern-river-77"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 204);
    assert_problem(
        auth(app.client.get(app.url("/api/v1/me")))
            .send()
            .await
            .unwrap(),
        401,
        "invalid_token",
    )
    .await;
    assert_problem(
        app.login(&user.email, "cobalt-lantern-river-77").await,
        401,
        "invalid_credentials",
    )
    .await;
}

#[tokio::test]
async fn changing_email_needs_the_new_address_confirmed() {
    let app = spawn_app_with_mail(|_| {}).await;
    let user = app.user().await;
    let res = app
        .client
        .post(app.url("/api/v1/me/email"))
        .bearer_auth(&user.token)
        .json(&json!({"new_email": "moved@example.org", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 202);
    let token = app
        .mail()
        .wait_for("moved@example.org")
        .await
        .link_token("/verify-email")
        .unwrap();
    assert_eq!(
        app.post_json("/api/v1/auth/verify-email", &json!({"token": token}))
            .await
            .status()
            .as_u16(),
        200
    );
    assert_eq!(
        app.login("moved@example.org", PASSWORD)
            .await
            .status()
            .as_u16(),
        200
    );
    // The old address no longer signs in, and no row holds it any more.
    assert_problem(
        app.login(&user.email, PASSWORD).await,
        401,
        "invalid_credentials",
    )
    .await;
    use diesel::{ExpressionMethods, QueryDsl, RunQueryDsl};
    use openfund::db::schema::users;
    let emails: Vec<String> = users::table
        .filter(users::id.eq(user.id))
        .select(users::email)
        .load(&mut app.conn())
        .unwrap();
    assert_eq!(emails, ["moved@example.org"]);
}
