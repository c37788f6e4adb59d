//! Restart keeps data; every admin call leaves one request log row; shutdown flushes
//! every queued row.

use serde_json::json;

use crate::common::{TestApp, TestResult};

#[tokio::test]
async fn restart_keeps_data() -> TestResult {
    let app = TestApp::start().await?;
    let admin = app.admin().await?;
    let sk = app.new_token(&admin, json!({})).await?;
    app.add_provider(&admin, "kept", "http://127.0.0.1:9", "sk-keep-me-123456789")
        .await?;
    app.send(
        "POST",
        "/models/kept/cache",
        Some(&admin),
        Some(json!({"ids": ["m"]})),
    )
    .await?;
    let app = app.restart().await?;
    // Sessions survive a restart too.
    let (status, models) = app.send("GET", "/v1/models", Some(&sk), None).await?;
    assert_eq!(status, 200);
    assert_eq!(models["data"][0]["id"], "kept/m");
    let (_, keys) = app
        .send("GET", "/providers/kept/keys", Some(&admin), None)
        .await?;
    assert_eq!(keys[0]["key"], "sk-k...6789");
    Ok(())
}

#[tokio::test]
async fn admin_calls_are_logged_with_their_request_type() -> TestResult {
    let app = TestApp::start().await?;
    let admin = app.admin().await?;
    let sk = app.new_token(&admin, json!({})).await?;
    app.add_provider(&admin, "p", "http://127.0.0.1:9", "sk-logged-123456789")
        .await?;
    app.send("GET", "/providers?x=1", Some(&admin), None)
        .await?;
    app.send("DELETE", "/providers/p/keys/999", Some(&admin), None)
        .await?;
    app.send("GET", "/v1/models", Some(&sk), None).await?;
    // The writer keeps queue order: once the last call's row is there, all are.
    app.wait_logs(&admin, 1, |r| r["request_type"] == "models_list")
        .await?;
    let rows = app
        .wait_logs(&admin, 5, |r| r["request_type"] != "logs_list")
        .await?;
    let find = |kind: &str| {
        rows.iter()
            .find(|r| r["request_type"] == kind)
            .cloned()
            .unwrap_or_default()
    };
    let create = find("provider_create");
    assert_eq!(create["method"], "POST");
    assert_eq!(create["path"], "/providers");
    assert_eq!(create["status"], 201);
    assert_eq!(create["user_name"], "admin");
    assert_eq!(find("provider_list")["path"], "/providers?x=1");
    let missing = find("key_delete");
    assert_eq!(missing["status"], 404);
    assert!(
        missing["error"]
            .as_str()
            .unwrap_or_default()
            .contains("999"),
        "{missing}"
    );
    assert_eq!(find("models_list")["status"], 200);
    assert_eq!(find("auth_login")["status"], 200);
    assert_eq!(
        find("key_create")["request_id"].as_str().map(str::len),
        Some(24)
    );
    Ok(())
}

#[tokio::test]
async fn shutdown_flushes_every_queued_row() -> TestResult {
    let app = TestApp::start_with(&[
        ("log_writer", "batch_size = 7"),
        ("log_writer", "queue_capacity = 16"),
    ])
    .await?;
    let admin = app.admin().await?;
    let total = 300;
    let mut calls = Vec::new();
    for i in 0..total {
        let http = app.http.clone();
        let url = app.url(&format!("/providers?n={i}"));
        let token = admin.clone();
        calls.push(tokio::spawn(async move {
            http.get(url)
                .bearer_auth(token)
                .send()
                .await
                .map(|r| r.status())
        }));
    }
    for call in calls {
        assert_eq!(call.await??.as_u16(), 200);
    }
    let db = {
        let TestApp { server, db, .. } = app;
        server.shutdown().await?;
        db
    };
    let app = TestApp::start_on(db, &[]).await?;
    let admin = app.admin().await?;
    let rows = app
        .wait_logs(&admin, total, |r| r["request_type"] == "provider_list")
        .await?;
    assert_eq!(rows.len(), total);
    Ok(())
}
