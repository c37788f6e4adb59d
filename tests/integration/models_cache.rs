//! Model discovery against mock-upstream and every cache operation's summary.

use serde_json::json;

use crate::common::{MockUpstream, TestApp, TestResult};

const KEY: &str = "sk-mock-good-key-000001";

fn ids(value: &serde_json::Value) -> Vec<&str> {
    value
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str())
        .collect()
}

#[tokio::test]
async fn discover_and_cache_flow() -> TestResult {
    let mock = MockUpstream::start(
        &[KEY],
        &["gpt-4o", "gpt-4o-mini", "o3", "text-embedding-3-small"],
    )?;
    let app = TestApp::start().await?;
    let admin = app.admin().await?;
    let sk = app.new_token(&admin, json!({})).await?;
    app.add_provider(&admin, "openai", &mock.base, KEY).await?;

    let (status, found) = app
        .send("GET", "/models/openai", Some(&admin), None)
        .await?;
    assert_eq!(status, 200, "{found}");
    assert_eq!(
        ids(&found["ids"]),
        ["gpt-4o", "gpt-4o-mini", "o3", "text-embedding-3-small"]
    );
    // Discovery stores nothing.
    let (_, listed) = app.send("GET", "/v1/models", Some(&sk), None).await?;
    assert_eq!(listed["data"].as_array().map(Vec::len), Some(0));

    let (status, summary) = app
        .send(
            "POST",
            "/models/openai/cache",
            Some(&admin),
            Some(json!({"ids": ["gpt-4o", "o3", "gpt-4o"]})),
        )
        .await?;
    assert_eq!(status, 200, "{summary}");
    assert_eq!(ids(&summary["added"]), ["gpt-4o", "o3"]);
    assert!(ids(&summary["updated"]).is_empty());

    let (_, summary) = app
        .send(
            "POST",
            "/models/openai/cache",
            Some(&admin),
            Some(json!({"ids": ["o3", "gpt-4o-mini"]})),
        )
        .await?;
    assert_eq!(ids(&summary["added"]), ["gpt-4o-mini"]);
    assert_eq!(ids(&summary["updated"]), ["o3"]);

    let (_, listed) = app.send("GET", "/v1/models", Some(&sk), None).await?;
    assert_eq!(listed["object"], "list");
    let listed_ids: Vec<&str> = listed["data"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| m["id"].as_str())
        .collect();
    assert_eq!(
        listed_ids,
        ["openai/gpt-4o", "openai/gpt-4o-mini", "openai/o3"]
    );
    assert_eq!(listed["data"][0]["object"], "model");
    assert_eq!(listed["data"][0]["owned_by"], "openai");

    let (status, summary) = app
        .send(
            "DELETE",
            "/models/openai/cache",
            Some(&admin),
            Some(json!({"ids": ["o3", "never-cached"]})),
        )
        .await?;
    assert_eq!(status, 200, "{summary}");
    assert_eq!(ids(&summary["removed"]), ["o3"]);
    assert_eq!(ids(&summary["not_found"]), ["never-cached"]);

    let (status, summary) = app
        .send(
            "PUT",
            "/models/openai/cache",
            Some(&admin),
            Some(json!({"exclude": ["text-embedding-3-small", "not-upstream"]})),
        )
        .await?;
    assert_eq!(status, 200, "{summary}");
    assert_eq!(ids(&summary["added"]), ["o3"]);
    assert_eq!(ids(&summary["updated"]), ["gpt-4o", "gpt-4o-mini"]);
    assert_eq!(ids(&summary["filtered"]), ["text-embedding-3-small"]);
    assert_eq!(ids(&summary["not_found"]), ["not-upstream"]);
    assert!(ids(&summary["removed"]).is_empty());

    // Replace again excluding a cached one: it is removed.
    let (_, summary) = app
        .send(
            "PUT",
            "/models/openai/cache",
            Some(&admin),
            Some(json!({"exclude": ["o3", "text-embedding-3-small"]})),
        )
        .await?;
    assert_eq!(ids(&summary["removed"]), ["o3"]);

    // A disabled provider's models are not listed.
    app.send("PUT", "/providers/openai", Some(&admin), Some(json!({"name": "openai", "api_type": "openai", "base_url": mock.base, "enabled": false}))).await?;
    let (_, listed) = app.send("GET", "/v1/models", Some(&sk), None).await?;
    assert_eq!(listed["data"].as_array().map(Vec::len), Some(0));

    let (_, audit) = app
        .send(
            "GET",
            "/audit?target=provider:openai&limit=100",
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
    for action in [
        "model_cache_add",
        "model_cache_remove",
        "model_cache_replace",
    ] {
        assert!(actions.contains(&action), "{action} audited: {actions:?}");
    }
    Ok(())
}

#[tokio::test]
async fn discovery_uses_the_provider_key_and_reports_upstream_errors() -> TestResult {
    let mock = MockUpstream::start(&[KEY], &[])?;
    let app = TestApp::start().await?;
    let admin = app.admin().await?;
    app.add_provider(&admin, "wrongkey", &mock.base, "sk-not-accepted-by-mock")
        .await?;
    let (status, body) = app
        .send("GET", "/models/wrongkey", Some(&admin), None)
        .await?;
    assert_eq!(status, 502, "{body}");
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("401"), "{message}");

    let (status, body) = app
        .send(
            "POST",
            "/providers",
            Some(&admin),
            Some(json!({"name": "nokeys", "api_type": "openai", "base_url": mock.base})),
        )
        .await?;
    assert_eq!(status, 201, "{body}");
    let (status, body) = app
        .send("GET", "/models/nokeys", Some(&admin), None)
        .await?;
    assert_eq!(status, 503, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("no keys")
    );

    let (status, body) = app
        .send(
            "PUT",
            "/models/nokeys/cache",
            Some(&admin),
            Some(json!({"exclude": []})),
        )
        .await?;
    assert_eq!(status, 503, "{body}");

    // A port that was free a moment ago: connection refused.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?;
    app.add_provider(&admin, "refused", &format!("http://{closed}"), KEY)
        .await?;
    let (status, body) = app
        .send("GET", "/models/refused", Some(&admin), None)
        .await?;
    assert_eq!(status, 502, "{body}");
    Ok(())
}

#[tokio::test]
async fn discovery_timeout_is_504() -> TestResult {
    // A listener that accepts and never answers.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = silent.local_addr()?;
    let hold = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = silent.accept().await {
            held.push(socket);
        }
    });
    let app = TestApp::start_with(&[("upstream", "first_byte_timeout_ms = 300")]).await?;
    let admin = app.admin().await?;
    app.add_provider(&admin, "slow", &format!("http://{addr}"), KEY)
        .await?;
    let (status, body) = app.send("GET", "/models/slow", Some(&admin), None).await?;
    assert_eq!(status, 504, "{body}");
    assert_eq!(body["error"]["type"], "timeout_error");
    hold.abort();
    Ok(())
}
