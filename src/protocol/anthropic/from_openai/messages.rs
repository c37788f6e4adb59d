//! Chat `messages` -> Messages `system` plus user/assistant turns.

use std::collections::HashSet;

use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::parts::{bad_content, content_blocks};
use crate::error::GatewayError;
use crate::protocol::openai::ThinkingBlock;

/// The translated conversation.
pub(super) struct Conversation {
    /// Top-level `system`, when a system or developer message had text.
    pub system: Option<Value>,
    /// `{"role","content":[blocks]}` turns, consecutive same-role messages merged.
    pub messages: Vec<Value>,
}

/// Translates the chat `messages` (the request's field, maybe missing).
pub(super) fn convert(messages: Option<&Value>) -> Result<Conversation, GatewayError> {
    let list = messages
        .and_then(Value::as_array)
        .filter(|list| !list.is_empty())
        .ok_or_else(|| GatewayError::bad_param("messages", "messages must be a non-empty array"))?;
    let mut builder = Builder::default();
    for (i, message) in list.iter().enumerate() {
        builder.add(i, message)?;
    }
    builder.finish()
}

/// State of one pass over the messages.
#[derive(Default)]
struct Builder {
    /// Text blocks of the system and developer messages.
    system: Vec<Value>,
    turns: Vec<(&'static str, Vec<Value>)>,
    /// Ids of the tool calls seen so far (after [`tool_id`]).
    tool_ids: HashSet<String>,
    /// Legacy `function_call`s not answered yet: (name, id).
    legacy_calls: Vec<(String, String)>,
}

impl Builder {
    fn add(&mut self, i: usize, message: &Value) -> Result<(), GatewayError> {
        let role = message.get("role").and_then(Value::as_str).ok_or_else(|| {
            GatewayError::bad_param(
                &format!("messages[{i}].role"),
                format!("messages[{i}] has no role"),
            )
        })?;
        let content = message.get("content");
        match role {
            "system" | "developer" => {
                let blocks = content_blocks(i, content, role)?;
                self.system.extend(blocks);
                Ok(())
            }
            "user" => {
                let blocks = content_blocks(i, content, role)?;
                self.push(i, "user", blocks)
            }
            "assistant" => self.add_assistant(i, message),
            "tool" => {
                let raw = required_str(message, "tool_call_id", i, role)?;
                let id = tool_id(raw);
                if !self.tool_ids.contains(&id) {
                    return Err(GatewayError::bad_param(
                        &format!("messages[{i}].tool_call_id"),
                        format!(
                            "messages[{i}].tool_call_id '{raw}' answers no tool call of an earlier assistant message"
                        ),
                    ));
                }
                self.push_result(i, id, content)
            }
            "function" => {
                let name = required_str(message, "name", i, role)?;
                let Some(at) = self.legacy_calls.iter().rposition(|(n, _)| n == name) else {
                    return Err(GatewayError::bad_param(
                        &format!("messages[{i}].name"),
                        format!(
                            "messages[{i}] answers function '{name}', which no earlier assistant message called"
                        ),
                    ));
                };
                let (_, id) = self.legacy_calls.remove(at);
                self.push_result(i, id, content)
            }
            other => Err(GatewayError::bad_param(
                &format!("messages[{i}].role"),
                format!(
                    "messages[{i}] has role '{other}', which the Anthropic upstream does not support"
                ),
            )),
        }
    }

    /// Signed `thinking_blocks`, text (and refusal) parts, then `tool_calls` or a
    /// legacy `function_call`.
    fn add_assistant(&mut self, i: usize, message: &Value) -> Result<(), GatewayError> {
        let mut blocks = thinking_blocks(i, message.get("thinking_blocks"))?;
        blocks.extend(content_blocks(i, message.get("content"), "assistant")?);
        let calls = match message.get("tool_calls") {
            None | Some(Value::Null) => &[][..],
            Some(Value::Array(calls)) => &calls[..],
            Some(_) => {
                return Err(GatewayError::bad_param(
                    &format!("messages[{i}].tool_calls"),
                    format!("messages[{i}].tool_calls must be an array"),
                ));
            }
        };
        for (j, call) in calls.iter().enumerate() {
            let field = format!("messages[{i}].tool_calls[{j}]");
            let kind = call
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or("function");
            if kind != "function" {
                return Err(GatewayError::bad_param(
                    &format!("{field}.type"),
                    format!("{field} has type '{kind}'; only function tool calls are supported"),
                ));
            }
            let raw = call
                .get("id")
                .and_then(Value::as_str)
                .filter(|id| !id.is_empty());
            let raw = raw.ok_or_else(|| {
                GatewayError::bad_param(&format!("{field}.id"), format!("{field} has no id"))
            })?;
            let (name, input) = function_call(&format!("{field}.function"), call.get("function"))?;
            let id = tool_id(raw);
            self.tool_ids.insert(id.clone());
            blocks.push(json!({"type": "tool_use", "id": id, "name": name, "input": input}));
        }
        if let Some(call) = message.get("function_call").filter(|c| !c.is_null()) {
            let field = format!("messages[{i}].function_call");
            let (name, input) = function_call(&field, Some(call))?;
            let id = format!("call_legacy_{i}");
            self.legacy_calls.push((name.clone(), id.clone()));
            self.tool_ids.insert(id.clone());
            blocks.push(json!({"type": "tool_use", "id": id, "name": name, "input": input}));
        }
        self.push(i, "assistant", blocks)
    }

