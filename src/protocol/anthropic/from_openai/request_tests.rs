//! Request translation: documented Chat Completions requests in, the Messages request
//! Anthropic documents out.

use serde_json::{Value, json};

use super::{Options, request};
use crate::error::GatewayError;

const DEFAULT_MAX: u64 = 4096;

pub(super) fn translate(chat: Value) -> Result<Value, GatewayError> {
    request(
        &chat,
        "claude-sonnet-4-5",
        &Options {
            default_max_tokens: DEFAULT_MAX,
        },
    )
}

/// A one-user-message request with `extra` top-level fields.
pub(super) fn with(extra: Value) -> Value {
    let mut chat = json!({"model": "gpt-4o", "messages": [{"role": "user", "content": "Hi"}]});
    if let (Some(chat), Some(extra)) = (chat.as_object_mut(), extra.as_object()) {
        chat.extend(extra.clone());
    }
    chat
}

#[test]
fn minimal_request() -> anyhow::Result<()> {
    let out = translate(
        json!({"model": "gpt-4o", "messages": [{"role": "user", "content": "Hello, world"}]}),
    )?;
    let expected = json!({
        "model": "claude-sonnet-4-5",
        "max_tokens": DEFAULT_MAX,
        "messages": [{"role": "user", "content": [{"type": "text", "text": "Hello, world"}]}],
    });
    assert_eq!(out, expected);
    Ok(())
}

#[test]
fn top_level_fields_and_dropped_ones() -> anyhow::Result<()> {
    let chat = json!({
        "model": "gpt-4o",
        "messages": [
            {"role": "system", "content": "You are terse."},
            {"role": "developer", "content": [{"type": "text", "text": "Answer in French."}]},
            {"role": "user", "content": "Hello"},
        ],
        "max_tokens": 300, "stop": "END", "temperature": 0.5, "top_p": 0.9, "stream": true,
        "user": "user-123", "n": 1, "logprobs": true, "top_logprobs": 2, "seed": 7,
        "frequency_penalty": 0.5, "presence_penalty": 0.1, "response_format": {"type": "json_object"},
        "stream_options": {"include_usage": true}, "logit_bias": {"50256": -100}, "store": true,
    });
    let expected = json!({
        "model": "claude-sonnet-4-5",
        "system": "You are terse.\n\nAnswer in French.",
        "messages": [{"role": "user", "content": [{"type": "text", "text": "Hello"}]}],
        "max_tokens": 300, "stop_sequences": ["END"], "temperature": 0.5, "top_p": 0.9,
        "stream": true, "metadata": {"user_id": "user-123"},
    });
    assert_eq!(translate(chat)?, expected);
    Ok(())
}

