//! The OpenAI relay over real HTTP: byte-exact passthrough, headers, every endpoint, and
//! a log row with every field.

use serde_json::{Value, json};

use crate::common::{JsonExt, RelayFixture, TestResult, UPSTREAM_KEY, request_id};

#[tokio::test]
async fn request_bytes_reach_upstream_unchanged_but_for_the_model() -> TestResult {
    let fx = RelayFixture::start().await?;
    // Odd key order, number formats, escapes, unknown fields, nested "model" keys.
    let sent = r#"{"zeta":1.0e2,"temperature":0.50, "model" : "mock/gpt-4o","messages":[{"role":"user","content":"caf\u00e9 \ud83d\ude00 {\"model\":\"x\"}"}],"unknown_field":{"model":"keep","n":-0.0},"mock":{"echo":true}}"#;
    let response = fx.post_raw("/v1/chat/completions", sent).await?;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response
            .headers()
            .get("x-mock-key")
            .and_then(|v| v.to_str().ok()),
        Some(UPSTREAM_KEY),
        "the provider key, not the client's"
    );
    let received = response.text().await?;
    assert_eq!(received, sent.replace(r#""mock/gpt-4o""#, r#""gpt-4o""#));

    // A bare model name that needs no rewrite goes through untouched too.
    let sent = "{\n  \"model\": \"gpt-4o\",\n  \"messages\": [],\n  \"mock\": {\"echo\": true}\n}";
    let received = fx
        .post_raw("/v1/chat/completions", sent)
        .await?
        .text()
        .await?;
    assert_eq!(received, sent);
    Ok(())
}

#[tokio::test]
async fn response_bytes_and_headers_come_back() -> TestResult {
    let fx = RelayFixture::start().await?;
    let direct = fx
        .app
        .http
        .post(format!("{}/v1/chat/completions", fx.mock.base))
        .bearer_auth(UPSTREAM_KEY)
        .json_body(&json!({"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}))
        .send()
        .await?;
    let direct_body = direct.text().await?;
    let (status, headers, body) = fx
        .post(
            "/v1/chat/completions",
            json!({"model": "mock/gpt-4o", "messages": [{"role": "user", "content": "hi"}]}),
        )
        .await?;
    assert_eq!(status, 200);
    assert_eq!(
        headers.get("content-type").and_then(|v| v.to_str().ok()),
        Some("application/json")
    );
    assert_eq!(request_id(&headers).len(), 24);
    assert!(headers.get("transfer-encoding").is_none() || headers.get("content-length").is_none());
    let strip = |text: &str| -> Value {
        let mut v: Value = serde_json::from_str(text).unwrap_or_default();
        v["id"] = Value::Null;
        v["created"] = Value::Null;
        v
    };
    assert_eq!(strip(&body), strip(&direct_body));
    // Field order is the upstream's, not re-encoded.
    assert!(body.starts_with(r#"{"id":"chatcmpl-"#), "{body}");
    Ok(())
}

#[tokio::test]
async fn every_endpoint_is_relayed_and_logged() -> TestResult {
    let fx = RelayFixture::start().await?;
    let cases = [
        (
            "/v1/chat/completions",
            json!({"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}),
            "chat",
            true,
        ),
        (
            "/v1/chat/completions",
            json!({"model": "gpt-4o", "stream": true, "messages": [{"role": "user", "content": "hi"}]}),
            "chat_stream",
            true,
        ),
        (
            "/v1/completions",
            json!({"model": "gpt-4o", "prompt": "hi"}),
            "completions",
            true,
        ),
        (
            "/v1/completions",
            json!({"model": "gpt-4o", "prompt": "hi", "stream": true}),
            "completions_stream",
            true,
        ),
        (
            "/v1/embeddings",
            json!({"model": "text-embedding-3-small", "input": "hi"}),
            "embeddings",
            true,
        ),
        (
            "/v1/responses",
            json!({"model": "gpt-4o", "input": "hi"}),
            "responses",
            true,
        ),
        (
            "/v1/rerank",
            json!({"model": "gpt-4o", "query": "q", "documents": ["a", "b"]}),
            "rerank",
            true,
        ),
        (
            "/v1/images/generations",
            json!({"model": "gpt-4o", "prompt": "a cat"}),
            "images",
            false,
        ),
        (
            "/v1/audio/speech",
            json!({"model": "gpt-4o", "input": "hello", "voice": "alloy"}),
            "audio_speech",
            false,
        ),
    ];
    for (path, body, request_type, has_usage) in cases {
        let response = fx.post_raw(path, serde_json::to_vec(&body)?).await?;
        assert_eq!(response.status(), 200, "{path}");
        let id = request_id(response.headers());
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let bytes = response.bytes().await?;
        assert!(!bytes.is_empty(), "{path}");
        if request_type == "audio_speech" {
            assert!(content_type.starts_with("audio/"), "{content_type}");
        }
        let row = fx.log_row(&id).await?;
        assert_eq!(row["request_type"], request_type, "{path}");
        for field in [
            "time",
            "request_id",
            "method",
            "path",
            "requested_model",
            "upstream_model",
            "provider",
            "provider_key",
            "user_name",
            "token_name",
        ] {
            assert!(
                row[field].as_str().is_some_and(|v| !v.is_empty()),
                "{request_type}: `{field}` empty in {row}"
            );
        }
        assert_eq!(row["status"], 200);
        assert!(
            row["latency_ms"].is_i64() && row["ttfb_ms"].is_i64(),
            "{row}"
        );
        assert!(row["error"].is_null());
        if has_usage && request_type != "rerank" {
            assert!(
                row["prompt_tokens"].as_i64().unwrap_or(0) > 0,
                "{request_type}: {row}"
            );
        }
        if has_usage {
            assert!(
                row["total_tokens"].as_i64().unwrap_or(0) > 0,
                "{request_type}: {row}"
            );
        }
    }
    Ok(())
}
