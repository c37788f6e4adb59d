//! Key health over the admin API: a key disabled by an admin is shown with its reason,
//! skipped by routing at once, enabled again, and each change is audited once.

use serde_json::{Value, json};

use crate::common::{MockUpstream, RelayFixture, TestResult};

/// Adds a second key to the fixture's provider; returns the ids of both keys.
async fn two_keys(fx: &RelayFixture) -> TestResult<(i64, i64)> {
    let (status, body) = fx
        .app
        .send(
            "POST",
            "/providers/mock/keys",
            Some(&fx.admin),
            Some(json!({"key": "sk-second-key-0002"})),
        )
        .await?;
    assert_eq!(status, 201, "{body}");
    let (_, keys) = fx
        .app
        .send("GET", "/providers/mock/keys", Some(&fx.admin), None)
        .await?;
    let id = |i: usize| keys[i]["id"].as_i64().unwrap_or_default();
    Ok((id(0), id(1)))
}

async fn set_state(fx: &RelayFixture, id: i64, body: Value) -> TestResult<(u16, Value)> {
    let path = format!("/providers/mock/keys/{id}");
    fx.app.send("PUT", &path, Some(&fx.admin), Some(body)).await
}

/// The upstream key each of `n` chat requests was sent with.
async fn keys_used(fx: &RelayFixture, n: usize) -> TestResult<Vec<String>> {
    let mut used = Vec::new();
    for _ in 0..n {
        let body = json!({"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]});
        let (status, headers, text) = fx.post("/v1/chat/completions", body).await?;
        assert_eq!(status, 200, "{text}");
        let key = headers.get("x-mock-key").and_then(|v| v.to_str().ok());
        used.push(key.unwrap_or_default().to_string());
    }
    Ok(used)
}

async fn audit(fx: &RelayFixture, action: &str) -> TestResult<Vec<Value>> {
    let path = format!("/audit?action={action}");
    let (_, body) = fx.app.send("GET", &path, Some(&fx.admin), None).await?;
    Ok(body["items"].as_array().cloned().unwrap_or_default())
}

#[tokio::test]
async fn disabled_keys_are_shown_skipped_and_enabled_again() -> TestResult {
    // The mock accepts any key, so the second key works as well as the first.
    let fx = RelayFixture::start().await?;
    let open_mock = MockUpstream::start(&[], &[])?;
    let (status, _) = fx
        .app
        .send(
            "PUT",
            "/providers/mock",
            Some(&fx.admin),
            Some(json!({"name": "mock", "api_type": "openai", "base_url": open_mock.base})),
        )
        .await?;
    assert_eq!(status, 200);
    let (first, second) = two_keys(&fx).await?;
    let (_, keys) = fx
        .app
        .send("GET", "/providers/mock/keys", Some(&fx.admin), None)
        .await?;
    assert_eq!(keys[0]["status"], "enabled");
    assert_eq!(keys[0]["disabled_reason"], Value::Null);
    assert_eq!(keys_used(&fx, 2).await?, ["sk-upstream-key-0001"; 2]);

    let (status, key) = set_state(
        &fx,
        first,
        json!({"enabled": false, "reason": "  suspended  "}),
    )
    .await?;
    assert_eq!(status, 200, "{key}");
    assert_eq!(key["status"], "disabled");
    assert_eq!(key["disabled_reason"], "suspended");
    assert_eq!(key["disabled_by"], "admin");
    assert!(
        key["disabled_at"].as_str().is_some_and(|t| t.len() == 19),
        "{key}"
    );
    assert_eq!(keys_used(&fx, 2).await?, ["sk-second-key-0002"; 2]);
    // Setting the same state again changes and audits nothing.
    let (status, again) = set_state(&fx, first, json!({"enabled": false})).await?;
    assert_eq!(
        (status, &again["disabled_reason"]),
        (200, &json!("suspended"))
    );
    let disables = audit(&fx, "key_disable").await?;
    assert_eq!(disables.len(), 1, "{disables:?}");
    assert_eq!(disables[0]["actor"], "admin");
    assert!(
        disables[0]["summary"]
            .as_str()
            .is_some_and(|s| s.contains("suspended"))
    );

    // Every key disabled: 503 naming why, in the OpenAI shape.
    set_state(
        &fx,
        second,
        json!({"enabled": false, "reason": "quota gone"}),
    )
    .await?;
    let body = json!({"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]});
    let (status, _, text) = fx.post("/v1/chat/completions", body).await?;
    assert_eq!(status, 503, "{text}");
    let error: Value = serde_json::from_str(&text)?;
    let message = error["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("every key is disabled"), "{message}");
    assert!(
        message.contains("suspended") && message.contains("quota gone"),
        "{message}"
    );

    let (status, key) = set_state(&fx, first, json!({"enabled": true})).await?;
    assert_eq!((status, &key["status"]), (200, &json!("enabled")));
    assert_eq!(key["disabled_reason"], Value::Null);
    assert_eq!(key["disabled_by"], Value::Null);
    assert_eq!(keys_used(&fx, 1).await?, ["sk-upstream-key-0001"]);
    assert_eq!(audit(&fx, "key_enable").await?.len(), 1);
    Ok(())
}

#[tokio::test]
async fn key_state_input_is_checked() -> TestResult {
    let fx = RelayFixture::start().await?;
    let (_, keys) = fx
        .app
        .send("GET", "/providers/mock/keys", Some(&fx.admin), None)
        .await?;
    let id = keys[0]["id"].as_i64().unwrap_or_default();
    let (status, _) = set_state(&fx, id + 100, json!({"enabled": false})).await?;
    assert_eq!(status, 404);
    let (status, body) = set_state(&fx, id, json!({"enabled": false, "why": "x"})).await?;
    assert_eq!(status, 400, "{body}");
    let (status, body) = set_state(&fx, id, json!({"enabled": "no"})).await?;
    assert_eq!((status, &body["error"]["param"]), (400, &json!("enabled")));
    let user_session = fx.app.new_user(&fx.admin, "u", &[]).await?.1;
    let (status, _) = fx
        .app
        .send(
            "PUT",
            &format!("/providers/mock/keys/{id}"),
            Some(&user_session),
            Some(json!({"enabled": false})),
        )
        .await?;
    assert_eq!(status, 403);
    Ok(())
}
