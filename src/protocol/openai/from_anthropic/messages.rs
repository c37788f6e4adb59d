//! Messages `system` and `messages` -> Chat Completions `messages`.
//!
//! A user turn becomes its `tool_result` blocks as `role: "tool"` messages, then one
//! user message with the rest (text and images). OpenAI tool messages carry text only,
//! so images inside a tool result move to that user message, after the tool messages.
//! An assistant turn becomes one assistant message: its text as content, its
//! `tool_use` blocks as `tool_calls`; its thinking blocks are dropped.

use std::collections::HashSet;

use serde_json::{Map, Value, json};

use crate::error::GatewayError;

/// `system` (a string or text blocks) -> a leading system message, `None` when absent
/// or empty. Several blocks are joined with a blank line.
pub(super) fn system(system: Option<&Value>) -> Result<Option<Value>, GatewayError> {
    let text = match system {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(text)) => text.clone(),
        Some(Value::Array(blocks)) => {
            let mut texts = Vec::with_capacity(blocks.len());
            for (i, block) in blocks.iter().enumerate() {
                let field = format!("system[{i}]");
                match block_type(block, &field)? {
                    "text" => texts.push(text_of(block, &field)?),
                    other => return Err(unsupported(&field, other, "system")),
                }
            }
            texts.join("\n\n")
        }
        Some(_) => {
            return Err(GatewayError::bad_param(
                "system",
                "system must be a string or an array of text blocks",
            ));
        }
    };
    Ok((!text.is_empty()).then(|| json!({"role": "system", "content": text})))
}

/// `messages` -> the Chat Completions messages that follow the system message.
pub(super) fn messages(messages: Option<&Value>) -> Result<Vec<Value>, GatewayError> {
    let list = match messages {
        Some(Value::Array(list)) if !list.is_empty() => list,
        _ => {
            return Err(GatewayError::bad_param(
                "messages",
                "messages must be a non-empty array",
            ));
        }
    };
    let mut out = Vec::with_capacity(list.len());
    let mut tool_ids = HashSet::new();
    for (i, message) in list.iter().enumerate() {
        let field = format!("messages[{i}]");
        let role = message.get("role").and_then(Value::as_str);
        // Claude Code puts `system` turns inside the conversation; OpenAI takes system
        // messages anywhere, so they stay where they are.
        if !matches!(role, Some("user" | "assistant" | "system")) {
            return Err(GatewayError::bad_param(
                &format!("{field}.role"),
                "role must be \"user\", \"assistant\" or \"system\"",
            ));
        }
        let role = role.unwrap_or_default();
        let blocks = match message.get("content") {
            Some(Value::String(text)) if !text.is_empty() => {
                out.push(json!({"role": role, "content": text}));
                continue;
            }
            Some(Value::Array(blocks)) if !blocks.is_empty() => blocks,
            _ => {
                return Err(GatewayError::bad_param(
                    &format!("{field}.content"),
                    "content must be a non-empty string or a non-empty array of blocks",
                ));
            }
        };
        if role == "system" {
            let texts = blocks
                .iter()
                .enumerate()
                .map(|(j, block)| text_of(block, &format!("{field}.content[{j}]")))
                .collect::<Result<Vec<_>, _>>()?;
            out.push(json!({"role": "system", "content": texts.join("\n\n")}));
        } else if role == "user" {
            user(blocks, &field, &tool_ids, &mut out)?;
        } else {
            assistant(blocks, &field, &mut tool_ids, &mut out)?;
        }
    }
    Ok(out)
}

/// A user turn given as blocks.
fn user(
    blocks: &[Value],
    field: &str,
    tool_ids: &HashSet<String>,
    out: &mut Vec<Value>,
) -> Result<(), GatewayError> {
    let mut moved_images = Vec::new();
    let mut parts = Vec::new();
    for (j, block) in blocks.iter().enumerate() {
        let field = format!("{field}.content[{j}]");
        match block_type(block, &field)? {
            "text" => parts.push(json!({"type": "text", "text": text_of(block, &field)?})),
            "image" => parts.push(image(block, &field)?),
            "tool_result" => out.push(tool_result(block, &field, tool_ids, &mut moved_images)?),
            other => return Err(unsupported(&field, other, "a user message")),
        }
    }
    moved_images.append(&mut parts);
    if !moved_images.is_empty() {
        out.push(json!({"role": "user", "content": content(moved_images)}));
    }
    Ok(())
}

