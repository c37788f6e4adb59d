//! Messages event stream -> `chat.completion.chunk` stream: a state machine over the
//! Anthropic events (message_start, content blocks, message_delta, message_stop, error).

use std::collections::HashMap;

use bytes::Bytes;
use serde::Deserialize;
use serde_json::{Value, json};

use super::response::{finish_reason, now, redacted_block, thinking_block, usage_json};
use crate::protocol::anthropic::{AnthropicUsage, stream_usage};
use crate::protocol::openai::{Usage, openai_error_frame};
use crate::protocol::sse::SseEvent;
use crate::protocol::{StreamTranslate, data_frame};

/// Messages event stream -> `chat.completion.chunk` stream.
#[derive(Debug, Default)]
pub struct StreamTranslator {
    include_usage: bool,
    /// Message id, used as the id of every chunk.
    id: String,
    model: String,
    created: i64,
    /// Anthropic block index -> OpenAI tool call index (counted from 0).
    tool_calls: HashMap<u64, usize>,
    /// The open thinking block: its index, text and signature so far.
    thinking: Option<(u64, String, String)>,
    stop_reason: Option<String>,
    usage: Option<AnthropicUsage>,
    text_chars: usize,
    error: Option<String>,
    /// `message_stop` was seen.
    stopped: bool,
}

impl StreamTranslator {
    /// `include_usage`: the client asked for the final usage chunk.
    pub fn new(include_usage: bool) -> Self {
        StreamTranslator {
            include_usage,
            ..StreamTranslator::default()
        }
    }

    /// A `chat.completion.chunk` frame with one choice.
    fn chunk(&self, delta: Value, finish: Option<&str>) -> Bytes {
        self.frame(
            json!([{"index": 0, "delta": delta, "finish_reason": finish}]),
            None,
        )
    }

    fn frame(&self, choices: Value, usage: Option<Value>) -> Bytes {
        let mut chunk = json!({
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model,
            "choices": choices,
        });
        if let (Some(usage), Some(map)) = (usage, chunk.as_object_mut()) {
            map.insert("usage".into(), usage);
        }
        data_frame(&serde_json::to_vec(&chunk).unwrap_or_default())
    }

    fn merge_usage(&mut self, usage: Option<&Value>) {
        if let Some(usage) = usage.and_then(|u| AnthropicUsage::deserialize(u).ok()) {
            self.usage
                .get_or_insert_with(AnthropicUsage::default)
                .merge(usage);
        }
    }

    /// Text or reasoning as a delta (none when empty).
    fn text(&mut self, key: &str, text: Option<&str>) -> Vec<Bytes> {
        match text.filter(|t| !t.is_empty()) {
            Some(text) => {
                self.text_chars += text.chars().count();
                vec![self.chunk(json!({ key: text }), None)]
            }
            None => Vec::new(),
        }
    }

    /// One `tool_calls` entry as a delta.
    fn tool_delta(&self, call: Value) -> Vec<Bytes> {
        vec![self.chunk(json!({"tool_calls": [call]}), None)]
    }