#[test]
fn scalar_fields_table() -> anyhow::Result<()> {
    let cases = [
        (json!({"max_tokens": 100}), "max_tokens", json!(100)),
        (
            json!({"max_completion_tokens": 50, "max_tokens": 100}),
            "max_tokens",
            json!(50),
        ),
        (json!({}), "max_tokens", json!(DEFAULT_MAX)),
        (
            json!({"stop": ["a", "b"]}),
            "stop_sequences",
            json!(["a", "b"]),
        ),
        (json!({"stop": "\n\n"}), "stop_sequences", json!(["\n\n"])),
        (json!({"stop": null}), "stop_sequences", Value::Null),
        (json!({"temperature": 0}), "temperature", json!(0)),
        (json!({"temperature": 1.0}), "temperature", json!(1.0)),
        (json!({"temperature": 1.7}), "temperature", json!(1.0)),
        (json!({"temperature": 2}), "temperature", json!(1.0)),
        (json!({"top_p": 0.3}), "top_p", json!(0.3)),
        (json!({"stream": false}), "stream", json!(false)),
        (
            json!({"safety_identifier": "u-9"}),
            "metadata",
            json!({"user_id": "u-9"}),
        ),
        (
            json!({"reasoning_effort": "low"}),
            "thinking",
            json!({"type": "enabled", "budget_tokens": 1024}),
        ),
        (
            json!({"reasoning_effort": "medium"}),
            "thinking",
            json!({"type": "enabled", "budget_tokens": 4096}),
        ),
        (
            json!({"reasoning_effort": "high", "max_tokens": 32000}),
            "thinking",
            json!({"type": "enabled", "budget_tokens": 16384}),
        ),
        (
            json!({"reasoning_effort": "high", "max_tokens": 32000}),
            "max_tokens",
            json!(32000),
        ),
        (
            json!({"reasoning_effort": "high", "max_tokens": 2000}),
            "max_tokens",
            json!(16384 + 1024),
        ),
        (
            json!({"reasoning_effort": "medium"}),
            "max_tokens",
            json!(4096 + 1024),
        ),
        (json!({"reasoning_effort": "none"}), "thinking", Value::Null),
        (
            json!({"thinking": {"type": "enabled", "budget_tokens": 2048}, "max_tokens": 1000}),
            "thinking",
            json!({"type": "enabled", "budget_tokens": 2048}),
        ),
        (
            json!({"thinking": {"type": "enabled", "budget_tokens": 2048}, "max_tokens": 1000}),
            "max_tokens",
            json!(2048 + 1024),
        ),
        (
            json!({"reasoning_effort": "low", "temperature": 0.2, "top_p": 0.5}),
            "temperature",
            Value::Null,
        ),
        (
            json!({"reasoning_effort": "low", "temperature": 0.2, "top_p": 0.5}),
            "top_p",
            Value::Null,
        ),
        (
            json!({"response_format": {"type": "json_object"}, "seed": 1}),
            "response_format",
            Value::Null,
        ),
    ];
    for (extra, key, expected) in cases {
        let out = translate(with(extra.clone()))?;
        assert_eq!(
            out.get(key).cloned().unwrap_or(Value::Null),
            expected,
            "{extra} -> {key}"
        );
    }
    Ok(())
}

#[test]
fn content_kinds_of_a_user_turn() -> anyhow::Result<()> {
    let chat = json!({"model": "gpt-4o", "messages": [{"role": "user", "content": [
        {"type": "text", "text": "What is in these images?"},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
        {"type": "image_url", "image_url": {"url": "https://upload.wikimedia.org/a.jpg", "detail": "high"}},
        {"type": "image_url", "image_url": {"url": "data:image/jpg;base64,/9j/4AAQ"}},
    ]}]});
    let expected = json!([
        {"type": "text", "text": "What is in these images?"},
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="}},
        {"type": "image", "source": {"type": "url", "url": "https://upload.wikimedia.org/a.jpg"}},
        {"type": "image", "source": {"type": "base64", "media_type": "image/jpeg", "data": "/9j/4AAQ"}},
    ]);
    assert_eq!(translate(chat)?["messages"][0]["content"], expected);
    Ok(())
}

#[test]
fn tools_and_tool_choice() -> anyhow::Result<()> {
    let weather = json!({"type": "function", "function": {
        "name": "get_weather", "description": "Get the current weather in a given location",
        "parameters": {"type": "object", "properties": {"location": {"type": "string"}}, "required": ["location"]},
    }});
    let bare = json!({"type": "function", "function": {"name": "now"}});
    let out = translate(with(json!({"tools": [weather, bare]})))?;
    let expected = json!([
        {"name": "get_weather", "description": "Get the current weather in a given location",
         "input_schema": {"type": "object", "properties": {"location": {"type": "string"}}, "required": ["location"]}},
        {"name": "now", "input_schema": {"type": "object"}},
    ]);
    assert_eq!(out["tools"], expected);
    assert_eq!(out.get("tool_choice"), None);

    let named = json!({"type": "function", "function": {"name": "now"}});
    let cases = [
        (json!({"tool_choice": "auto"}), json!({"type": "auto"})),
        (json!({"tool_choice": "none"}), json!({"type": "none"})),
        (json!({"tool_choice": "required"}), json!({"type": "any"})),
        (
            json!({"tool_choice": named}),
            json!({"type": "tool", "name": "now"}),
        ),
        (
            json!({"parallel_tool_calls": false}),
            json!({"type": "auto", "disable_parallel_tool_use": true}),
        ),
        (
            json!({"tool_choice": "required", "parallel_tool_calls": false}),
            json!({"type": "any", "disable_parallel_tool_use": true}),
        ),
        (
            json!({"tool_choice": named, "parallel_tool_calls": false}),
            json!({"type": "tool", "name": "now", "disable_parallel_tool_use": true}),
        ),
        (
            json!({"tool_choice": "none", "parallel_tool_calls": false}),
            json!({"type": "none"}),
        ),
        (json!({"parallel_tool_calls": true}), Value::Null),
    ];
    for (extra, expected) in cases {
        let mut extra_with_tools = extra.clone();
        extra_with_tools["tools"] = json!([bare]);
        let out = translate(with(extra_with_tools))?;
        assert_eq!(
            out.get("tool_choice").cloned().unwrap_or(Value::Null),
            expected,
            "{extra}"
        );
    }
    // No tools: tool_choice is not sent.
    assert_eq!(
        translate(with(json!({"tool_choice": "none"})))?.get("tool_choice"),
        None
    );
    Ok(())
}

