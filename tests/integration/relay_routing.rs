//! The OpenAI relay over real HTTP: stream usage, aggregated SSE answers, key pools per
//! strategy, and alias and prefix routing.

use std::collections::HashMap;

use serde_json::{Value, json};

use crate::common::{
    JsonExt, JsonValue, RelayFixture, TestApp, TestDb, TestResult, UPSTREAM_KEY, request_id,
    sse_data,
};

#[tokio::test]
async fn stream_usage_is_requested_for_the_log_and_hidden_from_the_client() -> TestResult {
    let fx = RelayFixture::start().await?;
    let body = json!({"model": "gpt-4o", "stream": true, "messages": [{"role": "user", "content": "hello"}]});
    let (status, headers, text) = fx.post("/v1/chat/completions", body.clone()).await?;
    assert_eq!(status, 200);
    assert!(
        headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/event-stream"))
    );
    let events = sse_data(&text);
    assert_eq!(events.last().map(String::as_str), Some("[DONE]"));
    assert!(
        events.iter().all(|e| !e.contains("\"prompt_tokens\"")),
        "no usage chunk reaches the client: {text}"
    );
    // Exactly what the upstream sends a client that did not ask for usage (ids aside).
    let direct = fx
        .app
        .http
        .post(format!("{}/v1/chat/completions", fx.mock.base))
        .bearer_auth(UPSTREAM_KEY)
        .json_body(&body)
        .send()
        .await?
        .text()
        .await?;
    assert_eq!(sse_data(&direct).len(), events.len());
    let row = fx.log_row(&request_id(&headers)).await?;
    assert!(
        row["completion_tokens"].as_i64().unwrap_or(0) >= 5,
        "usage logged from the injected chunk: {row}"
    );

    let mut asked = body.clone();
    asked["stream_options"] = json!({"include_usage": true});
    let (_, _, text) = fx.post("/v1/chat/completions", asked).await?;
    let events = sse_data(&text);
    let usage_chunk = events.iter().rev().nth(1).cloned().unwrap_or_default();
    assert!(
        usage_chunk.contains("\"prompt_tokens\""),
        "the client asked, so it gets it: {text}"
    );
    Ok(())
}