    fn start(&mut self, data: &Value) -> Vec<Bytes> {
        let message = data.get("message").unwrap_or(&Value::Null);
        let text = |name: &str| {
            message
                .get(name)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        self.id = text("id");
        self.model = text("model");
        self.created = now();
        self.merge_usage(message.get("usage"));
        vec![self.chunk(json!({"role": "assistant", "content": ""}), None)]
    }

    fn block_start(&mut self, data: &Value) -> Vec<Bytes> {
        let block = data.get("content_block").unwrap_or(&Value::Null);
        let text = |name: &str| block.get(name).and_then(Value::as_str);
        match text("type") {
            Some("tool_use") => {
                let index = self.tool_calls.len();
                let block_index = data
                    .get("index")
                    .and_then(Value::as_u64)
                    .unwrap_or(u64::MAX);
                self.tool_calls.insert(block_index, index);
                self.tool_delta(json!({
                    "index": index,
                    "id": text("id").unwrap_or(""),
                    "type": "function",
                    "function": {"name": text("name").unwrap_or(""), "arguments": ""},
                }))
            }
            Some("text") => self.text("content", text("text")),
            Some("thinking") => {
                let index = data.get("index").and_then(Value::as_u64).unwrap_or(0);
                let start = text("thinking").unwrap_or("").to_string();
                let signature = text("signature").unwrap_or("").to_string();
                self.thinking = Some((index, start, signature));
                self.text("reasoning_content", text("thinking"))
            }
            Some("redacted_thinking") => {
                let block = redacted_block(text("data").unwrap_or(""));
                vec![self.chunk(json!({"thinking_blocks": [block]}), None)]
            }
            _ => Vec::new(),
        }
    }

    /// The end of a block: a thinking block goes out whole, signed, in one delta.
    fn block_stop(&mut self, data: &Value) -> Vec<Bytes> {
        let index = data.get("index").and_then(Value::as_u64).unwrap_or(0);
        match self.thinking.take() {
            Some((open, thinking, signature)) if open == index => {
                let block = thinking_block(&thinking, &signature);
                vec![self.chunk(json!({"thinking_blocks": [block]}), None)]
            }
            other => {
                self.thinking = other;
                Vec::new()
            }
        }
    }

    fn block_delta(&mut self, data: &Value) -> Vec<Bytes> {
        let delta = data.get("delta").unwrap_or(&Value::Null);
        let text = |name: &str| delta.get(name).and_then(Value::as_str);
        match text("type") {
            Some("text_delta") => self.text("content", text("text")),
            Some("thinking_delta") => {
                if let (Some((_, open, _)), Some(piece)) =
                    (self.thinking.as_mut(), text("thinking"))
                {
                    open.push_str(piece);
                }
                self.text("reasoning_content", text("thinking"))
            }
            Some("signature_delta") => {
                if let (Some((_, _, open)), Some(piece)) =
                    (self.thinking.as_mut(), text("signature"))
                {
                    open.push_str(piece);
                }
                Vec::new()
            }
            Some("input_json_delta") => {
                let block_index = data
                    .get("index")
                    .and_then(Value::as_u64)
                    .unwrap_or(u64::MAX);
                let (Some(index), Some(partial)) = (
                    self.tool_calls.get(&block_index).copied(),
                    text("partial_json").filter(|p| !p.is_empty()),
                ) else {
                    return Vec::new();
                };
                self.text_chars += partial.chars().count();
                self.tool_delta(json!({"index": index, "function": {"arguments": partial}}))
            }
            _ => Vec::new(),
        }
    }

    /// The final chunk, the usage chunk when asked for, and `[DONE]`.
    fn stop(&mut self) -> Vec<Bytes> {
        let finish = finish_reason(self.stop_reason.as_deref());
        let mut frames = vec![self.chunk(json!({}), Some(finish))];
        if self.include_usage {
            let usage = self.usage().unwrap_or_default();
            frames.push(self.frame(json!([]), Some(usage_json(&usage))));
        }
        frames.push(data_frame(b"[DONE]"));
        frames
    }

    fn error(&mut self, data: &Value) -> Vec<Bytes> {
        let error = data.get("error").unwrap_or(&Value::Null);
        let message = error.get("message").and_then(Value::as_str);
        let message = match (error.get("type").and_then(Value::as_str), message) {
            (_, Some(message)) => message.to_string(),
            (Some(kind), None) => kind.to_string(),
            (None, None) => "the upstream reported an error in the stream".to_string(),
        };
        let frame = openai_error_frame(&message, "upstream_error");
        self.error = Some(message);
        vec![frame]
    }
}

impl StreamTranslate for StreamTranslator {
    fn event(&mut self, event: SseEvent) -> Vec<Bytes> {
        let Ok(data) = serde_json::from_str::<Value>(&event.data) else {
            return Vec::new();
        };
        let kind = event
            .event
            .clone()
            .or_else(|| data.get("type").and_then(Value::as_str).map(str::to_string))
            .unwrap_or_default();
        match kind.as_str() {
            "message_start" => self.start(&data),
            "content_block_start" => self.block_start(&data),
            "content_block_delta" => self.block_delta(&data),
            "content_block_stop" => self.block_stop(&data),
            "message_delta" => {
                let stop = data.get("delta").and_then(|d| d.get("stop_reason"));
                if let Some(stop) = stop.and_then(Value::as_str) {
                    self.stop_reason = Some(stop.to_string());
                }
                self.merge_usage(data.get("usage"));
                Vec::new()
            }
            "message_stop" => {
                self.stopped = true;
                self.stop()
            }
            "error" => self.error(&data),
            _ => Vec::new(),
        }
    }

    fn finish(&mut self) -> Vec<Bytes> {
        Vec::new()
    }

    fn error_frame(&self, message: &str, kind: &str) -> Bytes {
        openai_error_frame(message, kind)
    }

    /// See `anthropic::stream_usage`: final once `message_delta` came (it also sets
    /// the stop reason), otherwise the output is estimated from the text seen.
    fn usage(&self) -> Option<Usage> {
        let final_count = self.stop_reason.is_some();
        stream_usage(self.usage, final_count, self.text_chars).map(|(u, _)| u)
    }

    fn usage_estimated(&self) -> bool {
        let final_count = self.stop_reason.is_some();
        stream_usage(self.usage, final_count, self.text_chars).is_some_and(|(_, e)| e)
    }

    fn text_chars(&self) -> usize {
        self.text_chars
    }

    fn upstream_error(&self) -> Option<String> {
        self.error.clone()
    }

    fn completed(&self) -> bool {
        self.stopped
    }
}
