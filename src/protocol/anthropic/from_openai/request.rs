//! Chat Completions request -> Messages request: the top-level fields (the
//! conversation itself is in `messages.rs`).

use serde_json::{Map, Value, json};

use super::Options;
use super::messages;
use crate::error::GatewayError;

/// Thinking budgets for `reasoning_effort`.
const BUDGET_LOW: u64 = 1024;
const BUDGET_MEDIUM: u64 = 4096;
const BUDGET_HIGH: u64 = 16384;
/// Room left for the answer when `max_tokens` must grow past the thinking budget.
const ANSWER_ROOM: u64 = 1024;

/// See [`super::request`].
pub(super) fn translate(
    chat: &Value,
    upstream_model: &str,
    options: &Options,
) -> Result<Value, GatewayError> {
    let chat = chat
        .as_object()
        .ok_or_else(|| GatewayError::bad_request("the request body must be a JSON object"))?;
    if let Some(n) = field(chat, "n")
        && n.as_u64() != Some(1)
    {
        return Err(GatewayError::bad_param(
            "n",
            "n must be 1: the Anthropic upstream returns a single choice",
        ));
    }
    let conversation = messages::convert(chat.get("messages"))?;
    let mut out = Map::new();
    out.insert("model".into(), json!(upstream_model));
    if let Some(system) = conversation.system {
        out.insert("system".into(), system);
    }
    out.insert("messages".into(), Value::Array(conversation.messages));

    let thinking = thinking(chat)?;
    let mut max_tokens = max_tokens(chat, options)?;
    let budget = thinking
        .as_ref()
        .and_then(|t| t.get("budget_tokens"))
        .and_then(Value::as_u64);
    if let Some(budget) = budget
        && max_tokens <= budget
    {
        max_tokens = budget.saturating_add(ANSWER_ROOM);
    }
    out.insert("max_tokens".into(), json!(max_tokens));
    let thinking_on = thinking
        .as_ref()
        .is_some_and(|t| t.get("type").and_then(Value::as_str) != Some("disabled"));
    if let Some(thinking) = thinking {
        out.insert("thinking".into(), thinking);
    }

    if let Some(stop) = stop_sequences(chat)? {
        out.insert("stop_sequences".into(), stop);
    }
    tools(chat, &mut out)?;
    // Anthropic refuses thinking together with a tool choice that forces a tool: the
    // forced call wins and thinking is dropped for this request.
    let forced = out
        .get("tool_choice")
        .and_then(|c| c.get("type"))
        .and_then(Value::as_str)
        .is_some_and(|kind| kind == "any" || kind == "tool");
    if thinking_on && forced {
        out.remove("thinking");
    }
    let thinking_on = thinking_on && !forced;
    if !thinking_on {
        sampling(chat, &mut out)?;
    }
    if let Some(stream) = field(chat, "stream").and_then(Value::as_bool) {
        out.insert("stream".into(), json!(stream));
    }
    let user = field(chat, "user").or_else(|| field(chat, "safety_identifier"));
    if let Some(user) = user.and_then(Value::as_str).filter(|u| !u.is_empty()) {
        out.insert("metadata".into(), json!({"user_id": user}));
    }
    Ok(Value::Object(out))
}

/// A field that is present and not `null`.
fn field<'a>(chat: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    chat.get(name).filter(|v| !v.is_null())
}

/// `max_completion_tokens`, else `max_tokens`, else the default.
fn max_tokens(chat: &Map<String, Value>, options: &Options) -> Result<u64, GatewayError> {
    for name in ["max_completion_tokens", "max_tokens"] {
        if let Some(value) = field(chat, name) {
            return value.as_u64().filter(|n| *n > 0).ok_or_else(|| {
                GatewayError::bad_param(name, format!("{name} must be a positive integer"))
            });
        }
    }
    Ok(options.default_max_tokens)
}

/// An explicit `thinking` object as given, else one built from `reasoning_effort`.
fn thinking(chat: &Map<String, Value>) -> Result<Option<Value>, GatewayError> {
    if let Some(thinking) = field(chat, "thinking") {
        if !thinking.is_object() {
            return Err(GatewayError::bad_param(
                "thinking",
                "thinking must be an object",
            ));
        }
        return Ok(Some(thinking.clone()));
    }
    let Some(effort) = field(chat, "reasoning_effort") else {
        return Ok(None);
    };
    let budget = match effort.as_str() {
        Some("none") => return Ok(None),
        Some("minimal" | "low") => BUDGET_LOW,
        Some("medium") => BUDGET_MEDIUM,
        Some("high") => BUDGET_HIGH,
        _ => {
            return Err(GatewayError::bad_param(
                "reasoning_effort",
                format!("reasoning_effort {effort} is not one of none, minimal, low, medium, high"),
            ));
        }
    };
    Ok(Some(json!({"type": "enabled", "budget_tokens": budget})))
}

/// `stop` (a string or a list of strings) -> `stop_sequences`.
fn stop_sequences(chat: &Map<String, Value>) -> Result<Option<Value>, GatewayError> {
    let invalid = || GatewayError::bad_param("stop", "stop must be a string or a list of strings");
    match field(chat, "stop") {
        None => Ok(None),
        Some(Value::String(stop)) => Ok(Some(json!([stop]))),
        Some(Value::Array(list)) if list.is_empty() => Ok(None),
        Some(Value::Array(list)) if list.iter().all(Value::is_string) => {
            Ok(Some(Value::Array(list.clone())))
        }
        Some(_) => Err(invalid()),
    }
}

