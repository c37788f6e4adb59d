//! Anthropic Messages client -> OpenAI Chat Completions upstream: the request, the
//! answer and the event stream.
//!
//! Request fields and what becomes of them:
//! - translated: `system`, `messages` (text, images, tool use and results), `tools`,
//!   `tool_choice` (incl. `disable_parallel_tool_use`), `max_tokens`, `stop_sequences`,
//!   `temperature`, `top_p`, `metadata.user_id`, `thinking` (as `reasoning_effort`),
//!   `stream`;
//! - dropped: `top_k` (no OpenAI equivalent), `cache_control` marks (OpenAI caches
//!   prompts by itself), `thinking` and `redacted_thinking` blocks of earlier
//!   assistant turns (OpenAI takes no reasoning as input), `is_error` of a tool result
//!   (its text is kept as is), any other top-level field;
//! - rejected with a 400 naming the field: block types OpenAI cannot take (`document`,
//!   `search_result`, server tool blocks, ...), server tools, empty messages or
//!   content, and a `tool_result` answering no earlier `tool_use`.

mod frames;
mod messages;
mod response;
mod stream;

#[cfg(test)]
mod tests;

use serde_json::{Map, Value, json};

use crate::error::GatewayError;

pub use stream::StreamTranslator;

/// Messages request -> Chat Completions request for `upstream_model`. A streaming
/// request asks for `stream_options.include_usage` so the final usage can be reported.
pub fn request(messages: &Value, upstream_model: &str) -> Result<Value, GatewayError> {
    let body = messages
        .as_object()
        .ok_or_else(|| GatewayError::bad_request("the request body must be a JSON object"))?;
    let mut chat_messages = Vec::new();
    if let Some(system) = messages::system(body.get("system"))? {
        chat_messages.push(system);
    }
    chat_messages.extend(messages::messages(body.get("messages"))?);

    let mut chat = Map::new();
    chat.insert("model".into(), Value::from(upstream_model));
    chat.insert("messages".into(), Value::Array(chat_messages));
    for field in ["max_tokens", "temperature", "top_p"] {
        if let Some(value) = present(body, field) {
            chat.insert(field.into(), value.clone());
        }
    }
    if let Some(stop) = stop_sequences(body)? {
        chat.insert("stop".into(), stop);
    }
    if let Some(user) = body
        .get("metadata")
        .and_then(|m| m.get("user_id"))
        .and_then(Value::as_str)
    {
        chat.insert("user".into(), Value::from(user));
    }
    if let Some(effort) = reasoning_effort(present(body, "thinking"))? {
        chat.insert("reasoning_effort".into(), Value::from(effort));
    }
    tools(body, &mut chat)?;
    if let Some(stream) = present(body, "stream") {
        let stream = stream
            .as_bool()
            .ok_or_else(|| GatewayError::bad_param("stream", "stream must be a boolean"))?;
        chat.insert("stream".into(), Value::Bool(stream));
        if stream {
            chat.insert("stream_options".into(), json!({"include_usage": true}));
        }
    }
    Ok(Value::Object(chat))
}

/// `chat.completion` -> Messages answer.
pub fn response(chat: &Value) -> Result<Value, GatewayError> {
    response::response(chat)
}

/// A field that is set and not `null`.
fn present<'a>(body: &'a Map<String, Value>, field: &str) -> Option<&'a Value> {
    body.get(field).filter(|value| !value.is_null())
}

/// `stop_sequences` -> `stop`, left out when empty.
fn stop_sequences(body: &Map<String, Value>) -> Result<Option<Value>, GatewayError> {
    match present(body, "stop_sequences") {
        None => Ok(None),
        Some(Value::Array(list)) if list.is_empty() => Ok(None),
        Some(Value::Array(list)) if list.iter().all(Value::is_string) => {
            Ok(Some(Value::Array(list.clone())))
        }
        Some(_) => Err(GatewayError::bad_param(
            "stop_sequences",
            "stop_sequences must be an array of strings",
        )),
    }
}

