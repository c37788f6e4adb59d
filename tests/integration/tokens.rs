//! Gateway tokens over real HTTP: the token lifecycle and model grants.

use std::time::Duration;

use serde_json::{Value, json};

use crate::common::{MockUpstream, TestApp, TestResult};

#[tokio::test]
async fn token_lifecycle() -> TestResult {
    let mock = MockUpstream::start(&[], &[])?;
    let app = TestApp::start().await?;
    let admin = app.admin().await?;
    app.add_provider(&admin, "p", &mock.base, "sk-provider-123456789")
        .await?;
    app.send(
        "POST",
        "/models/p/cache",
        Some(&admin),
        Some(json!({"ids": ["m1"]})),
    )
    .await?;
    let (_, alice) = app.new_user(&admin, "alice", &["p/*"]).await?;

    let (status, created) = app
        .send(
            "POST",
            "/tokens",
            Some(&alice),
            Some(json!({"name": "laptop"})),
        )
        .await?;
    assert_eq!(status, 201, "{created}");
    let key = created["key"].as_str().unwrap_or_default().to_string();
    assert!(key.starts_with("sk-") && key.len() == 51, "{key}");
    assert!(key[3..].chars().all(|c| c.is_ascii_alphanumeric()));
    let id = created["token"]["id"].as_i64().unwrap_or_default();
    assert_eq!(created["token"]["status"], "enabled");
    assert!(
        created["token"]["key_prefix"]
            .as_str()
            .is_some_and(|p| key.starts_with(&p[..8]))
    );

    // Both header styles work.
    let (status, models) = app.send("GET", "/v1/models", Some(&key), None).await?;
    assert_eq!(
        (status, models["data"][0]["id"].as_str()),
        (200, Some("p/m1"))
    );
    let response = app
        .http
        .get(app.url("/v1/models"))
        .header("x-api-key", &key)
        .send()
        .await?;
    assert_eq!(response.status(), 200);

    // The full key is never listed again.
    let (_, listed) = app.send("GET", "/tokens", Some(&alice), None).await?;
    assert!(!listed.to_string().contains(&key));

    let expect_401 = |message: &'static str, key: String| {
        let app = &app;
        async move {
            let (status, body) = app.send("GET", "/v1/models", Some(&key), None).await?;
            assert_eq!(status, 401, "{body}");
            assert_eq!(body["error"]["message"], message);
            TestResult::Ok(())
        }
    };
    let (status, body) = app.send("GET", "/v1/models", None, None).await?;
    assert_eq!(status, 401);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .starts_with("missing API key")
    );
    expect_401("invalid API key", format!("sk-{}", "x".repeat(48))).await?;

    let disable = json!({"name": "laptop", "status": "disabled"});
    let (status, body) = app
        .send("PUT", &format!("/tokens/{id}"), Some(&alice), Some(disable))
        .await?;
    assert_eq!((status, body["status"].as_str()), (200, Some("disabled")));
    expect_401("this API key is disabled", key.clone()).await?;
    app.send(
        "PUT",
        &format!("/tokens/{id}"),
        Some(&alice),
        Some(json!({"name": "laptop"})),
    )
    .await?;
    let (status, _) = app.send("GET", "/v1/models", Some(&key), None).await?;
    assert_eq!(status, 200, "enabled again");

    // Regenerate: the old key stops, the new one works.
    let (status, regenerated) = app
        .send(
            "POST",
            &format!("/tokens/{id}/regenerate"),
            Some(&alice),
            None,
        )
        .await?;
    assert_eq!(status, 200);
    let new_key = regenerated["key"].as_str().unwrap_or_default().to_string();
    assert_ne!(new_key, key);
    expect_401("invalid API key", key.clone()).await?;
    let (status, _) = app.send("GET", "/v1/models", Some(&new_key), None).await?;
    assert_eq!(status, 200);

    // Expiry one second away.
    let soon = app
        .server
        .state
        .clock
        .format_ms(gateway::clock::Clock::now_ms() + 2000);
    let expiring = app
        .new_token(&alice, json!({"name": "short", "expires_at": soon}))
        .await?;
    let (status, _) = app.send("GET", "/v1/models", Some(&expiring), None).await?;
    assert_eq!(status, 200, "not yet expired");
    tokio::time::sleep(Duration::from_millis(2100)).await;
    expect_401("this API key has expired", expiring.clone()).await?;
    let (_, listed) = app.send("GET", "/tokens", Some(&alice), None).await?;
    let statuses: Vec<&str> = listed
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t["status"].as_str())
        .collect();
    assert!(statuses.contains(&"expired"), "{statuses:?}");

    let (status, _) = app
        .send("DELETE", &format!("/tokens/{id}"), Some(&alice), None)
        .await?;
    assert_eq!(status, 200);
    expect_401("invalid API key", new_key).await?;

    // Last-used times are written in the background within about a second.
    let keep = app.new_token(&alice, json!({"name": "used"})).await?;
    app.send("GET", "/v1/models", Some(&keep), None).await?;
    let mut last_used = Value::Null;
    for _ in 0..40 {
        let (_, listed) = app.send("GET", "/tokens", Some(&alice), None).await?;
        last_used = listed
            .as_array()
            .into_iter()
            .flatten()
            .find(|t| t["name"] == "used")
            .map(|t| t["last_used_at"].clone())
            .unwrap_or_default();
        if last_used.is_string() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        last_used.as_str().is_some_and(|t| t.len() == 19),
        "{last_used}"
    );
    Ok(())
}

#[tokio::test]
async fn model_grants_narrow_what_a_token_sees() -> TestResult {
    let app = TestApp::start().await?;
    let admin = app.admin().await?;
    for provider in ["openai", "deepseek"] {
        app.add_provider(
            &admin,
            provider,
            "http://127.0.0.1:9",
            "sk-provider-123456789",
        )
        .await?;
        app.send(
            "POST",
            &format!("/models/{provider}/cache"),
            Some(&admin),
            Some(json!({"ids": ["a", "b"]})),
        )
        .await?;
    }
    let ids = |v: &Value| -> Vec<String> {
        v["data"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|m| m["id"].as_str().map(String::from))
            .collect()
    };

    let (_, carol) = app
        .new_user(&admin, "carol", &["openai/*", "deepseek/a"])
        .await?;
    let all = app.new_token(&carol, json!({})).await?;
    let (_, listed) = app.send("GET", "/v1/models", Some(&all), None).await?;
    assert_eq!(ids(&listed), ["deepseek/a", "openai/a", "openai/b"]);

    let narrow = app
        .new_token(&carol, json!({"models": ["openai/b"]}))
        .await?;
    let (_, listed) = app.send("GET", "/v1/models", Some(&narrow), None).await?;
    assert_eq!(ids(&listed), ["openai/b"]);

    let (status, body) = app
        .send(
            "POST",
            "/tokens",
            Some(&carol),
            Some(json!({"name": "x", "models": ["deepseek/*"]})),
        )
        .await?;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["param"], "models");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("deepseek/*")
    );

    let (_, nobody) = app.new_user(&admin, "dave", &[]).await?;
    let nothing = app.new_token(&nobody, json!({})).await?;
    let (_, listed) = app.send("GET", "/v1/models", Some(&nothing), None).await?;
    assert!(ids(&listed).is_empty(), "empty grants mean no models");
    Ok(())
}
