//! Requests OpenAI cannot take: each is a 400 that names the field.

use serde_json::{Value, json};

use super::request::{rejected, with_messages};

#[test]
fn rejections_name_the_field() {
    let user = |content: Value| with_messages(json!([{"role": "user", "content": content}]));
    let tool_turn = json!({"role": "assistant", "content": [
        {"type": "tool_use", "id": "toolu_01", "name": "f", "input": {}}]});
    let cases = [
        (json!([]), "request body"),
        (json!({"max_tokens": 10}), "non-empty array"),
        (with_messages(json!([])), "non-empty array"),
        (user(json!("")), "content"),
        (user(json!([])), "content"),
        (user(Value::Null), "content"),
        (
            with_messages(json!([{"role": "tool", "content": "x"}])),
            "role",
        ),
        (
            with_messages(json!([{"role": "user", "content": [
                {"type": "tool_result", "tool_use_id": "toolu_99", "content": "x"}]}])),
            "toolu_99",
        ),
        (
            with_messages(json!([tool_turn, {"role": "user", "content": [
                {"type": "tool_result", "tool_use_id": "toolu_02", "content": "x"}]}])),
            "toolu_02",
        ),
        (
            user(
                json!([{"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": "x"}}]),
            ),
            "'document'",
        ),
        (
            user(json!([{"type": "search_result", "source": "s", "title": "t", "content": []}])),
            "'search_result'",
        ),
        (
            user(json!([{"type": "tool_use", "id": "t", "name": "f", "input": {}}])),
            "'tool_use' in a user message",
        ),
        (
            with_messages(json!([{"role": "assistant", "content": [
                {"type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search", "input": {}}]}])),
            "'server_tool_use'",
        ),
        (
            with_messages(json!([{"role": "assistant", "content": [
                {"type": "image", "source": {"type": "url", "url": "https://x/y.png"}}]}])),
            "'image' in an assistant message",
        ),
        (
            user(json!([{"type": "image", "source": {"type": "file", "file_id": "file_1"}}])),
            "'file'",
        ),
        (user(json!([{"text": "no type"}])), "type"),
        (
            with_messages(json!([tool_turn, {"role": "user", "content": [
                {"type": "tool_result", "tool_use_id": "toolu_01", "content": [{"type": "document"}]}]}])),
            "'document' in a tool_result",
        ),
        (
            json!({"messages": [{"role": "user", "content": "x"}],
                "tools": [{"type": "web_search_20250305", "name": "web_search", "max_uses": 5}]}),
            "'web_search_20250305'",
        ),
        (
            json!({"messages": [{"role": "user", "content": "x"}], "tools": [{"name": "f"}],
                "tool_choice": {"type": "sometimes"}}),
            "'sometimes'",
        ),
        (
            json!({"messages": [{"role": "user", "content": "x"}], "thinking": {"type": "enabled"}}),
            "budget_tokens",
        ),
        (
            json!({"messages": [{"role": "user", "content": "x"}], "stop_sequences": "END"}),
            "stop_sequences",
        ),
    ];
    for (body, needle) in cases {
        let (param, message) = rejected(body.clone());
        let text = format!("{} {message}", param.unwrap_or_default());
        assert!(
            text.contains(needle),
            "{needle:?} not in {text:?} for {body}"
        );
    }
}

#[test]
fn rejection_params_point_at_the_block() {
    let body = with_messages(json!([
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": "hello"},
        {"role": "user", "content": [{"type": "text", "text": "x"}, {"type": "document"}]},
    ]));
    assert_eq!(
        rejected(body).0.as_deref(),
        Some("messages[2].content[1].type")
    );
    let body = with_messages(json!([{"role": "user", "content": [
        {"type": "tool_result", "tool_use_id": "nope"}]}]));
    assert_eq!(
        rejected(body).0.as_deref(),
        Some("messages[0].content[0].tool_use_id")
    );
}
