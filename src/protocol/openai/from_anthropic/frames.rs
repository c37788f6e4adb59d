//! Anthropic stream frames: a named event with its JSON, a content block delta, and
//! the Anthropic error type for an OpenAI error object.

use bytes::Bytes;
use serde_json::{Value, json};

use crate::protocol::anthropic::error_type;
use crate::protocol::named_frame;

/// `event: NAME` + `data: JSON`.
pub(super) fn frame(name: &str, value: &Value) -> Bytes {
    named_frame(name, &serde_json::to_vec(value).unwrap_or_default())
}

/// A `content_block_delta` for block `index`.
pub(super) fn block_delta(index: usize, delta: Value) -> Bytes {
    frame(
        "content_block_delta",
        &json!({"type": "content_block_delta", "index": index, "delta": delta}),
    )
}

/// The Anthropic error type for an OpenAI error object, from its `type`, `code` or
/// numeric `status`/`code`; `api_error` when nothing fits.
pub(super) fn error_kind(error: &Value) -> &'static str {
    let label = |key: &str| error.get(key).and_then(Value::as_str).unwrap_or_default();
    let text = format!("{} {}", label("type"), label("code"));
    let known = [
        ("invalid_request", "invalid_request_error"),
        ("authentication", "authentication_error"),
        ("invalid_api_key", "authentication_error"),
        ("permission", "permission_error"),
        ("not_found", "not_found_error"),
        ("rate_limit", "rate_limit_error"),
        ("overloaded", "overloaded_error"),
        ("timeout", "timeout_error"),
    ];
    if let Some((_, kind)) = known.iter().find(|(needle, _)| text.contains(needle)) {
        return kind;
    }
    ["status", "code"]
        .iter()
        .find_map(|key| error.get(*key).and_then(Value::as_u64))
        .and_then(|status| u16::try_from(status).ok())
        .map_or("api_error", error_type)
}
