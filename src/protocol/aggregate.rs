//! Turns a chat completion event stream into the single `chat.completion` JSON a
//! non-streaming client expects: content and `reasoning_content` joined, tool calls
//! assembled from their deltas by index, finish_reason, usage, id, created, model.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

#[derive(Debug, Default)]
struct ToolCall {
    id: Option<String>,
    kind: Option<String>,
    name: String,
    arguments: String,
}

#[derive(Debug, Default)]
struct Choice {
    content: Option<String>,
    reasoning: Option<String>,
    tool_calls: BTreeMap<u64, ToolCall>,
    finish_reason: Option<Value>,
}

/// Accumulates `chat.completion.chunk` payloads.
#[derive(Debug, Default)]
pub struct ChatAggregator {
    id: Option<Value>,
    created: Option<Value>,
    model: Option<Value>,
    system_fingerprint: Option<Value>,
    choices: BTreeMap<u64, Choice>,
    usage: Option<Value>,
    /// `[DONE]` was seen.
    done: bool,
}

fn append(slot: &mut Option<String>, piece: Option<&Value>) {
    if let Some(text) = piece.and_then(Value::as_str) {
        slot.get_or_insert_with(String::new).push_str(text);
    }
}

impl ChatAggregator {
    /// Adds one event's data (`[DONE]` is noted, other non-JSON data ignored).
    pub fn push(&mut self, data: &str) {
        let Ok(Value::Object(chunk)) = serde_json::from_str::<Value>(data) else {
            self.done |= data.trim() == "[DONE]";
            return;
        };
        for (slot, key) in [
            (&mut self.id, "id"),
            (&mut self.created, "created"),
            (&mut self.model, "model"),
            (&mut self.system_fingerprint, "system_fingerprint"),
        ] {
            if slot.is_none() {
                *slot = chunk.get(key).filter(|v| !v.is_null()).cloned();
            }
        }
        if let Some(usage) = chunk.get("usage").filter(|u| !u.is_null()) {
            self.usage = Some(usage.clone());
        }
        for choice in chunk
            .get("choices")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let index = choice.get("index").and_then(Value::as_u64).unwrap_or(0);
            let slot = self.choices.entry(index).or_default();
            if let Some(reason) = choice.get("finish_reason").filter(|r| !r.is_null()) {
                slot.finish_reason = Some(reason.clone());
            }
            let Some(delta) = choice.get("delta") else {
                continue;
            };
            append(&mut slot.content, delta.get("content"));
            append(&mut slot.reasoning, delta.get("reasoning_content"));
            for call in delta
                .get("tool_calls")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let call_index = call.get("index").and_then(Value::as_u64).unwrap_or(0);
                let acc = slot.tool_calls.entry(call_index).or_default();
                if let Some(id) = call.get("id").and_then(Value::as_str) {
                    acc.id = Some(id.to_string());
                }
                if let Some(kind) = call.get("type").and_then(Value::as_str) {
                    acc.kind = Some(kind.to_string());
                }
                if let Some(function) = call.get("function") {
                    if let Some(name) = function.get("name").and_then(Value::as_str) {
                        acc.name.push_str(name);
                    }
                    if let Some(arguments) = function.get("arguments").and_then(Value::as_str) {
                        acc.arguments.push_str(arguments);
                    }
                }
            }
        }
    }

    /// The stream reached its end: `[DONE]` or a finish reason (a body that ends
    /// before is cut).
    pub fn finished(&self) -> bool {
        self.done || self.choices.values().any(|c| c.finish_reason.is_some())
    }

    /// The assembled `chat.completion` object.
    pub fn finish(self) -> Value {
        let choices: Vec<Value> = self
            .choices
            .into_iter()
            .map(|(index, choice)| {
                let mut message = Map::new();
                message.insert("role".into(), json!("assistant"));
                message.insert(
                    "content".into(),
                    choice.content.map_or(Value::Null, Value::String),
                );
                if let Some(reasoning) = choice.reasoning {
                    message.insert("reasoning_content".into(), Value::String(reasoning));
                }
                if !choice.tool_calls.is_empty() {
                    let calls: Vec<Value> = choice
                        .tool_calls
                        .into_values()
                        .map(|call| {
                            json!({
                                "id": call.id,
                                "type": call.kind.unwrap_or_else(|| "function".into()),
                                "function": {"name": call.name, "arguments": call.arguments},
                            })
                        })
                        .collect();
                    message.insert("tool_calls".into(), Value::Array(calls));
                }
                json!({
                    "index": index,
                    "message": message,
                    "logprobs": null,
                    "finish_reason": choice.finish_reason.unwrap_or(Value::Null),
                })
            })
            .collect();
        let mut out = Map::new();
        out.insert("id".into(), self.id.unwrap_or(Value::Null));
        out.insert("object".into(), json!("chat.completion"));
        out.insert("created".into(), self.created.unwrap_or(json!(0)));
        out.insert("model".into(), self.model.unwrap_or(Value::Null));
        if let Some(fingerprint) = self.system_fingerprint {
            out.insert("system_fingerprint".into(), fingerprint);
        }
        out.insert("choices".into(), Value::Array(choices));
        if let Some(usage) = self.usage {
            out.insert("usage".into(), usage);
        }
        Value::Object(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assembles_content_reasoning_and_tool_calls() {
        let mut agg = ChatAggregator::default();
        for data in [
            r#"{"id":"c1","object":"chat.completion.chunk","created":7,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","reasoning_content":"think"}}]}"#,
            r#"{"id":"c1","choices":[{"index":0,"delta":{"reasoning_content":"ing"}}]}"#,
            r#"{"id":"c1","choices":[{"index":0,"delta":{"content":"Hel"}}]}"#,
            r#"{"id":"c1","choices":[{"index":0,"delta":{"content":"lo","tool_calls":[{"index":1,"id":"call_1","type":"function","function":{"name":"b","arguments":"{\"x\""}},{"index":0,"id":"call_0","type":"function","function":{"name":"a","arguments":""}}]}}]}"#,
            r#"{"id":"c1","choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"function":{"arguments":":1}"}},{"index":0,"function":{"arguments":"{}"}}]},"finish_reason":"tool_calls"}]}"#,
            r#"{"id":"c1","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7}}"#,
            "[DONE]",
        ] {
            agg.push(data);
        }
        assert!(agg.finished());
        let out = agg.finish();
        assert_eq!(out["object"], "chat.completion");
        assert_eq!(out["id"], "c1");
        assert_eq!(out["created"], 7);
        let message = &out["choices"][0]["message"];
        assert_eq!(message["content"], "Hello");
        assert_eq!(message["reasoning_content"], "thinking");
        assert_eq!(message["tool_calls"][0]["id"], "call_0");
        assert_eq!(message["tool_calls"][0]["function"]["arguments"], "{}");
        assert_eq!(message["tool_calls"][1]["function"]["name"], "b");
        assert_eq!(
            message["tool_calls"][1]["function"]["arguments"],
            "{\"x\":1}"
        );
        assert_eq!(out["choices"][0]["finish_reason"], "tool_calls");
        assert_eq!(out["usage"]["total_tokens"], 7);
    }
}