#[test]
fn tool_round_trip_with_parallel_calls_and_merged_turns() -> anyhow::Result<()> {
    let call = |id: &str, city: &str| json!({"id": id, "type": "function", "function": {"name": "get_weather", "arguments": format!("{{\"location\":\"{city}\"}}")}});
    let chat = json!({"model": "gpt-4o", "messages": [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Weather in Paris and Tokyo?"},
        {"role": "user", "content": [{"type": "text", "text": "Celsius please."}]},
        {"role": "assistant", "content": "Checking both.", "tool_calls": [call("call_1", "Paris"), call("functions.get_weather:1", "Tokyo")]},
        {"role": "tool", "tool_call_id": "call_1", "content": "18C"},
        {"role": "tool", "tool_call_id": "functions.get_weather:1", "content": [{"type": "text", "text": "25C"}]},
        {"role": "user", "content": "Thanks"},
        {"role": "assistant", "content": "You're welcome."},
        {"role": "assistant", "content": [{"type": "text", "text": "Anything else?"}]},
    ]});
    let expected = json!([
        {"role": "user", "content": [
            {"type": "text", "text": "Weather in Paris and Tokyo?"},
            {"type": "text", "text": "Celsius please."},
        ]},
        {"role": "assistant", "content": [
            {"type": "text", "text": "Checking both."},
            {"type": "tool_use", "id": "call_1", "name": "get_weather", "input": {"location": "Paris"}},
            {"type": "tool_use", "id": "functions_get_weather_1", "name": "get_weather", "input": {"location": "Tokyo"}},
        ]},
        {"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": "call_1", "content": "18C"},
            {"type": "tool_result", "tool_use_id": "functions_get_weather_1", "content": [{"type": "text", "text": "25C"}]},
            {"type": "text", "text": "Thanks"},
        ]},
        {"role": "assistant", "content": [
            {"type": "text", "text": "You're welcome."},
            {"type": "text", "text": "Anything else?"},
        ]},
    ]);
    let out = translate(chat)?;
    assert_eq!(out["messages"], expected);
    assert_eq!(out["system"], json!("Be brief."));
    Ok(())
}

#[test]
fn legacy_functions_and_cached_system_parts() -> anyhow::Result<()> {
    let chat = json!({"model": "gpt-4o", "messages": [
        {"role": "system", "content": [{"type": "text", "text": "Long rules", "cache_control": {"type": "ephemeral"}}]},
        {"role": "system", "content": "More"},
        {"role": "user", "content": "Time?"},
        {"role": "assistant", "content": null, "function_call": {"name": "now", "arguments": ""}},
        {"role": "function", "name": "now", "content": "12:00"},
    ], "functions": [{"name": "now", "parameters": {"properties": {}}}], "function_call": {"name": "now"}});
    let out = translate(chat)?;
    assert_eq!(
        out["system"],
        json!([
            {"type": "text", "text": "Long rules", "cache_control": {"type": "ephemeral"}},
            {"type": "text", "text": "More"},
        ])
    );
    assert_eq!(
        out["messages"][1]["content"],
        json!([{"type": "tool_use", "id": "call_legacy_3", "name": "now", "input": {}}])
    );
    assert_eq!(
        out["messages"][2]["content"],
        json!([{"type": "tool_result", "tool_use_id": "call_legacy_3", "content": "12:00"}])
    );
    assert_eq!(
        out["tools"],
        json!([{"name": "now", "input_schema": {"type": "object", "properties": {}}}])
    );
    assert_eq!(out["tool_choice"], json!({"type": "tool", "name": "now"}));
    Ok(())
}
