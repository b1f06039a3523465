//! Access tokens (JWT) that must be refused, and personal API tokens with scopes.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::json;

use crate::helpers::{JWT_SECRET, assert_problem, spawn_app};

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn sign(header: &str, claims: &serde_json::Value, key: &[u8]) -> String {
    use hmac_sha256::HMAC;
    let h = URL_SAFE_NO_PAD.encode(header);
    let c = URL_SAFE_NO_PAD.encode(claims.to_string());
    let sig = HMAC::mac(format!("{h}.{c}").as_bytes(), key);
    format!("{h}.{c}.{}", URL_SAFE_NO_PAD.encode(sig))
}

#[tokio::test]
async fn every_malformed_expired_foreign_or_unsigned_token_is_401() {
    let app = spawn_app().await;
    let user = app.user().await;
    // Every forged token below starts from the claims of the real one (its session id
    // included), so each differs from a valid token in one thing only.
    let real: serde_json::Value = {
        let payload = user.token.split('.').nth(1).unwrap();
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
    };
    let ok_claims = |over: serde_json::Value| {
        let mut c = real.clone();
        c["iat"] = json!(now());
        c["exp"] = json!(now() + 600);
        for (k, v) in over.as_object().unwrap() {
            c[k] = v.clone();
        }
        c
    };
    // Positive controls: the real token works, and so does one this test signs with
    // the server's key and the real session id, so the failures below are about the
    // one thing each case changes.
    let res = app.get_as("/api/v1/me", &user.token).await;
    assert_eq!(res.status().as_u16(), 200);
    let resigned = sign(
        r#"{"alg":"HS256","typ":"JWT"}"#,
        &ok_claims(json!({})),
        JWT_SECRET.as_bytes(),
    );
    let res = app.get_as("/api/v1/me", &resigned).await;
    assert_eq!(res.status().as_u16(), 200, "a correctly signed token");

    let hs256 = r#"{"alg":"HS256","typ":"JWT"}"#;
    let key = JWT_SECRET.as_bytes();
    let mut tampered: Vec<String> = user.token.split('.').map(str::to_owned).collect();
    tampered[1] = URL_SAFE_NO_PAD.encode(ok_claims(json!({"sub": "999999"})).to_string());
    let cases = vec![
        ("garbage", "not.a.jwt".to_owned()),
        (
            "alg none",
            format!(
                "{}.{}.",
                URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#),
                URL_SAFE_NO_PAD.encode(ok_claims(json!({})).to_string())
            ),
        ),
        ("tampered payload", tampered.join(".")),
        (
            "a session that does not exist",
            sign(
                hs256,
                &ok_claims(json!({"sid": real["sid"].as_i64().unwrap() + 1000})),
                key,
            ),
        ),
        (
            "expired",
            sign(
                hs256,
                &ok_claims(json!({"iat": now() - 7200, "exp": now() - 3600})),
                key,
            ),
        ),
        (
            "other audience",
            sign(hs256, &ok_claims(json!({"aud": "someone-else"})), key),
        ),
        (
            "other issuer",
            sign(
                hs256,
                &ok_claims(json!({"iss": "https://evil.example"})),
                key,
            ),
        ),
        (
            "other key",
            sign(
                hs256,
                &ok_claims(json!({})),
                b"a-different-signing-key-entirely-000",
            ),
        ),
        (
            "HS512",
            sign(r#"{"alg":"HS512","typ":"JWT"}"#, &ok_claims(json!({})), key),
        ),
        (
            "missing exp",
            sign(
                hs256,
                &{
                    let mut c = ok_claims(json!({}));
                    c.as_object_mut().unwrap().remove("exp");
                    c
                },
                key,
            ),
        ),
    ];
    for (name, token) in cases {
        let res = app.get_as("/api/v1/me", &token).await;
        assert_eq!(res.status().as_u16(), 401, "{name}");
        assert_problem(res, 401, "invalid_token").await;
    }
    let res = app.client.get(app.url("/api/v1/me")).send().await.unwrap();
    assert_problem(res, 401, "unauthenticated").await;
}

#[tokio::test]
async fn api_tokens_are_shown_once_scoped_and_revocable() {
    let app = spawn_app().await;
    let user = app.user().await;
    let res = app
        .client
        .post(app.url("/api/v1/me/tokens"))
        .bearer_auth(&user.token)
        .json(&json!({"name": "gpu cluster", "scopes": ["read"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 201);
    let created: serde_json::Value = res.json().await.unwrap();
    let secret = created["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("of_pat_"));
    assert!(secret.starts_with(created["token"]["prefix"].as_str().unwrap()));

    let list: serde_json::Value = app.json_as("/api/v1/me/tokens", &user.token).await;
    assert_eq!(list[0]["name"], "gpu cluster");
    assert!(
        !list.to_string().contains(&secret),
        "the secret is never listed"
    );
    assert_eq!(list[0]["last_used_at"], serde_json::Value::Null);

    // Read scope reads…
    let me = app.get_as("/api/v1/me", &secret).await;
    assert_eq!(me.status().as_u16(), 200);
    // …but does not write, and no token manages tokens.
    let write = app
        .create_project(
            &secret,
            &json!({"slug": "nope", "name": "N", "kind": "tool"}),
        )
        .await;
    assert_problem(write, 403, "insufficient_scope").await;
    let manage = app.get_as("/api/v1/me/tokens", &secret).await;
    assert_problem(manage, 403, "session_required").await;

    let list: serde_json::Value = app.json_as("/api/v1/me/tokens", &user.token).await;
    assert!(list[0]["last_used_at"].is_string(), "use is recorded");

    let id = created["token"]["id"].as_i64().unwrap();
    let res = app
        .client
        .delete(app.url(&format!("/api/v1/me/tokens/{id}")))
        .bearer_auth(&user.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 204);
    let res = app.get_as("/api/v1/me", &secret).await;
    assert_problem(res, 401, "invalid_token").await;

    // Another user cannot revoke (or see) someone else's token.
    let other = app.user().await;
    let theirs = app.api_token(&other, &["read"]).await;
    let their_id: serde_json::Value = app.json_as("/api/v1/me/tokens", &other.token).await;
    let their_id = their_id[0]["id"].as_i64().unwrap();
    let res = app
        .client
        .delete(app.url(&format!("/api/v1/me/tokens/{their_id}")))
        .bearer_auth(&user.token)
        .send()
        .await
        .unwrap();
    assert_problem(res, 404, "not_found").await;
    assert_eq!(
        app.get_as("/api/v1/me", &theirs).await.status().as_u16(),
        200
    );
}

#[tokio::test]
async fn admin_views_are_for_site_admins_only() {
    let app = spawn_app().await;
    for path in ["/api/v1/admin/jobs?state=failed", "/api/v1/admin/outbox"] {
        assert_problem(app.get(path).await, 401, "unauthenticated").await;
        let user = app.user().await;
        let res = app.get_as(path, &user.token).await;
        assert_problem(res, 403, "forbidden").await;
        let admin = app.admin().await;
        let res = app.get_as(path, &admin.token).await;
        assert_eq!(res.status().as_u16(), 200, "{path}");
    }
}
