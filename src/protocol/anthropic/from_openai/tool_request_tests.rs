//! Request translation of tools: definitions, tool_choice, parallel calls and the tool
//! round trip, legacy functions.

use serde_json::{Value, json};

use super::request_tests::{translate, with};

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
