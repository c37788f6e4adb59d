//! Answer translation tests, built from the documented `chat.completion` examples.

use serde_json::{Value, json};

use super::super::response;
use crate::error::GatewayError;

fn translate(chat: Value) -> Value {
    match response(&chat) {
        Ok(message) => message,
        Err(err) => panic!("unexpected error {err} for {chat}"),
    }
}

fn completion(message: Value, finish_reason: Value) -> Value {
    json!({
        "id": "chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT",
        "object": "chat.completion",
        "created": 1741569952,
        "model": "gpt-4.1-2025-04-14",
        "choices": [{"index": 0, "message": message, "logprobs": null, "finish_reason": finish_reason}],
        "usage": {
            "prompt_tokens": 19, "completion_tokens": 10, "total_tokens": 29,
            "prompt_tokens_details": {"cached_tokens": 4, "audio_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": 0},
        },
    })
}

#[test]
fn text_answer() {
    let message = translate(completion(
        json!({"role": "assistant", "content": "Hello! How can I assist you today?", "refusal": null}),
        json!("stop"),
    ));
    assert_eq!(
        message,
        json!({
            "id": "msg_chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT",
            "type": "message",
            "role": "assistant",
            "model": "gpt-4.1-2025-04-14",
            "content": [{"type": "text", "text": "Hello! How can I assist you today?"}],
            "stop_reason": "end_turn",
            "stop_sequence": null,
            "usage": {"input_tokens": 15, "output_tokens": 10,
                "cache_read_input_tokens": 4, "cache_creation_input_tokens": 0},
        })
    );
}

#[test]
fn every_finish_reason() {
    let cases = [
        (json!("stop"), "end_turn"),
        (json!("length"), "max_tokens"),
        (json!("tool_calls"), "tool_use"),
        (json!("function_call"), "tool_use"),
        (json!("content_filter"), "refusal"),
        (Value::Null, "end_turn"),
    ];
    for (finish, stop) in cases {
        let message = translate(completion(
            json!({"role": "assistant", "content": "x"}),
            finish.clone(),
        ));
        assert_eq!(message["stop_reason"], stop, "{finish}");
        assert_eq!(message["stop_sequence"], Value::Null);
    }
}

#[test]
fn reasoning_text_and_tool_calls_in_order() {
    let message = translate(completion(
        json!({
            "role": "assistant",
            "reasoning_content": "The user wants weather.",
            "content": "Let me check.",
            "tool_calls": [
                {"id": "call_abc", "type": "function",
                    "function": {"name": "get_weather", "arguments": "{\"location\":\"Boston, MA\"}"}},
                {"id": "call_def", "type": "function", "function": {"name": "now", "arguments": ""}},
            ],
        }),
        json!("tool_calls"),
    ));
    assert_eq!(
        message["content"],
        json!([
            {"type": "thinking", "thinking": "The user wants weather.", "signature": ""},
            {"type": "text", "text": "Let me check."},
            {"type": "tool_use", "id": "call_abc", "name": "get_weather", "input": {"location": "Boston, MA"}},
            {"type": "tool_use", "id": "call_def", "name": "now", "input": {}},
        ])
    );
    assert_eq!(message["stop_reason"], "tool_use");
}

#[test]
fn tool_calls_with_stop_still_end_in_tool_use() {
    let message = translate(completion(
        json!({"role": "assistant", "content": null, "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{}"}}]}),
        json!("stop"),
    ));
    assert_eq!(
        message["content"],
        json!([{"type": "tool_use", "id": "call_1", "name": "f", "input": {}}])
    );
    assert_eq!(message["stop_reason"], "tool_use");
}

#[test]
fn other_content_shapes() {
    let refusal = translate(completion(
        json!({"role": "assistant", "content": null, "refusal": "I can't help with that."}),
        json!("stop"),
    ));
    assert_eq!(
        refusal["content"],
        json!([{"type": "text", "text": "I can't help with that."}])
    );
    let empty = translate(completion(
        json!({"role": "assistant", "content": "", "reasoning": ""}),
        json!("length"),
    ));
    assert_eq!(empty["content"], json!([]));
    let openrouter = translate(completion(
        json!({"role": "assistant", "content": "4", "reasoning": "2+2"}),
        json!("stop"),
    ));
    assert_eq!(openrouter["content"][0]["thinking"], "2+2");
    let legacy = translate(completion(
        json!({"role": "assistant", "content": null,
            "function_call": {"name": "f", "arguments": "{\"a\":1}"}}),
        json!("function_call"),
    ));
    assert_eq!(legacy["content"][0]["input"], json!({"a": 1}));
}

#[test]
fn ids_models_and_usage() {
    let mut chat = completion(json!({"content": "x"}), json!("stop"));
    chat["id"] = json!("msg_already");
    chat["usage"] = json!({"prompt_tokens": 7, "completion_tokens": 3});
    let message = translate(chat);
    assert_eq!(message["id"], "msg_already");
    assert_eq!(
        message["usage"],
        json!({"input_tokens": 7, "output_tokens": 3,
            "cache_read_input_tokens": 0, "cache_creation_input_tokens": 0})
    );
    let message = translate(json!({"choices": [{"message": {"content": "x"}}]}));
    let id = message["id"].as_str().unwrap_or_default();
    assert!(id.starts_with("msg_") && id.len() > 10, "{id}");
    assert_eq!(message["model"], "");
    assert_eq!(message["usage"]["input_tokens"], 0);
}

#[test]
fn upstream_faults_are_bad_gateway() {
    let bad_arguments = completion(
        json!({"content": null, "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{\"a\": "}}]}),
        json!("tool_calls"),
    );
    let array_arguments = completion(
        json!({"content": null, "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "[1]"}}]}),
        json!("tool_calls"),
    );
    let cases = [
        (bad_arguments, "invalid arguments"),
        (array_arguments, "invalid arguments"),
        (json!({"id": "x", "choices": []}), "no choices"),
        (
            json!({"error": {"message": "Rate limit reached", "type": "requests"}}),
            "Rate limit reached",
        ),
    ];
    for (chat, needle) in cases {
        match response(&chat) {
            Err(err @ GatewayError::BadGateway(_)) => {
                assert_eq!(err.status().as_u16(), 502);
                assert!(err.to_string().contains(needle), "{err}");
            }
            other => panic!("expected a 502 for {chat}, got {other:?}"),
        }
    }
}
