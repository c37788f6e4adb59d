//! Answer translation: Messages answers as Anthropic documents them in, the
//! `chat.completion` OpenAI documents out.

use serde_json::{Value, json};

use super::response;
use crate::error::GatewayError;

/// The translation with `created` checked and removed (it is "now").
fn translate(message: Value) -> anyhow::Result<Value> {
    let mut out = response(&message)?;
    let created = out.get("created").and_then(Value::as_i64).unwrap_or(0);
    assert!(created > 1_700_000_000, "created {created}");
    if let Some(map) = out.as_object_mut() {
        map.remove("created");
    }
    Ok(out)
}

#[test]
fn text_answer() -> anyhow::Result<()> {
    let message = json!({
        "id": "msg_01XFDUDYJgAACzvnptvVoYEL", "type": "message", "role": "assistant",
        "content": [{"type": "text", "text": "Hello!"}],
        "model": "claude-sonnet-4-5-20250929", "stop_reason": "end_turn", "stop_sequence": null,
        "usage": {"input_tokens": 12, "output_tokens": 6},
    });
    let expected = json!({
        "id": "msg_01XFDUDYJgAACzvnptvVoYEL",
        "object": "chat.completion",
        "model": "claude-sonnet-4-5-20250929",
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": "Hello!"},
            "logprobs": null,
            "finish_reason": "stop",
        }],
        "usage": {"prompt_tokens": 12, "completion_tokens": 6, "total_tokens": 18,
                  "prompt_tokens_details": {"cached_tokens": 0}},
    });
    assert_eq!(translate(message)?, expected);
    Ok(())
}

#[test]
fn tool_use_thinking_and_cache_usage() -> anyhow::Result<()> {
    let message = json!({
        "id": "msg_01Aq9w938a90dw8q", "type": "message", "role": "assistant", "model": "claude-opus-4-1",
        "content": [
            {"type": "thinking", "thinking": "The user wants weather.", "signature": "EqQBCgIYAhIM"},
            {"type": "redacted_thinking", "data": "EmwKAhgBEgy3va3pzix"},
            {"type": "thinking", "thinking": " Call the tool."},
            {"type": "text", "text": "I'll check the current weather in San Francisco for you."},
            {"type": "tool_use", "id": "toolu_01A09q90qw90lq917835lq9", "name": "get_weather",
             "input": {"location": "San Francisco, CA", "unit": "celsius"}},
            {"type": "tool_use", "id": "toolu_02", "name": "get_time", "input": {}},
        ],
        "stop_reason": "tool_use", "stop_sequence": null,
        "usage": {"input_tokens": 10, "output_tokens": 7, "cache_read_input_tokens": 100,
                  "cache_creation_input_tokens": 20},
    });
    let out = translate(message)?;
    let reply = &out["choices"][0]["message"];
    assert_eq!(
        reply["content"],
        json!("I'll check the current weather in San Francisco for you.")
    );
    assert_eq!(
        reply["reasoning_content"],
        json!("The user wants weather. Call the tool.")
    );
    // The signed blocks, in order, for the client to send back before its tool results.
    assert_eq!(
        reply["thinking_blocks"],
        json!([
            {"type": "thinking", "thinking": "The user wants weather.", "signature": "EqQBCgIYAhIM"},
            {"type": "redacted_thinking", "data": "EmwKAhgBEgy3va3pzix"},
            {"type": "thinking", "thinking": " Call the tool.", "signature": ""},
        ])
    );
    let calls = reply["tool_calls"].as_array().cloned().unwrap_or_default();
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[0]["id"], json!("toolu_01A09q90qw90lq917835lq9"));
    assert_eq!(calls[0]["type"], json!("function"));
    assert_eq!(calls[0]["function"]["name"], json!("get_weather"));
    let arguments: Value =
        serde_json::from_str(calls[0]["function"]["arguments"].as_str().unwrap_or(""))?;
    assert_eq!(
        arguments,
        json!({"location": "San Francisco, CA", "unit": "celsius"})
    );
    assert_eq!(
        calls[1]["function"],
        json!({"name": "get_time", "arguments": "{}"})
    );
    assert_eq!(out["choices"][0]["finish_reason"], json!("tool_calls"));
    assert_eq!(
        out["usage"],
        json!({"prompt_tokens": 130, "completion_tokens": 7, "total_tokens": 137,
                                    "prompt_tokens_details": {"cached_tokens": 100}})
    );
    Ok(())
}

#[test]
fn tool_only_answer_has_null_content() -> anyhow::Result<()> {
    let message = json!({"id": "msg_2", "model": "claude", "stop_reason": "tool_use", "usage": {},
        "content": [{"type": "tool_use", "id": "toolu_1", "name": "f", "input": {"a": 1}}]});
    let reply = &translate(message)?["choices"][0]["message"];
    assert_eq!(reply["content"], Value::Null);
    assert_eq!(reply.get("reasoning_content"), None);
    assert_eq!(
        reply["tool_calls"][0]["function"]["arguments"],
        json!("{\"a\":1}")
    );
    Ok(())
}

#[test]
fn every_stop_reason() -> anyhow::Result<()> {
    let cases = [
        (json!("end_turn"), "stop"),
        (json!("stop_sequence"), "stop"),
        (json!("max_tokens"), "length"),
        (json!("tool_use"), "tool_calls"),
        (json!("refusal"), "content_filter"),
        (json!("pause_turn"), "stop"),
        (Value::Null, "stop"),
    ];
    for (stop_reason, finish) in cases {
        let message = json!({"id": "msg", "model": "claude", "stop_reason": stop_reason,
            "content": [{"type": "text", "text": "x"}], "usage": {"input_tokens": 1, "output_tokens": 1}});
        assert_eq!(
            translate(message)?["choices"][0]["finish_reason"],
            json!(finish),
            "{stop_reason}"
        );
    }
    Ok(())
}

#[test]
fn non_message_is_a_bad_gateway() {
    let error =
        json!({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}});
    match response(&error) {
        Err(GatewayError::BadGateway(message)) => {
            assert!(message.contains("Overloaded"), "{message}")
        }
        other => panic!("expected a bad gateway, got {other:?}"),
    }
}
