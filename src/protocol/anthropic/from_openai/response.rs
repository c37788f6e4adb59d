//! Messages answer -> `chat.completion`, and the pieces the stream translator shares
//! (finish reason, usage object).

use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::error::GatewayError;
use crate::protocol::anthropic::AnthropicUsage;
use crate::protocol::openai::Usage;

/// See [`super::response`].
pub(super) fn translate(message: &Value) -> Result<Value, GatewayError> {
    let Some(blocks) = message.get("content").and_then(Value::as_array) else {
        let detail = message
            .get("error")
            .and_then(|e| e.get("message"))
            .and_then(Value::as_str)
            .unwrap_or("the answer has no content list");
        return Err(GatewayError::BadGateway(format!(
            "the Anthropic upstream sent no message: {detail}"
        )));
    };
    let mut text: Option<String> = None;
    let mut reasoning: Option<String> = None;
    let mut tool_calls = Vec::new();
    let mut thinking_blocks = Vec::new();
    for block in blocks {
        let str_of = |name: &str| block.get(name).and_then(Value::as_str).unwrap_or("");
        match str_of("type") {
            "text" => text
                .get_or_insert_with(String::new)
                .push_str(str_of("text")),
            "thinking" => {
                reasoning
                    .get_or_insert_with(String::new)
                    .push_str(str_of("thinking"));
                thinking_blocks.push(thinking_block(str_of("thinking"), str_of("signature")));
            }
            "redacted_thinking" => thinking_blocks.push(redacted_block(str_of("data"))),
            "tool_use" => {
                let arguments = block
                    .get("input")
                    .map_or_else(|| "{}".to_string(), Value::to_string);
                tool_calls.push(json!({
                    "id": str_of("id"),
                    "type": "function",
                    "function": {"name": str_of("name"), "arguments": arguments},
                }));
            }
            _ => {}
        }
    }
    let mut reply = Map::new();
    reply.insert("role".into(), json!("assistant"));
    reply.insert("content".into(), json!(text));
    if let Some(reasoning) = reasoning {
        reply.insert("reasoning_content".into(), json!(reasoning));
    }
    if !thinking_blocks.is_empty() {
        reply.insert("thinking_blocks".into(), Value::Array(thinking_blocks));
    }
    if !tool_calls.is_empty() {
        reply.insert("tool_calls".into(), Value::Array(tool_calls));
    }
    let stop_reason = message.get("stop_reason").and_then(Value::as_str);
    let usage = message
        .get("usage")
        .and_then(|u| AnthropicUsage::deserialize(u).ok())
        .unwrap_or_default()
        .to_usage();
    Ok(json!({
        "id": message.get("id").and_then(Value::as_str).unwrap_or(""),
        "object": "chat.completion",
        "created": now(),
        "model": message.get("model").and_then(Value::as_str).unwrap_or(""),
        "choices": [{
            "index": 0,
            "message": reply,
            "logprobs": null,
            "finish_reason": finish_reason(stop_reason),
        }],
        "usage": usage_json(&usage),
    }))
}

/// A signed thinking block as the `thinking_blocks` extension carries it (LiteLLM's
/// shape); clients send it back on the assistant message before its tool calls.
pub(super) fn thinking_block(thinking: &str, signature: &str) -> Value {
    json!({"type": "thinking", "thinking": thinking, "signature": signature})
}

/// A redacted thinking block in the `thinking_blocks` extension.
pub(super) fn redacted_block(data: &str) -> Value {
    json!({"type": "redacted_thinking", "data": data})
}

/// Anthropic `stop_reason` -> OpenAI `finish_reason`.
pub(super) fn finish_reason(stop_reason: Option<&str>) -> &'static str {
    match stop_reason {
        Some("max_tokens" | "model_context_window_exceeded") => "length",
        Some("tool_use") => "tool_calls",
        Some("refusal") => "content_filter",
        _ => "stop",
    }
}

/// The OpenAI `usage` object.
pub(super) fn usage_json(usage: &Usage) -> Value {
    json!({
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "total_tokens": usage.total(),
        "prompt_tokens_details": {"cached_tokens": usage.cached()},
    })
}

/// Unix seconds.
pub(super) fn now() -> i64 {
    chrono::Utc::now().timestamp()
}
