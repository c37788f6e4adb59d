//! Keys at rest over HTTP: cascade delete of a provider with audit entries, encryption
//! at rest, and a replaced secret file.

use serde_json::json;

use crate::common::{TestApp, TestResult};

#[tokio::test]
async fn deleting_a_provider_removes_keys_and_models_with_audit() -> TestResult {
    let app = TestApp::start().await?;
    let admin = app.admin().await?;
    let sk = app.new_token(&admin, json!({})).await?;
    app.add_provider(&admin, "gone", "http://127.0.0.1:9", "sk-aaaaaaaaaaaaaaaa1")
        .await?;
    app.send(
        "POST",
        "/providers/gone/keys",
        Some(&admin),
        Some(json!({"key": "sk-bbbbbbbbbbbbbbbb2"})),
    )
    .await?;
    let (status, _) = app
        .send(
            "POST",
            "/models/gone/cache",
            Some(&admin),
            Some(json!({"ids": ["m1", "m2"]})),
        )
        .await?;
    assert_eq!(status, 200);

    let (status, body) = app
        .send("DELETE", "/providers/gone", Some(&admin), None)
        .await?;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["removed"].as_array().map(Vec::len), Some(4), "{body}");

    let (_, audit) = app
        .send(
            "GET",
            "/audit?target=provider:gone&limit=100",
            Some(&admin),
            None,
        )
        .await?;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert_eq!(
        actions.iter().filter(|a| **a == "key_delete").count(),
        2,
        "{actions:?}"
    );
    assert_eq!(
        actions
            .iter()
            .filter(|a| **a == "model_cache_remove")
            .count(),
        2,
        "{actions:?}"
    );
    assert_eq!(actions.first(), Some(&"provider_delete"));

    let (status, _) = app
        .send("GET", "/providers/gone", Some(&admin), None)
        .await?;
    assert_eq!(status, 404);
    let (_, models) = app.send("GET", "/v1/models", Some(&sk), None).await?;
    assert_eq!(models["data"].as_array().map(Vec::len), Some(0));
    // Same name can be created again, with nothing left over.
    app.add_provider(&admin, "gone", "http://127.0.0.1:9", "sk-cccccccccccccccc3")
        .await?;
    let (_, keys) = app
        .send("GET", "/providers/gone/keys", Some(&admin), None)
        .await?;
    assert_eq!(keys.as_array().map(Vec::len), Some(1));
    Ok(())
}

#[tokio::test]
async fn masked_keys_are_encrypted_at_rest() -> TestResult {
    let app = TestApp::start().await?;
    let admin = app.admin().await?;
    app.add_provider(
        &admin,
        "p",
        "http://127.0.0.1:9",
        "sk-at-rest-secret-0987654321",
    )
    .await?;
    let stored = crate::common::table_text(&app.db.url, &["provider_keys"]).await?;
    assert!(stored.contains("enc:v1:"), "{stored}");
    assert!(!stored.contains("sk-at-rest-secret"), "{stored}");
    // After a restart the key still decrypts (the secret file was kept).
    let app = app.restart().await?;
    let admin = app.admin().await?;
    let (_, keys) = app
        .send("GET", "/providers/p/keys?reveal=true", Some(&admin), None)
        .await?;
    assert_eq!(keys[0]["key"], "sk-at-rest-secret-0987654321");
    Ok(())
}

#[tokio::test]
async fn a_replaced_secret_file_leaves_keys_visible_and_deletable() -> TestResult {
    let app = TestApp::start().await?;
    let admin = app.admin().await?;
    app.add_provider(
        &admin,
        "p",
        "http://127.0.0.1:9",
        "sk-sealed-with-old-secret-1",
    )
    .await?;
    let TestApp { server, db, .. } = app;
    server.shutdown().await?;
    // Someone replaces the secret (a new install, a lost backup).
    std::fs::write(db.dir.path().join("secret.key"), "ab".repeat(32))?;
    let app = TestApp::start_on(db, &[]).await?;
    let admin = app.admin().await?;
    let (status, keys) = app
        .send("GET", "/providers/p/keys", Some(&admin), None)
        .await?;
    assert_eq!(status, 200, "{keys}");
    assert!(
        keys[0]["key"]
            .as_str()
            .unwrap_or_default()
            .contains("cannot be decrypted"),
        "{keys}"
    );
    let id = keys[0]["id"].as_i64().unwrap_or_default();
    let (status, _) = app
        .send(
            "DELETE",
            &format!("/providers/p/keys/{id}"),
            Some(&admin),
            None,
        )
        .await?;
    assert_eq!(status, 200);
    // A new key under the new secret works as usual.
    let (status, _) = app
        .send(
            "POST",
            "/providers/p/keys",
            Some(&admin),
            Some(json!({"key": "sk-new-secret-key-0001"})),
        )
        .await?;
    assert_eq!(status, 201);
    let (_, keys) = app
        .send("GET", "/providers/p/keys?reveal=true", Some(&admin), None)
        .await?;
    assert_eq!(keys[0]["key"], "sk-new-secret-key-0001");
    Ok(())
}
