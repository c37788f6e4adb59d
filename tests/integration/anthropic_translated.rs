//! Anthropic translated over real HTTP: `/v1/messages` on an OpenAI provider, OpenAI
//! chat on an Anthropic provider, and Anthropic streams assembled for non-streaming
//! clients.

use serde_json::{Value, json};

use crate::anthropic::{event_names, fixture, messages, openai_chat};
use crate::common::{TestResult, request_id, sse_data};

#[tokio::test]
async fn messages_to_an_openai_provider_are_translated() -> TestResult {
    let fx = fixture().await?;
    let body = json!({"model": "mock/gpt-4o", "max_tokens": 64, "system": "be brief",
        "messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}]});
    let (status, headers, text) = messages(&fx, "/v1/messages", body.clone()).await?;
    assert_eq!(status, 200, "{text}");
    let message: Value = serde_json::from_str(&text)?;
    assert_eq!(message["type"], "message");
    assert_eq!(message["role"], "assistant");
    assert_eq!(message["content"][0]["type"], "text");
    assert_eq!(message["content"][0]["text"], "Hello from mock-upstream.");
    assert_eq!(message["stop_reason"], "end_turn");
    assert!(message["usage"]["output_tokens"].as_i64().unwrap_or(0) > 0);
    let row = fx.log_row(&request_id(&headers)).await?;
    assert_eq!(
        (row["request_type"].as_str(), row["provider"].as_str()),
        (Some("messages"), Some("mock"))
    );

    // Streamed, with tools: tool_use blocks with input_json_delta.
    let mut streamed = body.clone();
    streamed["stream"] = json!(true);
    streamed["tools"] = json!([{"name": "get_weather", "input_schema": {"type": "object"}}]);
    streamed["mock"] = json!({"tool_calls": 2});
    let (status, headers, text) = messages(&fx, "/v1/messages", streamed).await?;
    assert_eq!(status, 200, "{text}");
    assert!(
        headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/event-stream"))
    );
    let names = event_names(&text);
    assert_eq!(
        names.first().map(String::as_str),
        Some("message_start"),
        "{text}"
    );
    assert_eq!(
        names.last().map(String::as_str),
        Some("message_stop"),
        "{text}"
    );
    let starts = names.iter().filter(|n| *n == "content_block_start").count();
    let stops = names.iter().filter(|n| *n == "content_block_stop").count();
    assert_eq!((starts, stops), (2, 2), "{names:?}");
    assert!(text.contains("input_json_delta"));
    assert!(text.contains(r#""stop_reason":"tool_use""#), "{text}");
    let row = fx.log_row(&request_id(&headers)).await?;
    assert_eq!(row["request_type"], "messages_stream");
    assert!(
        row["completion_tokens"].as_i64().unwrap_or(0) > 0,
        "usage from the upstream's usage chunk: {row}"
    );
    Ok(())
}

#[tokio::test]
async fn openai_chat_on_an_anthropic_provider_is_translated() -> TestResult {
    let fx = fixture().await?;
    let body = json!({"model": "claude/claude-sonnet-4", "messages": [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi"}],
        "mock": {"cache_read_tokens": 30}});
    let (status, headers, text) = openai_chat(&fx, body.clone()).await?;
    assert_eq!(status, 200, "{text}");
    let chat: Value = serde_json::from_str(&text)?;
    assert_eq!(chat["object"], "chat.completion");
    assert_eq!(
        chat["choices"][0]["message"]["content"],
        "Hello from mock-upstream."
    );
    assert_eq!(chat["choices"][0]["finish_reason"], "stop");
    assert_eq!(chat["usage"]["prompt_tokens_details"]["cached_tokens"], 30);
    let row = fx.log_row(&request_id(&headers)).await?;
    assert_eq!(
        (row["request_type"].as_str(), row["provider"].as_str()),
        (Some("chat"), Some("claude"))
    );
    assert_eq!(row["cached_tokens"], 30);

    let mut streamed = body.clone();
    streamed["stream"] = json!(true);
    streamed["stream_options"] = json!({"include_usage": true});
    streamed["mock"] = json!({"tool_calls": 1, "reasoning": true});
    let (status, _, text) = openai_chat(&fx, streamed).await?;
    assert_eq!(status, 200, "{text}");
    let events = sse_data(&text);
    assert_eq!(events.last().map(String::as_str), Some("[DONE]"), "{text}");
    assert!(
        text.contains("reasoning_content"),
        "thinking became reasoning: {text}"
    );
    assert!(text.contains(r#""finish_reason":"tool_calls""#), "{text}");
    let usage_chunk: Value = serde_json::from_str(&events[events.len() - 2])?;
    assert!(
        usage_chunk["usage"]["total_tokens"].as_i64().unwrap_or(0) > 0,
        "{text}"
    );

    // The Anthropic error event mid-stream becomes an OpenAI error event.
    let mut failing = body.clone();
    failing["stream"] = json!(true);
    failing["mock"] = json!({"stream_error": 3});
    let (_, headers, text) = openai_chat(&fx, failing).await?;
    assert!(text.contains("Overloaded"), "{text}");
    assert_eq!(fx.log_row(&request_id(&headers)).await?["status"], 502);
    Ok(())
}

#[tokio::test]
async fn anthropic_streams_to_non_streaming_clients_are_assembled() -> TestResult {
    let fx = fixture().await?;
    let scenario = json!({"sse_for_non_stream": true, "tool_calls": 1, "reasoning": true});
    let body = json!({"model": "claude/claude-sonnet-4", "max_tokens": 64, "messages": [{"role": "user", "content": "hi"}], "mock": scenario});
    let (status, headers, text) = messages(&fx, "/v1/messages", body).await?;
    assert_eq!(status, 200, "{text}");
    assert_eq!(
        headers.get("content-type").and_then(|v| v.to_str().ok()),
        Some("application/json")
    );
    let message: Value = serde_json::from_str(&text)?;
    assert_eq!(message["type"], "message");
    assert_eq!(message["stop_reason"], "tool_use");
    let kinds: Vec<&str> = message["content"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|b| b["type"].as_str())
        .collect();
    assert!(
        kinds.contains(&"thinking") && kinds.contains(&"tool_use"),
        "{kinds:?}"
    );
    let tool = message["content"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|b| b["type"] == "tool_use")
        .cloned()
        .unwrap_or_default();
    assert_eq!(tool["input"], json!({"city": "Paris", "n": 0}));
    // The same upstream behaviour behind an OpenAI client.
    let chat = json!({"model": "claude/claude-sonnet-4", "messages": [{"role": "user", "content": "hi"}], "mock": scenario});
    let (status, _, text) = openai_chat(&fx, chat).await?;
    assert_eq!(status, 200, "{text}");
    let answer: Value = serde_json::from_str(&text)?;
    assert_eq!(answer["object"], "chat.completion");
    assert_eq!(answer["choices"][0]["finish_reason"], "tool_calls");
    Ok(())
}
