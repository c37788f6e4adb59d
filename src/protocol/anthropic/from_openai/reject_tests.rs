//! Requests the translation refuses: a 400 that names the offending field.

use serde_json::{Value, json};

use super::request_tests::{translate, with};
use crate::error::GatewayError;

/// (param, message) of a 400, or why it was not one.
fn rejection(chat: Value) -> Result<(String, String), String> {
    match translate(chat) {
        Err(GatewayError::BadRequest { message, param }) => {
            Ok((param.unwrap_or_default(), message))
        }
        other => Err(format!("expected a 400, got {other:?}")),
    }
}

#[test]
fn unhappy_requests_name_the_field() -> Result<(), String> {
    let user =
        |content: Value| json!({"model": "m", "messages": [{"role": "user", "content": content}]});
    let bad_call = json!({"model": "m", "messages": [
        {"role": "user", "content": "x"},
        {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{not json"}}]},
    ]});
    let cases = [
        (
            json!({"model": "m", "messages": []}),
            "messages",
            "non-empty",
        ),
        (json!({"model": "m"}), "messages", "non-empty"),
        (
            json!({"model": "m", "messages": [{"role": "system", "content": "x"}]}),
            "messages",
            "at least one user or assistant",
        ),
        (user(json!("")), "messages[0].content", "empty content"),
        (user(json!([])), "messages[0].content", "empty content"),
        (
            json!({"model": "m", "messages": [{"role": "user", "content": "x"}, {"role": "assistant", "content": null}]}),
            "messages[1].content",
            "empty content",
        ),
        (
            user(
                json!([{"type": "text", "text": "hi"}, {"type": "input_audio", "input_audio": {"data": "AAA", "format": "wav"}}]),
            ),
            "messages[0].content[1].type",
            "'input_audio'",
        ),
        (
            user(json!([{"type": "file", "file": {"file_id": "file-1"}}])),
            "messages[0].content[0].type",
            "'file'",
        ),
        (
            user(
                json!([{"type": "image_url", "image_url": {"url": "data:image/bmp;base64,Qk0="}}]),
            ),
            "messages[0].content[0].image_url.url",
            "image/bmp",
        ),
        (
            user(json!([{"type": "image_url", "image_url": {"url": "ftp://x/y.png"}}])),
            "messages[0].content[0].image_url.url",
            "http(s)",
        ),
        (
            json!({"model": "m", "messages": [{"role": "user", "content": "x"}, {"role": "assistant", "content": [{"type": "image_url", "image_url": {"url": "https://a/b.png"}}]}]}),
            "messages[1].content[0].type",
            "'image_url'",
        ),
        (
            json!({"model": "m", "messages": [{"role": "user", "content": "x"}, {"role": "tool", "tool_call_id": "call_9", "content": "r"}]}),
            "messages[1].tool_call_id",
            "call_9",
        ),
        (
            json!({"model": "m", "messages": [{"role": "user", "content": "x"}, {"role": "function", "name": "f", "content": "r"}]}),
            "messages[1].name",
            "'f'",
        ),
        (
            bad_call,
            "messages[1].tool_calls[0].function.arguments",
            "not valid JSON",
        ),
        (
            json!({"model": "m", "messages": [{"role": "critic", "content": "x"}]}),
            "messages[0].role",
            "'critic'",
        ),
        (with(json!({"n": 2})), "n", "single choice"),
        (
            with(json!({"tools": [{"type": "custom", "custom": {"name": "x"}}]})),
            "tools[0].type",
            "'custom'",
        ),
        (
            with(
                json!({"tools": [{"type": "function", "function": {"name": "f"}}], "tool_choice": "sometimes"}),
            ),
            "tool_choice",
            "auto",
        ),
        (
            with(json!({"reasoning_effort": "extreme"})),
            "reasoning_effort",
            "extreme",
        ),
        (with(json!({"max_tokens": 0})), "max_tokens", "positive"),
        (with(json!({"stop": [1]})), "stop", "strings"),
    ];
    for (chat, param, needle) in cases {
        let (got_param, message) = rejection(chat.clone())?;
        assert_eq!(got_param, param, "{chat}");
        assert!(message.contains(needle), "{message:?} lacks {needle:?}");
    }
    Ok(())
}
