//! `chat.completion` -> Messages answer, plus the pieces the stream shares with it:
//! the message id, the stop reason and the usage object.

use serde::Deserialize;
use serde_json::{Value, json};

use crate::error::GatewayError;
use crate::protocol::openai::Usage;

/// The first choice of a `chat.completion` -> a Messages answer. Reasoning comes first
/// as a thinking block (with an empty signature: OpenAI signs nothing), then the text,
/// then the tool calls as `tool_use` blocks.
pub(super) fn response(chat: &Value) -> Result<Value, GatewayError> {
    if let Some(error) = chat.get("error").filter(|e| !e.is_null()) {
        return Err(GatewayError::BadGateway(format!(
            "the upstream answered with an error: {}",
            error_message(error)
        )));
    }
    let choice = chat
        .get("choices")
        .and_then(Value::as_array)
        .and_then(|choices| choices.first())
        .ok_or_else(|| GatewayError::BadGateway("the upstream answer has no choices".into()))?;
    let message = choice.get("message").unwrap_or(&Value::Null);

    let mut content = Vec::new();
    if let Some(reasoning) = reasoning_of(message) {
        content.push(json!({"type": "thinking", "thinking": reasoning, "signature": ""}));
    }
    let text = text_of(message.get("content"));
    let text = if text.is_empty() {
        text_of(message.get("refusal"))
    } else {
        text
    };
    if !text.is_empty() {
        content.push(json!({"type": "text", "text": text}));
    }
    let calls = message
        .get("tool_calls")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let legacy = message.get("function_call").filter(|f| f.is_object());
    let has_tools = !calls.is_empty() || legacy.is_some();
    for (i, call) in calls.iter().enumerate() {
        let function = call.get("function").unwrap_or(&Value::Null);
        let id = call.get("id").and_then(Value::as_str).map(str::to_string);
        content.push(tool_use(
            id.unwrap_or_else(|| format!("call_{i}")),
            function,
        )?);
    }
    if let Some(function) = legacy {
        content.push(tool_use("call_function".into(), function)?);
    }

    let finish = choice.get("finish_reason").and_then(Value::as_str);
    let usage = chat
        .get("usage")
        .and_then(|u| Usage::deserialize(u).ok())
        .unwrap_or_default();
    Ok(json!({
        "id": message_id(chat.get("id").and_then(Value::as_str)),
        "type": "message",
        "role": "assistant",
        "model": chat.get("model").and_then(Value::as_str).unwrap_or_default(),
        "content": content,
        "stop_reason": stop_reason(finish, has_tools),
        "stop_sequence": null,
        "usage": usage_json(&usage),
    }))
}

/// One OpenAI function call -> a `tool_use` block; arguments that are not a JSON
/// object are the upstream's fault (502). Empty arguments mean no input.
fn tool_use(id: String, function: &Value) -> Result<Value, GatewayError> {
    let name = function
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let arguments = function
        .get("arguments")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let input = if arguments.trim().is_empty() {
        json!({})
    } else {
        match serde_json::from_str::<Value>(arguments) {
            Ok(input @ Value::Object(_)) => input,
            _ => {
                return Err(GatewayError::BadGateway(format!(
                    "the upstream sent invalid arguments for tool call '{name}' ({id}): not a JSON object"
                )));
            }
        }
    };
    Ok(json!({"type": "tool_use", "id": id, "name": name, "input": input}))
}

/// Reasoning text: `reasoning_content` (DeepSeek, Qwen, vLLM) or `reasoning`
/// (OpenRouter, newer vLLM); `None` when empty.
pub(super) fn reasoning_of(message: &Value) -> Option<&str> {
    ["reasoning_content", "reasoning"]
        .iter()
        .find_map(|key| message.get(*key).and_then(Value::as_str))
        .filter(|text| !text.is_empty())
}

/// Message content as text: a string, or the text parts of an array.
fn text_of(content: Option<&Value>) -> String {
    match content {
        Some(Value::String(text)) => text.clone(),
        Some(Value::Array(parts)) => parts
            .iter()
            .filter_map(|part| part.get("text").and_then(Value::as_str))
            .collect(),
        _ => String::new(),
    }
}

/// `msg_` + the upstream id (unless it already has the prefix); a fresh id without one.
pub(super) fn message_id(id: Option<&str>) -> String {
    match id.filter(|id| !id.is_empty()) {
        Some(id) if id.starts_with("msg_") => id.to_string(),
        Some(id) => format!("msg_{id}"),
        None => format!("msg_{:032x}", rand::random::<u128>()),
    }
}

/// OpenAI `finish_reason` -> Anthropic `stop_reason`. Some upstreams say `stop` after
/// tool calls; an answer with tool calls always ends in `tool_use`, which is what
/// clients check before they run tools. OpenAI does not say which stop sequence
/// matched, so `stop_sequence` is never reported.
pub(super) fn stop_reason(finish: Option<&str>, has_tools: bool) -> &'static str {
    match finish {
        Some("length") => "max_tokens",
        Some("content_filter") => "refusal",
        Some("tool_calls" | "function_call") => "tool_use",
        _ if has_tools => "tool_use",
        _ => "end_turn",
    }
}

/// OpenAI usage -> Anthropic usage: cached prompt tokens are reported as cache reads
/// and taken out of `input_tokens`; OpenAI reports no cache writes.
pub(super) fn usage_json(usage: &Usage) -> Value {
    let cached = usage.cached().max(0);
    json!({
        "input_tokens": (usage.prompt_tokens - cached).max(0),
        "output_tokens": usage.completion_tokens.max(0),
        "cache_read_input_tokens": cached,
        "cache_creation_input_tokens": 0,
    })
}

/// The message of an OpenAI error object (or a bare error string).
pub(super) fn error_message(error: &Value) -> String {
    match error {
        Value::String(message) => message.clone(),
        _ => error
            .get("message")
            .and_then(Value::as_str)
            .map_or_else(|| error.to_string(), str::to_string),
    }
}
