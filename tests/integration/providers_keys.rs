//! Providers and keys over HTTP: CRUD, 404/409, key display per strategy, reveal.

use serde_json::json;

use crate::common::{TestApp, TestResult};

#[tokio::test]
async fn provider_crud_and_conflicts() -> TestResult {
    let app = TestApp::start().await?;
    let admin = app.admin().await?;
    let input =
        json!({"name": "deepseek", "api_type": "openai", "base_url": "https://api.deepseek.com/"});
    let (status, created) = app
        .send("POST", "/providers", Some(&admin), Some(input.clone()))
        .await?;
    assert_eq!(status, 201, "{created}");
    assert_eq!(
        created["base_url"], "https://api.deepseek.com",
        "trailing slash trimmed"
    );
    assert_eq!(created["models_path"], "/v1/models");
    assert_eq!(created["key_strategy"], "first");
    assert_eq!(created["enabled"], true);
    let created_at = created["created_at"].as_str().unwrap_or_default();
    assert_eq!(
        created_at.len(),
        19,
        "display time like 2025-09-26 15:10:50: {created_at}"
    );

    let (status, body) = app
        .send("POST", "/providers", Some(&admin), Some(input))
        .await?;
    assert_eq!(status, 409, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("deepseek")
    );

    let replaced = json!({"name": "deepseek", "api_type": "openai", "base_url": "https://x.example",
        "key_strategy": "round_robin", "priority": 5, "weight": 3, "enabled": false});
    let (status, body) = app
        .send("PUT", "/providers/deepseek", Some(&admin), Some(replaced))
        .await?;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["key_strategy"], "round_robin");
    assert_eq!(body["priority"], 5);
    assert_eq!(body["enabled"], false);

    let (status, body) = app
        .send("GET", "/providers/deepseek", Some(&admin), None)
        .await?;
    assert_eq!((status, body["weight"].as_i64()), (200, Some(3)));
    let (status, body) = app.send("GET", "/providers", Some(&admin), None).await?;
    assert_eq!((status, body.as_array().map(Vec::len)), (200, Some(1)));

    for (method, path) in [
        ("GET", "/providers/nope"),
        ("DELETE", "/providers/nope"),
        ("GET", "/providers/nope/keys"),
    ] {
        let (status, body) = app.send(method, path, Some(&admin), None).await?;
        assert_eq!(status, 404, "{method} {path}: {body}");
        assert_eq!(body["error"]["type"], "not_found_error");
    }
    let (status, _) = app
        .send(
            "PUT",
            "/providers/nope",
            Some(&admin),
            Some(json!({"name": "nope", "api_type": "openai", "base_url": "http://a"})),
        )
        .await?;
    assert_eq!(status, 404);
    Ok(())
}

#[tokio::test]
async fn keys_are_masked_revealed_and_audited() -> TestResult {
    let app = TestApp::start().await?;
    let admin = app.admin().await?;
    app.add_provider(
        &admin,
        "p1",
        "http://127.0.0.1:9",
        "sk-live-abcdefghijklmnop",
    )
    .await?;
    let (status, keys) = app
        .send("GET", "/providers/p1/keys", Some(&admin), None)
        .await?;
    assert_eq!(status, 200);
    assert_eq!(keys[0]["key"], "sk-l...mnop");

    let (status, keys) = app
        .send("GET", "/providers/p1/keys?reveal=true", Some(&admin), None)
        .await?;
    assert_eq!(status, 200);
    assert_eq!(keys[0]["key"], "sk-live-abcdefghijklmnop");
    let (_, audit) = app
        .send("GET", "/audit?action=key_reveal", Some(&admin), None)
        .await?;
    assert_eq!(audit["items"].as_array().map(Vec::len), Some(1), "{audit}");
    assert_eq!(audit["items"][0]["actor"], "admin");

    // The audit log never holds the whole key.
    let (_, all) = app
        .send("GET", "/audit?limit=500", Some(&admin), None)
        .await?;
    assert!(!all.to_string().contains("sk-live-abcdefghijklmnop"));

    let id = keys[0]["id"].as_i64().unwrap_or_default();
    let (status, _) = app
        .send(
            "DELETE",
            &format!("/providers/p1/keys/{}", id + 100),
            Some(&admin),
            None,
        )
        .await?;
    assert_eq!(status, 404);
    let (status, deleted) = app
        .send(
            "DELETE",
            &format!("/providers/p1/keys/{id}"),
            Some(&admin),
            None,
        )
        .await?;
    assert_eq!(
        (status, deleted["key"].as_str()),
        (200, Some("sk-l...mnop"))
    );
    let (_, keys) = app
        .send("GET", "/providers/p1/keys", Some(&admin), None)
        .await?;
    assert_eq!(keys.as_array().map(Vec::len), Some(0));
    Ok(())
}

#[tokio::test]
async fn key_strategy_none_and_plain() -> TestResult {
    for (strategy, shown) in [("none", None), ("plain", Some("sk-visible-1234567890"))] {
        let line = format!("key_strategy = \"{strategy}\"");
        let app = TestApp::start_with(&[("security", &line)]).await?;
        let admin = app.admin().await?;
        app.add_provider(&admin, "p", "http://127.0.0.1:9", "sk-visible-1234567890")
            .await?;
        let (_, keys) = app
            .send("GET", "/providers/p/keys", Some(&admin), None)
            .await?;
        assert_eq!(
            keys[0]["key"].as_str(),
            shown,
            "strategy {strategy}: {keys}"
        );
        let (_, keys) = app
            .send("GET", "/providers/p/keys?reveal=true", Some(&admin), None)
            .await?;
        assert_eq!(
            keys[0]["key"], "sk-visible-1234567890",
            "reveal under {strategy}"
        );
        let (_, audit) = app
            .send("GET", "/audit?action=key_create", Some(&admin), None)
            .await?;
        let summary = audit["items"][0]["summary"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert_eq!(
            summary.contains("sk-visible-1234567890"),
            strategy == "plain",
            "{summary}"
        );
        app.server.shutdown().await?;
    }
    Ok(())
}
