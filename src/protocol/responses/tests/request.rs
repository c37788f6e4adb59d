//! Responses request -> Chat Completions request.

use serde_json::{Value, json};

use crate::error::GatewayError;
use crate::protocol::responses::{Target, chat_request, parse};

fn to_chat(body: Value, target: Target) -> Result<Value, GatewayError> {
    let request = parse(body.to_string().as_bytes())?;
    chat_request(&request, "deepseek-chat", target)
}

fn param(result: Result<Value, GatewayError>) -> Option<String> {
    match result {
        Err(GatewayError::BadRequest { param, .. }) => param,
        _ => None,
    }
}

#[test]
fn string_input_with_instructions_and_settings() -> anyhow::Result<()> {
    let body = json!({
        "model": "mock/gpt-4o", "instructions": "Be brief.", "input": "Hi",
        "max_output_tokens": 100, "temperature": 0.2, "top_p": 0.9, "reasoning": {"effort": "low"},
        "store": false, "stream": true, "include": ["reasoning.encrypted_content"],
        "user": "u1", "metadata": {"a": "b"}, "parallel_tool_calls": false,
        "text": {"format": {"type": "json_schema", "name": "answer", "strict": true,
                            "schema": {"type": "object", "properties": {"a": {"type": "string"}}}}},
    });
    let expected = json!({
        "model": "deepseek-chat",
        "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}],
        "parallel_tool_calls": false, "reasoning_effort": "low", "max_tokens": 100,
        "response_format": {"type": "json_schema", "json_schema": {"name": "answer", "strict": true,
            "schema": {"type": "object", "properties": {"a": {"type": "string"}}}}},
        "temperature": 0.2, "top_p": 0.9, "stream": true, "stream_options": {"include_usage": true},
        "user": "u1",
    });
    assert_eq!(to_chat(body, Target::Chat)?, expected);
    Ok(())
}

#[test]
fn items_with_images_tools_and_a_tool_round_trip() -> anyhow::Result<()> {
    let body = json!({
        "model": "m",
        "input": [
            {"role": "developer", "content": "Use tools."},
            {"type": "message", "role": "user", "content": [
                {"type": "input_text", "text": "Weather here?"},
                {"type": "input_image", "image_url": "https://x.test/a.png", "detail": "low"}]},
            {"type": "reasoning", "id": "rs_1", "summary": [{"type": "summary_text", "text": "Call it."}]},
            {"type": "message", "id": "msg_1", "role": "assistant", "status": "completed",
             "content": [{"type": "output_text", "text": "Checking.", "annotations": []}]},
            {"type": "function_call", "id": "fc_1", "call_id": "call_1", "name": "get_weather",
             "arguments": "{\"city\":\"Paris\"}", "status": "completed"},
            {"type": "function_call", "call_id": "call_2", "name": "get_time", "arguments": "{}"},
            {"type": "function_call_output", "call_id": "call_1", "output": "sunny"},
            {"type": "function_call_output", "call_id": "call_2",
             "output": [{"type": "input_text", "text": "noon"}]},
        ],
        "tools": [{"type": "function", "name": "get_weather", "description": "Weather.",
                   "parameters": {"type": "object"}, "strict": false},
                  {"type": "function", "name": "get_time"}],
        "tool_choice": {"type": "function", "name": "get_weather"},
    });
    let expected = json!({
        "model": "deepseek-chat",
        "messages": [
            {"role": "system", "content": "Use tools."},
            {"role": "user", "content": [{"type": "text", "text": "Weather here?"},
                {"type": "image_url", "image_url": {"url": "https://x.test/a.png", "detail": "low"}}]},
            {"role": "assistant", "content": "Checking.", "tool_calls": [
                {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}},
                {"id": "call_2", "type": "function", "function": {"name": "get_time", "arguments": "{}"}}]},
            {"role": "tool", "content": "sunny", "tool_call_id": "call_1"},
            {"role": "tool", "content": "noon", "tool_call_id": "call_2"},
        ],
        "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Weather.",
                   "parameters": {"type": "object"}, "strict": false}},
                  {"type": "function", "function": {"name": "get_time"}}],
        "tool_choice": {"type": "function", "function": {"name": "get_weather"}},
    });
    // A chat upstream takes no reasoning as input: the item is dropped.
    assert_eq!(to_chat(body, Target::Chat)?, expected);
    Ok(())
}

#[test]
fn signed_reasoning_goes_to_anthropic_as_thinking_blocks() -> anyhow::Result<()> {
    let body = json!({"model": "m", "input": [
        {"role": "user", "content": "Weather?"},
        {"type": "reasoning", "id": "rs_a", "summary": [{"type": "summary_text", "text": "Weather first."}],
         "encrypted_content": "sig-1"},
        {"type": "reasoning", "id": "rs_b", "summary": [], "encrypted_content": "redacted_thinking:EmwK"},
        {"type": "reasoning", "id": "rs_c", "summary": [{"type": "summary_text", "text": "unsigned"}]},
        {"type": "function_call", "call_id": "toolu_1", "name": "get_weather", "arguments": "{}"},
        {"type": "function_call_output", "call_id": "toolu_1", "output": "sunny"},
    ]});
    let chat = to_chat(body, Target::Anthropic)?;
    assert_eq!(
        chat["messages"][1],
        json!({"role": "assistant", "content": null,
            "thinking_blocks": [{"type": "thinking", "thinking": "Weather first.", "signature": "sig-1"},
                                {"type": "redacted_thinking", "data": "EmwK"}],
            "tool_calls": [{"id": "toolu_1", "type": "function", "function": {"name": "get_weather", "arguments": "{}"}}]})
    );
    Ok(())
}

#[test]
fn what_cannot_be_translated_is_400_naming_the_field() {
    let cases = [
        (
            json!({"model": "m", "input": "hi", "previous_response_id": "resp_1"}),
            "previous_response_id",
        ),
        (
            json!({"model": "m", "input": "hi", "conversation": "conv_1"}),
            "conversation",
        ),
        (
            json!({"model": "m", "input": "hi", "background": true}),
            "background",
        ),
        (
            json!({"model": "m", "input": "hi", "tools": [{"type": "web_search"}]}),
            "tools[0].type",
        ),
        (
            json!({"model": "m", "input": "hi", "tools": [{"type": "function", "name": "f"},
            {"type": "file_search", "vector_store_ids": []}]}),
            "tools[1].type",
        ),
        (
            json!({"model": "m", "input": "hi", "tool_choice": {"type": "web_search_preview"}}),
            "tool_choice",
        ),
        (
            json!({"model": "m", "input": [{"type": "item_reference", "id": "msg_1"}]}),
            "input[0]",
        ),
        (
            json!({"model": "m", "input": [{"type": "web_search_call", "id": "ws_1"}]}),
            "input[0].type",
        ),
        (
            json!({"model": "m", "input": [{"role": "user", "content": [
            {"type": "input_file", "file_id": "file_1"}]}]}),
            "input[0].content[0]",
        ),
        (
            json!({"model": "m", "input": [{"role": "user", "content": [
            {"type": "input_image", "file_id": "file_1"}]}]}),
            "input[0].content[0]",
        ),
        (
            json!({"model": "m", "input": "hi", "frobnicate": 1}),
            "frobnicate",
        ),
        (
            json!({"model": "m", "input": [{"role": "robot", "content": "x"}]}),
            "input[0]",
        ),
        (json!({"model": "m"}), "input"),
    ];
    for (body, field) in cases {
        let text = body.to_string();
        assert_eq!(
            param(to_chat(body, Target::Chat)).as_deref(),
            Some(field),
            "{text}"
        );
    }
}