    /// A `tool_result` in a user turn, before the turn's other blocks.
    fn push_result(
        &mut self,
        i: usize,
        id: String,
        content: Option<&Value>,
    ) -> Result<(), GatewayError> {
        let mut result = Map::new();
        result.insert("type".into(), json!("tool_result"));
        result.insert("tool_use_id".into(), json!(id));
        match content {
            Some(Value::String(text)) if !text.is_empty() => {
                result.insert("content".into(), json!(text));
            }
            Some(Value::Array(_)) => {
                let blocks = content_blocks(i, content, "tool")?;
                if !blocks.is_empty() {
                    result.insert("content".into(), Value::Array(blocks));
                }
            }
            None | Some(Value::Null) | Some(Value::String(_)) => {}
            Some(_) => return Err(bad_content(i)),
        }
        let result = Value::Object(result);
        match self.turns.last_mut() {
            Some(("user", blocks)) => {
                let at = blocks
                    .iter()
                    .take_while(|b| b.get("type").and_then(Value::as_str) == Some("tool_result"))
                    .count();
                blocks.insert(at, result);
            }
            _ => self.turns.push(("user", vec![result])),
        }
        Ok(())
    }

    /// Appends a turn, or merges it into the previous one of the same role.
    fn push(
        &mut self,
        i: usize,
        role: &'static str,
        blocks: Vec<Value>,
    ) -> Result<(), GatewayError> {
        if blocks.is_empty() {
            return Err(GatewayError::bad_param(
                &format!("messages[{i}].content"),
                format!("messages[{i}] ({role}) has empty content"),
            ));
        }
        match self.turns.last_mut() {
            Some((last, previous)) if *last == role => previous.extend(blocks),
            _ => self.turns.push((role, blocks)),
        }
        Ok(())
    }

    fn finish(self) -> Result<Conversation, GatewayError> {
        if self.turns.is_empty() {
            return Err(GatewayError::bad_param(
                "messages",
                "messages must contain at least one user or assistant message",
            ));
        }
        let cached = self.system.iter().any(|b| b.get("cache_control").is_some());
        let system = match self.system.len() {
            0 => None,
            _ if cached => Some(Value::Array(self.system)),
            _ => {
                let texts: Vec<&str> = self
                    .system
                    .iter()
                    .filter_map(|b| b.get("text").and_then(Value::as_str))
                    .collect();
                Some(Value::String(texts.join("\n\n")))
            }
        };
        let messages = self
            .turns
            .into_iter()
            .map(|(role, content)| json!({"role": role, "content": content}))
            .collect();
        Ok(Conversation { system, messages })
    }
}

/// An assistant message's `thinking_blocks` as Anthropic blocks, in order. Blocks
/// without a signature (reasoning from a non-Anthropic model) are left out: Anthropic
/// refuses unsigned thinking.
fn thinking_blocks(i: usize, blocks: Option<&Value>) -> Result<Vec<Value>, GatewayError> {
    let Some(blocks) = blocks.filter(|b| !b.is_null()) else {
        return Ok(Vec::new());
    };
    let field = format!("messages[{i}].thinking_blocks");
    let blocks = Vec::<ThinkingBlock>::deserialize(blocks).map_err(|err| {
        GatewayError::bad_param(
            &field,
            format!("{field} must be a list of {{type: thinking, thinking, signature}} or {{type: redacted_thinking, data}} blocks: {err}"),
        )
    })?;
    blocks
        .into_iter()
        .filter(ThinkingBlock::is_signed)
        .map(|block| {
            serde_json::to_value(block).map_err(|err| GatewayError::Internal(err.to_string()))
        })
        .collect()
}

/// A non-empty string field of message `i`, or a 400 naming it.
fn required_str<'a>(
    message: &'a Value,
    name: &str,
    i: usize,
    role: &str,
) -> Result<&'a str, GatewayError> {
    message
        .get(name)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            GatewayError::bad_param(
                &format!("messages[{i}].{name}"),
                format!("messages[{i}] ({role}) needs a '{name}'"),
            )
        })
}

/// `{"name","arguments"}` -> (name, parsed arguments object).
fn function_call(field: &str, function: Option<&Value>) -> Result<(String, Value), GatewayError> {
    let name = function
        .and_then(|f| f.get("name"))
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty())
        .ok_or_else(|| {
            GatewayError::bad_param(&format!("{field}.name"), format!("{field} has no name"))
        })?;
    let arguments_field = format!("{field}.arguments");
    let input = match function.and_then(|f| f.get("arguments")) {
        None | Some(Value::Null) => Value::Object(Map::new()),
        Some(Value::String(text)) if text.trim().is_empty() => Value::Object(Map::new()),
        Some(Value::String(text)) => serde_json::from_str(text).map_err(|err| {
            GatewayError::bad_param(
                &arguments_field,
                format!("{arguments_field} is not valid JSON: {err}"),
            )
        })?,
        Some(other) => other.clone(),
    };
    if !input.is_object() {
        return Err(GatewayError::bad_param(
            &arguments_field,
            format!("{arguments_field} must be a JSON object"),
        ));
    }
    Ok((name.to_string(), input))
}

/// A tool call id Anthropic accepts (`[a-zA-Z0-9_-]+`): other characters become `_`.
fn tool_id(id: &str) -> String {
    id.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}
