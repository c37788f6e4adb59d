//! Anthropic over real HTTP: `/v1/messages` on an Anthropic provider (passthrough),
//! count_tokens, Anthropic-shaped errors and the log rows; and the helpers the
//! translation tests share.

use serde_json::{Value, json};

use crate::common::{RelayFixture, TestResult, UPSTREAM_KEY, request_id};

/// The relay fixture plus provider `claude` (anthropic type) on the same mock.
pub async fn fixture() -> TestResult<RelayFixture> {
    let fx = RelayFixture::start().await?;
    let body = json!({"name": "claude", "api_type": "anthropic", "base_url": fx.mock.base});
    let (status, answer) = fx
        .app
        .send("POST", "/providers", Some(&fx.admin), Some(body))
        .await?;
    anyhow::ensure!(status == 201, "{answer}");
    fx.app
        .send(
            "POST",
            "/providers/claude/keys",
            Some(&fx.admin),
            Some(json!({"key": UPSTREAM_KEY})),
        )
        .await?;
    fx.app
        .send(
            "POST",
            "/models/claude/cache",
            Some(&fx.admin),
            Some(json!({"ids": ["claude-sonnet-4"]})),
        )
        .await?;
    Ok(fx)
}

/// POSTs to /v1/messages the way the Claude SDKs do (x-api-key, anthropic-version).
/// A `mock` object in `body` is sent as the `x-mock` header instead, since translation
/// drops unknown body fields.
pub async fn messages(
    fx: &RelayFixture,
    path: &str,
    body: Value,
) -> TestResult<(u16, reqwest::header::HeaderMap, String)> {
    send(fx, path, body, true).await
}

/// POSTs an OpenAI chat request, moving `mock` into the `x-mock` header.
pub async fn openai_chat(
    fx: &RelayFixture,
    body: Value,
) -> TestResult<(u16, reqwest::header::HeaderMap, String)> {
    send(fx, "/v1/chat/completions", body, false).await
}

pub async fn send(
    fx: &RelayFixture,
    path: &str,
    mut body: Value,
    anthropic: bool,
) -> TestResult<(u16, reqwest::header::HeaderMap, String)> {
    let scenario = body.as_object_mut().and_then(|o| o.remove("mock"));
    let mut request = fx.app.http.post(fx.app.url(path));
    if let Some(scenario) = scenario {
        request = request.header("x-mock", scenario.to_string());
    }
    request = if anthropic {
        request
            .header("x-api-key", &fx.sk)
            .header("anthropic-version", "2023-06-01")
    } else {
        request.bearer_auth(&fx.sk)
    };
    let response = request
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await?;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    Ok((status, headers, response.text().await?))
}

/// Event names of an Anthropic event stream.
pub fn event_names(text: &str) -> Vec<String> {
    text.split("\n\n")
        .filter_map(|e| {
            e.lines()
                .find_map(|l| l.strip_prefix("event: "))
                .map(String::from)
        })
        .collect()
}

#[tokio::test]
async fn messages_to_an_anthropic_provider_pass_through() -> TestResult {
    let fx = fixture().await?;
    let body = json!({"model": "claude/claude-sonnet-4", "max_tokens": 64, "messages": [{"role": "user", "content": "hi"}],
        "mock": {"cache_read_tokens": 100, "cache_creation_tokens": 20}});
    let (status, headers, text) = messages(&fx, "/v1/messages", body.clone()).await?;
    assert_eq!(status, 200, "{text}");
    assert_eq!(
        headers.get("x-mock-key").and_then(|v| v.to_str().ok()),
        Some(UPSTREAM_KEY)
    );
    let message: Value = serde_json::from_str(&text)?;
    assert_eq!(message["type"], "message");
    assert_eq!(
        message["model"], "claude-sonnet-4",
        "the upstream saw the model without prefix"
    );
    let row = fx.log_row(&request_id(&headers)).await?;
    assert_eq!(row["request_type"], "messages");
    assert_eq!(row["provider"], "claude");
    assert_eq!(row["cached_tokens"], 100);
    let input = message["usage"]["input_tokens"].as_i64().unwrap_or(0);
    assert_eq!(
        row["prompt_tokens"],
        input + 120,
        "input + cache read + cache creation: {row}"
    );

    let mut streamed = body.clone();
    streamed["stream"] = json!(true);
    let (status, headers, text) = messages(&fx, "/v1/messages", streamed).await?;
    assert_eq!(status, 200);
    let names = event_names(&text);
    assert_eq!(names.first().map(String::as_str), Some("message_start"));
    assert_eq!(names.last().map(String::as_str), Some("message_stop"));
    let row = fx.log_row(&request_id(&headers)).await?;
    assert_eq!(row["request_type"], "messages_stream");
    assert!(row["completion_tokens"].as_i64().unwrap_or(0) > 0, "{row}");
    assert_eq!(row["cached_tokens"], 100);
    Ok(())
}