#[tokio::test]
async fn sse_answer_to_a_non_stream_request_is_aggregated() -> TestResult {
    let fx = RelayFixture::start().await?;
    let body = json!({"model": "gpt-4o", "messages": [], "mock": {"sse_for_non_stream": true, "tool_calls": 2, "reasoning": true}});
    let (status, headers, text) = fx.post("/v1/chat/completions", body).await?;
    assert_eq!(status, 200, "{text}");
    assert_eq!(
        headers.get("content-type").and_then(|v| v.to_str().ok()),
        Some("application/json")
    );
    let answer: Value = serde_json::from_str(&text)?;
    assert_eq!(answer["object"], "chat.completion");
    assert!(
        answer["id"]
            .as_str()
            .is_some_and(|id| id.starts_with("chatcmpl-"))
    );
    assert_eq!(answer["model"], "gpt-4o");
    let message = &answer["choices"][0]["message"];
    assert!(
        message["reasoning_content"]
            .as_str()
            .is_some_and(|r| !r.is_empty()),
        "{answer}"
    );
    let calls = message["tool_calls"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(calls.len(), 2, "{answer}");
    for (i, call) in calls.iter().enumerate() {
        assert_eq!(call["id"], format!("call_{i}"));
        let arguments: Value =
            serde_json::from_str(call["function"]["arguments"].as_str().unwrap_or_default())?;
        assert_eq!(arguments, json!({"city": "Paris", "n": i}));
    }
    assert_eq!(answer["choices"][0]["finish_reason"], "tool_calls");
    assert!(answer["usage"]["total_tokens"].as_i64().unwrap_or(0) > 0);
    Ok(())
}

#[tokio::test]
async fn key_pools_spread_per_strategy() -> TestResult {
    let fx = RelayFixture::start().await?;
    let keys = [
        "sk-pool-key-aaaa1111",
        "sk-pool-key-bbbb2222",
        "sk-pool-key-cccc3333",
    ];
    let mock = crate::common::MockUpstream::start(&[], &[])?;
    for strategy in ["first", "round_robin", "random"] {
        let name = format!("pool-{strategy}");
        let body = json!({"name": name, "api_type": "openai", "base_url": mock.base, "key_strategy": strategy});
        fx.app
            .send("POST", "/providers", Some(&fx.admin), Some(body))
            .await?;
        for key in keys {
            fx.app
                .send(
                    "POST",
                    &format!("/providers/{name}/keys"),
                    Some(&fx.admin),
                    Some(json!({"key": key})),
                )
                .await?;
        }
        let mut counts: HashMap<String, usize> = HashMap::new();
        for _ in 0..300 {
            let (status, headers, _) = fx
                .post(
                    "/v1/embeddings",
                    json!({"model": format!("{name}/m"), "input": "x"}),
                )
                .await?;
            assert_eq!(status, 200);
            let key = headers
                .get("x-mock-key")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string();
            *counts.entry(key).or_default() += 1;
        }
        match strategy {
            "first" => assert_eq!(counts.get(keys[0]), Some(&300), "{counts:?}"),
            "round_robin" => assert!(
                keys.iter().all(|k| counts.get(*k) == Some(&100)),
                "{counts:?}"
            ),
            _ => assert!(
                keys.iter()
                    .all(|k| counts.get(*k).is_some_and(|n| (60..=140).contains(n))),
                "{counts:?}"
            ),
        }
    }
    Ok(())
}

#[tokio::test]
async fn alias_and_prefix_routing() -> TestResult {
    let mock = crate::common::MockUpstream::start(&[UPSTREAM_KEY], &[])?;
    let db = TestDb::new().await?;
    std::fs::write(
        db.dir.path().join("redirect.toml"),
        "\"fast\" = \"one/gpt-4o-mini\"\n\"cheap\" = \"shared\"\n",
    )?;
    let app = TestApp::start_on(db, &[]).await?;
    let admin = app.admin().await?;
    for (name, priority) in [("one", 1), ("two", 9)] {
        app.send("POST", "/providers", Some(&admin), Some(json!({"name": name, "api_type": "openai", "base_url": mock.base, "priority": priority}))).await?;
        app.send(
            "POST",
            &format!("/providers/{name}/keys"),
            Some(&admin),
            Some(json!({"key": UPSTREAM_KEY})),
        )
        .await?;
        app.send(
            "POST",
            &format!("/models/{name}/cache"),
            Some(&admin),
            Some(json!({"ids": ["shared"]})),
        )
        .await?;
    }
    app.send(
        "POST",
        "/prices",
        Some(&admin),
        Some(json!({"model": "*", "free": true})),
    )
    .await?;
    let sk = app.new_token(&admin, json!({})).await?;
    let fx_post = |model: &str| {
        let body = json!({"model": model, "messages": [], "mock": {"echo": true}});
        app.http
            .post(app.url("/v1/chat/completions"))
            .bearer_auth(&sk)
            .json_body(&body)
            .send()
    };
    let sent: Value = fx_post("fast").await?.json_value().await?;
    assert_eq!(
        sent["model"], "gpt-4o-mini",
        "alias to provider/model, prefix stripped"
    );
    let sent: Value = fx_post("two/shared").await?.json_value().await?;
    assert_eq!(sent["model"], "shared");
    // A bare cached name goes to the highest priority provider.
    for _ in 0..5 {
        let response = fx_post("cheap").await?;
        let id = request_id(response.headers());
        let rows = app.wait_logs(&admin, 1, |r| r["request_id"] == id).await?;
        assert_eq!(rows[0]["provider"], "two");
        assert_eq!(rows[0]["requested_model"], "cheap");
        assert_eq!(rows[0]["upstream_model"], "shared");
    }
    Ok(())
}