/// `temperature` (clamped to Anthropic's 0..1), `top_p`, `top_k`.
fn sampling(chat: &Map<String, Value>, out: &mut Map<String, Value>) -> Result<(), GatewayError> {
    for name in ["temperature", "top_p", "top_k"] {
        let Some(value) = field(chat, name) else {
            continue;
        };
        let number = value
            .as_f64()
            .ok_or_else(|| GatewayError::bad_param(name, format!("{name} must be a number")))?;
        let value = match name {
            "temperature" if number > 1.0 => json!(1.0),
            _ => value.clone(),
        };
        out.insert(name.into(), value);
    }
    Ok(())
}

/// `tools` (or legacy `functions`) and `tool_choice` (or legacy `function_call`) with
/// `parallel_tool_calls`; `tool_choice` is only sent along with tools.
fn tools(chat: &Map<String, Value>, out: &mut Map<String, Value>) -> Result<(), GatewayError> {
    let mut tools = Vec::new();
    if let Some(list) = field(chat, "tools") {
        let list = list
            .as_array()
            .ok_or_else(|| GatewayError::bad_param("tools", "tools must be an array"))?;
        for (j, tool) in list.iter().enumerate() {
            let kind = tool
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or("function");
            if kind != "function" {
                return Err(GatewayError::bad_param(
                    &format!("tools[{j}].type"),
                    format!(
                        "tools[{j}] has type '{kind}'; the Anthropic upstream takes function tools only"
                    ),
                ));
            }
            tools.push(function_tool(
                &format!("tools[{j}].function"),
                tool.get("function"),
            )?);
        }
    } else if let Some(list) = field(chat, "functions") {
        let list = list
            .as_array()
            .ok_or_else(|| GatewayError::bad_param("functions", "functions must be an array"))?;
        for (j, function) in list.iter().enumerate() {
            tools.push(function_tool(&format!("functions[{j}]"), Some(function))?);
        }
    }
    if tools.is_empty() {
        return Ok(());
    }
    out.insert("tools".into(), Value::Array(tools));
    let mut choice = match field(chat, "tool_choice") {
        Some(choice) => Some(tool_choice("tool_choice", choice)?),
        None => match field(chat, "function_call") {
            Some(choice) => Some(tool_choice("function_call", choice)?),
            None => None,
        },
    };
    if field(chat, "parallel_tool_calls").and_then(Value::as_bool) == Some(false) {
        let choice = choice.get_or_insert_with(|| json!({"type": "auto"}));
        let none = choice.get("type").and_then(Value::as_str) == Some("none");
        if let (false, Some(map)) = (none, choice.as_object_mut()) {
            map.insert("disable_parallel_tool_use".into(), json!(true));
        }
    }
    if let Some(choice) = choice {
        out.insert("tool_choice".into(), choice);
    }
    Ok(())
}

/// `{"name","description","parameters"}` -> `{"name","description","input_schema"}`.
fn function_tool(field: &str, function: Option<&Value>) -> Result<Value, GatewayError> {
    let function = function.unwrap_or(&Value::Null);
    let name = function
        .get("name")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty())
        .ok_or_else(|| {
            GatewayError::bad_param(&format!("{field}.name"), format!("{field} has no name"))
        })?;
    let mut schema = match function.get("parameters") {
        Some(Value::Object(schema)) => schema.clone(),
        _ => Map::new(),
    };
    schema.entry("type").or_insert_with(|| json!("object"));
    let mut tool = Map::new();
    tool.insert("name".into(), json!(name));
    if let Some(description) = function.get("description").and_then(Value::as_str) {
        tool.insert("description".into(), json!(description));
    }
    tool.insert("input_schema".into(), Value::Object(schema));
    Ok(Value::Object(tool))
}

/// "auto" / "none" / "required" / `{"type":"function","function":{"name"}}` (and the
/// legacy `{"name"}`) -> Anthropic `tool_choice`.
fn tool_choice(name: &str, choice: &Value) -> Result<Value, GatewayError> {
    let invalid = || {
        GatewayError::bad_param(
            name,
            format!("{name} must be \"auto\", \"none\", \"required\" or name a function"),
        )
    };
    match choice {
        Value::String(mode) => match mode.as_str() {
            "auto" => Ok(json!({"type": "auto"})),
            "none" => Ok(json!({"type": "none"})),
            "required" => Ok(json!({"type": "any"})),
            _ => Err(invalid()),
        },
        Value::Object(object) => {
            let named = object
                .get("function")
                .and_then(|f| f.get("name"))
                .or_else(|| object.get("name"))
                .and_then(Value::as_str)
                .filter(|n| !n.is_empty());
            let kind = object.get("type").and_then(Value::as_str);
            match (kind, named) {
                (None | Some("function"), Some(tool)) => Ok(json!({"type": "tool", "name": tool})),
                _ => Err(invalid()),
            }
        }
        _ => Err(invalid()),
    }
}
