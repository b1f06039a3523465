//! The accelerator catalogue: public to read, site admins add and rename classes, a code
//! is added once (also when two admins race), and bad input is refused with nothing
//! stored. Run on both backends.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{assert_problem, spawn_app};

#[tokio::test]
async fn site_admins_keep_the_catalogue_and_anyone_reads_it() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let user = app.user().await;
    let add = |token: String, body: Value| {
        let app = &app;
        async move {
            app.send_json_as(Method::POST, "/api/v1/accelerators", &token, &body)
                .await
        }
    };

    let h100 = json!({"code": "H100-80GB", "display_name": "NVIDIA H100 80GB"});
    assert_problem(
        add(user.token.clone(), h100.clone()).await,
        403,
        "forbidden",
    )
    .await;
    let res = add(admin.token.clone(), h100.clone()).await;
    assert_eq!(res.status().as_u16(), 201);
    let created: Value = res.json().await.unwrap();
    assert_eq!(created["code"], "H100-80GB");
    assert_problem(
        add(admin.token.clone(), h100.clone()).await,
        409,
        "accelerator_exists",
    )
    .await;

    // Two admins add one code at once: one 201, one 409.
    let tpu = json!({"code": "TPU-v5e", "display_name": "Google TPU v5e"});
    let (a, b) = tokio::join!(
        add(admin.token.clone(), tpu.clone()),
        add(admin.token.clone(), tpu.clone())
    );
    let mut statuses = [a.status().as_u16(), b.status().as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [201, 409]);

    for (body, field) in [
        (json!({"code": "-h100", "display_name": "x"}), "code"),
        (json!({"code": "a b", "display_name": "x"}), "code"),
        (json!({"code": "x".repeat(33), "display_name": "x"}), "code"),
        (json!({"code": "OK-1", "display_name": " "}), "display_name"),
        (
            json!({"code": "OK-1", "display_name": "x".repeat(81)}),
            "display_name",
        ),
    ] {
        let problem = assert_problem(
            add(admin.token.clone(), body).await,
            422,
            "validation_failed",
        )
        .await;
        assert_eq!(problem["errors"][0]["field"], field, "{problem}");
    }

    let res = app
        .send_json_as(
            Method::PATCH,
            "/api/v1/accelerators/H100-80GB",
            &admin.token,
            &json!({"display_name": "NVIDIA H100 SXM 80GB"}),
        )
        .await;
    assert_eq!(res.status().as_u16(), 200);
    for missing in ["/api/v1/accelerators/B200", "/api/v1/accelerators/a%00b"] {
        let res = app
            .send_json_as(
                Method::PATCH,
                missing,
                &admin.token,
                &json!({"display_name": "x"}),
            )
            .await;
        assert_problem(res, 404, "not_found").await;
    }

    let list: Value = app.get("/api/v1/accelerators").await.json().await.unwrap();
    let items: Vec<(&str, &str)> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["code"].as_str().unwrap(),
                a["display_name"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        items,
        [
            ("H100-80GB", "NVIDIA H100 SXM 80GB"),
            ("TPU-v5e", "Google TPU v5e")
        ]
    );
}
