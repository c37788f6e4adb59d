//! Request translation tests, built from the documented examples of both APIs.

use serde_json::{Value, json};

use super::super::request;
use crate::error::GatewayError;

pub(super) fn translate(body: Value) -> Value {
    match request(&body, "gpt-4o") {
        Ok(chat) => chat,
        Err(err) => panic!("unexpected error {err} for {body}"),
    }
}

/// The `(param, message)` of a 400, failing on anything else.
pub(super) fn rejected(body: Value) -> (Option<String>, String) {
    match request(&body, "gpt-4o") {
        Err(GatewayError::BadRequest { param, message }) => (param, message),
        other => panic!("expected a 400 for {body}, got {other:?}"),
    }
}

pub(super) fn with_messages(messages: Value) -> Value {
    json!({"model": "claude-sonnet-4-5", "max_tokens": 1024, "messages": messages})
}

#[test]
fn top_level_fields() {
    let chat = translate(json!({
        "model": "claude-sonnet-4-5",
        "system": "You are terse.",
        "messages": [{"role": "user", "content": "Hello, Claude"}],
        "max_tokens": 1024,
        "temperature": 0.5,
        "top_p": 0.9,
        "top_k": 40,
        "stop_sequences": ["\n\nHuman:", "END"],
        "metadata": {"user_id": "user-42"},
        "stream": true,
    }));
    assert_eq!(
        chat,
        json!({
            "model": "gpt-4o",
            "messages": [
                {"role": "system", "content": "You are terse."},
                {"role": "user", "content": "Hello, Claude"},
            ],
            "max_tokens": 1024,
            "temperature": 0.5,
            "top_p": 0.9,
            "stop": ["\n\nHuman:", "END"],
            "user": "user-42",
            "stream": true,
            "stream_options": {"include_usage": true},
        })
    );
    let chat = translate(json!({
        "messages": [{"role": "user", "content": "Hi"}],
        "stream": false,
        "stop_sequences": [],
        "system": "",
    }));
    assert_eq!(
        chat,
        json!({"model": "gpt-4o", "messages": [{"role": "user", "content": "Hi"}], "stream": false})
    );
}

#[test]
fn system_blocks_join_into_one_message() {
    let chat = translate(json!({
        "system": [
            {"type": "text", "text": "You are Claude Code."},
            {"type": "text", "text": "Be careful.", "cache_control": {"type": "ephemeral"}},
        ],
        "messages": [{"role": "user", "content": "Hi"}],
    }));
    assert_eq!(
        chat["messages"][0],
        json!({"role": "system", "content": "You are Claude Code.\n\nBe careful."})
    );
}

#[test]
fn content_kinds() {
    let chat = translate(with_messages(json!([
        {"role": "user", "content": [{"type": "text", "text": "one block", "cache_control": {"type": "ephemeral"}}]},
        {"role": "assistant", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]},
        {"role": "user", "content": [
            {"type": "image", "source": {"type": "base64", "media_type": "image/jpeg", "data": "/9j/4AAQ"}},
            {"type": "image", "source": {"type": "url", "url": "https://upload.wikimedia.org/ant.jpg"}},
            {"type": "text", "text": "Describe these images."},
        ]},
    ])));
    assert_eq!(
        chat["messages"],
        json!([
            {"role": "user", "content": "one block"},
            {"role": "assistant", "content": "a\n\nb"},
            {"role": "user", "content": [
                {"type": "image_url", "image_url": {"url": "data:image/jpeg;base64,/9j/4AAQ"}},
                {"type": "image_url", "image_url": {"url": "https://upload.wikimedia.org/ant.jpg"}},
                {"type": "text", "text": "Describe these images."},
            ]},
        ])
    );
}

#[test]
fn tool_use_and_tool_results() {
    let chat = translate(with_messages(json!([
        {"role": "user", "content": "What's the weather in SF and NYC?"},
        {"role": "assistant", "content": [
            {"type": "thinking", "thinking": "Two lookups.", "signature": "EqQB"},
            {"type": "redacted_thinking", "data": "EmwK"},
            {"type": "text", "text": "Checking both."},
            {"type": "tool_use", "id": "toolu_01", "name": "get_weather", "input": {"location": "San Francisco, CA"}},
            {"type": "tool_use", "id": "toolu_02", "name": "get_weather", "input": {"location": "New York, NY"}},
        ]},
        {"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": "toolu_01", "content": "15 degrees"},
            {"type": "text", "text": "Also, which is warmer?"},
            {"type": "tool_result", "tool_use_id": "toolu_02", "is_error": true, "content": [
                {"type": "text", "text": "Error: station offline"},
                {"type": "text", "text": "retry later"},
                {"type": "image", "source": {"type": "url", "url": "https://example.com/map.png"}},
            ]},
        ]},
        {"role": "assistant", "content": [{"type": "thinking", "thinking": "only thoughts", "signature": "x"}]},
        {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_03", "name": "now", "input": {}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_03"}]},
    ])));
    assert_eq!(
        chat["messages"],
        json!([
            {"role": "user", "content": "What's the weather in SF and NYC?"},
            {"role": "assistant", "content": "Checking both.", "tool_calls": [
                {"id": "toolu_01", "type": "function", "function": {"name": "get_weather", "arguments": "{\"location\":\"San Francisco, CA\"}"}},
                {"id": "toolu_02", "type": "function", "function": {"name": "get_weather", "arguments": "{\"location\":\"New York, NY\"}"}},
            ]},
            {"role": "tool", "tool_call_id": "toolu_01", "content": "15 degrees"},
            {"role": "tool", "tool_call_id": "toolu_02", "content": "Error: station offline\nretry later"},
            {"role": "user", "content": [
                {"type": "image_url", "image_url": {"url": "https://example.com/map.png"}},
                {"type": "text", "text": "Also, which is warmer?"},
            ]},
            {"role": "assistant", "content": null, "tool_calls": [
                {"id": "toolu_03", "type": "function", "function": {"name": "now", "arguments": "{}"}},
            ]},
            {"role": "tool", "tool_call_id": "toolu_03", "content": ""},
        ])
    );
}

