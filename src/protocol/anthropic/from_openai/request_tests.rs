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