/// `thinking: {type: "enabled", budget_tokens}` -> an OpenAI `reasoning_effort`:
/// under 2048 tokens "low", under 8192 "medium", else "high". Any other thinking type
/// (`disabled`, ...) leaves the upstream's default.
fn reasoning_effort(thinking: Option<&Value>) -> Result<Option<&'static str>, GatewayError> {
    let Some(thinking) = thinking else {
        return Ok(None);
    };
    if thinking.get("type").and_then(Value::as_str) != Some("enabled") {
        return Ok(None);
    }
    let budget = thinking
        .get("budget_tokens")
        .and_then(Value::as_u64)
        .ok_or_else(|| {
            GatewayError::bad_param(
                "thinking.budget_tokens",
                "thinking.budget_tokens must be a positive integer when thinking is enabled",
            )
        })?;
    Ok(Some(match budget {
        0..2048 => "low",
        2048..8192 => "medium",
        _ => "high",
    }))
}

/// `tools`, `tool_choice` and `disable_parallel_tool_use` -> `tools`, `tool_choice`
/// and `parallel_tool_calls`. Without tools the choice is left out (OpenAI rejects a
/// `tool_choice` or `parallel_tool_calls` without `tools`).
fn tools(body: &Map<String, Value>, chat: &mut Map<String, Value>) -> Result<(), GatewayError> {
    let list = match present(body, "tools") {
        None => return Ok(()),
        Some(Value::Array(list)) => list,
        Some(_) => return Err(GatewayError::bad_param("tools", "tools must be an array")),
    };
    let mut functions = Vec::with_capacity(list.len());
    for (i, tool) in list.iter().enumerate() {
        functions.push(function(tool, i)?);
    }
    let choice = tool_choice(present(body, "tool_choice"))?;
    if functions.is_empty() {
        return Ok(());
    }
    chat.insert("tools".into(), Value::Array(functions));
    if let Some((choice, parallel)) = choice {
        chat.insert("tool_choice".into(), choice);
        if !parallel {
            chat.insert("parallel_tool_calls".into(), Value::Bool(false));
        }
    }
    Ok(())
}

/// One client tool -> an OpenAI function tool; server tools are refused.
fn function(tool: &Value, i: usize) -> Result<Value, GatewayError> {
    let kind = tool.get("type").and_then(Value::as_str).unwrap_or("custom");
    if kind != "custom" {
        return Err(GatewayError::bad_param(
            &format!("tools[{i}].type"),
            format!(
                "tool type '{kind}' is an Anthropic server tool; OpenAI upstreams only run client tools"
            ),
        ));
    }
    let name = tool.get("name").and_then(Value::as_str).ok_or_else(|| {
        GatewayError::bad_param(&format!("tools[{i}].name"), "every tool needs a name")
    })?;
    let mut function = Map::new();
    function.insert("name".into(), Value::from(name));
    if let Some(description) = tool.get("description").and_then(Value::as_str) {
        function.insert("description".into(), Value::from(description));
    }
    let parameters = tool
        .get("input_schema")
        .filter(|schema| schema.is_object())
        .cloned()
        .unwrap_or_else(|| json!({"type": "object", "properties": {}}));
    function.insert("parameters".into(), parameters);
    Ok(json!({"type": "function", "function": function}))
}

/// `tool_choice` -> (the OpenAI `tool_choice`, whether parallel calls are allowed).
fn tool_choice(choice: Option<&Value>) -> Result<Option<(Value, bool)>, GatewayError> {
    let Some(choice) = choice else {
        return Ok(None);
    };
    let parallel = choice
        .get("disable_parallel_tool_use")
        .and_then(Value::as_bool)
        != Some(true);
    let mapped = match choice.get("type").and_then(Value::as_str) {
        Some("auto") => Value::from("auto"),
        Some("any") => Value::from("required"),
        Some("none") => Value::from("none"),
        Some("tool") => {
            let name = choice.get("name").and_then(Value::as_str).ok_or_else(|| {
                GatewayError::bad_param("tool_choice.name", "tool_choice of type tool needs a name")
            })?;
            json!({"type": "function", "function": {"name": name}})
        }
        other => {
            return Err(GatewayError::bad_param(
                "tool_choice.type",
                format!(
                    "unsupported tool_choice type {}; expected auto, any, none or tool",
                    other.map_or_else(|| "(missing)".to_string(), |t| format!("'{t}'"))
                ),
            ));
        }
    };
    Ok(Some((mapped, parallel)))
}