/// An assistant turn given as blocks; records its tool call ids.
fn assistant(
    blocks: &[Value],
    field: &str,
    tool_ids: &mut HashSet<String>,
    out: &mut Vec<Value>,
) -> Result<(), GatewayError> {
    let mut parts = Vec::new();
    let mut calls = Vec::new();
    for (j, block) in blocks.iter().enumerate() {
        let field = format!("{field}.content[{j}]");
        match block_type(block, &field)? {
            "text" => parts.push(json!({"type": "text", "text": text_of(block, &field)?})),
            "tool_use" => {
                let id = string_field(block, "id", &field)?;
                let name = string_field(block, "name", &field)?;
                let input = block.get("input").cloned().unwrap_or_else(|| json!({}));
                let arguments = serde_json::to_string(&input).unwrap_or_else(|_| "{}".into());
                tool_ids.insert(id.to_string());
                calls.push(json!({
                    "id": id,
                    "type": "function",
                    "function": {"name": name, "arguments": arguments},
                }));
            }
            // OpenAI takes no reasoning as input: earlier thinking is left out.
            "thinking" | "redacted_thinking" => {}
            other => return Err(unsupported(&field, other, "an assistant message")),
        }
    }
    if parts.is_empty() && calls.is_empty() {
        return Ok(());
    }
    let mut message = Map::new();
    message.insert("role".into(), Value::from("assistant"));
    let text = if parts.is_empty() {
        Value::Null
    } else {
        content(parts)
    };
    message.insert("content".into(), text);
    if !calls.is_empty() {
        message.insert("tool_calls".into(), Value::Array(calls));
    }
    out.push(Value::Object(message));
    Ok(())
}

/// A `tool_result` block -> a `role: "tool"` message. Text blocks of its content are
/// joined with newlines; its images go to `images` for the user message that follows.
fn tool_result(
    block: &Value,
    field: &str,
    tool_ids: &HashSet<String>,
    images: &mut Vec<Value>,
) -> Result<Value, GatewayError> {
    let id = string_field(block, "tool_use_id", field)?;
    if !tool_ids.contains(id) {
        return Err(GatewayError::bad_param(
            &format!("{field}.tool_use_id"),
            format!("tool_result for '{id}' answers no tool_use of an earlier assistant message"),
        ));
    }
    let text = match block.get("content") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(text)) => text.clone(),
        Some(Value::Array(inner)) => {
            let mut texts = Vec::with_capacity(inner.len());
            for (k, item) in inner.iter().enumerate() {
                let field = format!("{field}.content[{k}]");
                match block_type(item, &field)? {
                    "text" => texts.push(text_of(item, &field)?),
                    "image" => images.push(image(item, &field)?),
                    other => return Err(unsupported(&field, other, "a tool_result")),
                }
            }
            texts.join("\n")
        }
        Some(_) => {
            return Err(GatewayError::bad_param(
                &format!("{field}.content"),
                "tool_result content must be a string or an array of blocks",
            ));
        }
    };
    Ok(json!({"role": "tool", "tool_call_id": id, "content": text}))
}

/// An image block -> an `image_url` content part (a data URL for base64 sources).
fn image(block: &Value, field: &str) -> Result<Value, GatewayError> {
    let source = block.get("source").unwrap_or(&Value::Null);
    let field = format!("{field}.source");
    let url = match source.get("type").and_then(Value::as_str) {
        Some("base64") => {
            let media = string_field(source, "media_type", &field)?;
            let data = string_field(source, "data", &field)?;
            format!("data:{media};base64,{data}")
        }
        Some("url") => string_field(source, "url", &field)?.to_string(),
        other => {
            return Err(GatewayError::bad_param(
                &format!("{field}.type"),
                format!(
                    "image source type {} is not supported; use base64 or url",
                    other.map_or_else(|| "(missing)".to_string(), |t| format!("'{t}'"))
                ),
            ));
        }
    };
    Ok(json!({"type": "image_url", "image_url": {"url": url}}))
}

/// Content parts -> a plain string when they are a single text, else the parts.
/// Text-only content becomes one string (text blocks joined with a blank line), which
/// every OpenAI-compatible server accepts; content with images stays a parts array.
fn content(parts: Vec<Value>) -> Value {
    if parts.iter().all(|part| part["type"] == "text") {
        let texts: Vec<&str> = parts
            .iter()
            .filter_map(|part| part["text"].as_str())
            .collect();
        return Value::String(texts.join("\n\n"));
    }
    Value::Array(parts)
}

fn block_type<'a>(block: &'a Value, field: &str) -> Result<&'a str, GatewayError> {
    block.get("type").and_then(Value::as_str).ok_or_else(|| {
        GatewayError::bad_param(&format!("{field}.type"), "every content block needs a type")
    })
}

fn text_of(block: &Value, field: &str) -> Result<String, GatewayError> {
    string_field(block, "text", field).map(str::to_string)
}

fn string_field<'a>(value: &'a Value, name: &str, field: &str) -> Result<&'a str, GatewayError> {
    value.get(name).and_then(Value::as_str).ok_or_else(|| {
        GatewayError::bad_param(
            &format!("{field}.{name}"),
            format!("{name} must be a string"),
        )
    })
}

fn unsupported(field: &str, kind: &str, place: &str) -> GatewayError {
    GatewayError::bad_param(
        &format!("{field}.type"),
        format!("content block type '{kind}' in {place} cannot be sent to an OpenAI upstream"),
    )
}