#[tokio::test]
async fn messages_errors_come_in_the_anthropic_shape() -> TestResult {
    let fx = fixture().await?;
    let body = json!({"model": "claude/claude-sonnet-4", "max_tokens": 8, "messages": [{"role": "user", "content": "hi"}],
        "mock": {"status": 529, "error_message": "Overloaded"}});
    let (status, _, text) = messages(&fx, "/v1/messages", body).await?;
    assert_eq!(status, 529, "{text}");
    let error: Value = serde_json::from_str(&text)?;
    assert_eq!(error["type"], "error");
    assert_eq!(error["error"]["message"], "Overloaded");

    // An OpenAI upstream's error, translated into the Anthropic shape.
    let body = json!({"model": "mock/gpt-4o", "max_tokens": 8, "messages": [{"role": "user", "content": "hi"}],
        "mock": {"status": 429, "error_message": "slow down"}});
    let (status, _, text) = messages(&fx, "/v1/messages", body).await?;
    assert_eq!(status, 429, "{text}");
    let error: Value = serde_json::from_str(&text)?;
    assert_eq!(
        (error["type"].as_str(), error["error"]["type"].as_str()),
        (Some("error"), Some("rate_limit_error"))
    );
    assert_eq!(error["error"]["message"], "slow down");

    // Gateway errors too: no key, unknown model, bad body.
    let response = fx
        .app
        .http
        .post(fx.app.url("/v1/messages"))
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await?;
    assert_eq!(response.status(), 401);
    let error: Value = serde_json::from_slice(&response.bytes().await?)?;
    assert_eq!(error["error"]["type"], "authentication_error");
    let (status, _, text) = messages(
        &fx,
        "/v1/messages",
        json!({"model": "nope", "max_tokens": 1, "messages": []}),
    )
    .await?;
    assert_eq!(status, 404);
    assert_eq!(
        serde_json::from_str::<Value>(&text)?["error"]["type"],
        "not_found_error"
    );
    let (status, _, text) = messages(&fx, "/v1/messages", json!({"max_tokens": 1})).await?;
    assert_eq!(status, 400);
    assert_eq!(serde_json::from_str::<Value>(&text)?["type"], "error");
    Ok(())
}

#[tokio::test]
async fn count_tokens_forwarded_or_estimated() -> TestResult {
    let fx = fixture().await?;
    let body = json!({"model": "claude/claude-sonnet-4", "messages": [{"role": "user", "content": "hello there"}]});
    let (status, headers, text) = messages(&fx, "/v1/messages/count_tokens", body).await?;
    assert_eq!(status, 200, "{text}");
    assert!(headers.get("x-gateway-estimate").is_none());
    assert!(
        serde_json::from_str::<Value>(&text)?["input_tokens"]
            .as_i64()
            .unwrap_or(0)
            > 0
    );
    let body =
        json!({"model": "mock/gpt-4o", "messages": [{"role": "user", "content": "hello there"}]});
    let (status, headers, text) = messages(&fx, "/v1/messages/count_tokens", body).await?;
    assert_eq!(status, 200, "{text}");
    assert_eq!(
        headers
            .get("x-gateway-estimate")
            .and_then(|v| v.to_str().ok()),
        Some("true")
    );
    assert!(
        serde_json::from_str::<Value>(&text)?["input_tokens"]
            .as_i64()
            .unwrap_or(0)
            > 0
    );
    Ok(())
}