#[test]
fn tools_and_tool_choice() {
    let tools = json!([
        {"name": "get_weather", "description": "Get the current weather", "input_schema": {
            "type": "object", "properties": {"location": {"type": "string"}}, "required": ["location"]}},
        {"type": "custom", "name": "ping", "cache_control": {"type": "ephemeral"}},
    ]);
    let expected_tools = json!([
        {"type": "function", "function": {"name": "get_weather", "description": "Get the current weather",
            "parameters": {"type": "object", "properties": {"location": {"type": "string"}}, "required": ["location"]}}},
        {"type": "function", "function": {"name": "ping", "parameters": {"type": "object", "properties": {}}}},
    ]);
    let cases = [
        (Value::Null, Value::Null, Value::Null),
        (json!({"type": "auto"}), json!("auto"), Value::Null),
        (json!({"type": "any"}), json!("required"), Value::Null),
        (json!({"type": "none"}), json!("none"), Value::Null),
        (
            json!({"type": "tool", "name": "get_weather"}),
            json!({"type": "function", "function": {"name": "get_weather"}}),
            Value::Null,
        ),
        (
            json!({"type": "auto", "disable_parallel_tool_use": true}),
            json!("auto"),
            json!(false),
        ),
        (
            json!({"type": "any", "disable_parallel_tool_use": false}),
            json!("required"),
            Value::Null,
        ),
    ];
    for (choice, expected_choice, parallel) in cases {
        let mut body = with_messages(json!([{"role": "user", "content": "Hi"}]));
        body["tools"] = tools.clone();
        body["tool_choice"] = choice.clone();
        let chat = translate(body);
        assert_eq!(chat["tools"], expected_tools, "{choice}");
        assert_eq!(chat["tool_choice"], expected_choice, "{choice}");
        assert_eq!(chat["parallel_tool_calls"], parallel, "{choice}");
    }
    let mut body = with_messages(json!([{"role": "user", "content": "Hi"}]));
    body["tools"] = json!([]);
    body["tool_choice"] = json!({"type": "auto", "disable_parallel_tool_use": true});
    let chat = translate(body);
    for field in ["tools", "tool_choice", "parallel_tool_calls"] {
        assert!(chat.get(field).is_none(), "{field} without tools");
    }
}

#[test]
fn thinking_budget_becomes_reasoning_effort() {
    let cases = [
        (
            json!({"type": "enabled", "budget_tokens": 1024}),
            json!("low"),
        ),
        (
            json!({"type": "enabled", "budget_tokens": 2047}),
            json!("low"),
        ),
        (
            json!({"type": "enabled", "budget_tokens": 2048}),
            json!("medium"),
        ),
        (
            json!({"type": "enabled", "budget_tokens": 8191}),
            json!("medium"),
        ),
        (
            json!({"type": "enabled", "budget_tokens": 8192}),
            json!("high"),
        ),
        (
            json!({"type": "enabled", "budget_tokens": 32000}),
            json!("high"),
        ),
        (json!({"type": "disabled"}), Value::Null),
        (Value::Null, Value::Null),
    ];
    for (thinking, effort) in cases {
        let mut body = with_messages(json!([{"role": "user", "content": "Hi"}]));
        body["thinking"] = thinking.clone();
        assert_eq!(translate(body)["reasoning_effort"], effort, "{thinking}");
    }
}

#[test]
fn system_turns_inside_the_conversation_stay_in_place() {
    // Claude Code sends these between user and assistant turns.
    let chat = translate(with_messages(json!([
        {"role": "user", "content": "hi"},
        {"role": "system", "content": [{"type": "text", "text": "reminder"}, {"type": "text", "text": "two"}]},
        {"role": "assistant", "content": "ok"},
    ])));
    assert_eq!(
        chat["messages"],
        json!([
            {"role": "user", "content": "hi"},
            {"role": "system", "content": "reminder\n\ntwo"},
            {"role": "assistant", "content": "ok"},
        ])
    );
}
