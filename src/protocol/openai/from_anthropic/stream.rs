//! `chat.completion.chunk` stream -> Messages event stream.
//!
//! The first chunk opens the message (`message_start`, then `ping`). Reasoning deltas
//! fill a thinking block, content deltas a text block, and each OpenAI tool call (by
//! its `index`) a `tool_use` block whose argument fragments stream as
//! `input_json_delta`. A new kind of block closes the open one first, so blocks are
//! numbered from 0 in order of appearance and never overlap. The finish reason and the
//! usage-only chunk are remembered; `[DONE]` (or the clean end of the body after a
//! finish reason) closes the open block and sends `message_delta` and `message_stop`.
//! A body that ends before any finish reason or `[DONE]` gets no ending here: the relay
//! reports it as cut.

use bytes::Bytes;
use serde_json::{Value, json};

use super::frames::{block_delta, error_kind, frame};
use super::response::{error_message, message_id, reasoning_of, stop_reason, usage_json};
use crate::protocol::anthropic::error_body;
use crate::protocol::openai::{Observed, Usage};
use crate::protocol::sse::SseEvent;
use crate::protocol::{StreamTranslate, named_frame};

/// See the module doc.
#[derive(Debug, Default)]
pub struct StreamTranslator {
    model: String,
    /// `message_start` was sent.
    started: bool,
    /// `message_stop` or an `error` event was sent: nothing more follows.
    ended: bool,
    /// The index the next content block gets.
    next_index: usize,
    open: Option<Open>,
    /// The tool calls seen, in order of appearance.
    tools: Vec<ToolCall>,
    finish_reason: Option<String>,
    usage: Option<Usage>,
    text_chars: usize,
    error: Option<String>,
    /// `[DONE]` was seen.
    done: bool,
}

/// What a content block holds; a tool block names its entry in `tools`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Thinking,
    Text,
    Tool(usize),
}

/// The content block being streamed.
#[derive(Debug, Clone, Copy)]
struct Open {
    kind: Kind,
    index: usize,
}

/// One OpenAI tool call and the block it streams into.
#[derive(Debug)]
struct ToolCall {
    /// The OpenAI `index` of the call, when the upstream sends one.
    key: Option<u64>,
    id: String,
    index: usize,
}

impl StreamTranslator {
    /// `model`: the model name the upstream answers with, echoed in `message_start`.
    pub fn new(model: &str) -> Self {
        StreamTranslator {
            model: model.to_string(),
            ..StreamTranslator::default()
        }
    }

    fn start(&mut self, chunk: &Value, frames: &mut Vec<Bytes>) {
        self.started = true;
        let message = json!({
            "id": message_id(chunk.get("id").and_then(Value::as_str)),
            "type": "message",
            "role": "assistant",
            "model": self.model,
            "content": [],
            "stop_reason": null,
            "stop_sequence": null,
            "usage": usage_json(&self.usage.unwrap_or_default()),
        });
        frames.push(frame(
            "message_start",
            &json!({"type": "message_start", "message": message}),
        ));
        frames.push(frame("ping", &json!({"type": "ping"})));
    }

    /// One choice's `delta`: reasoning, then text, then tool calls.
    fn delta(&mut self, delta: &Value, frames: &mut Vec<Bytes>) {
        if let Some(thinking) = reasoning_of(delta) {
            self.text_chars += thinking.chars().count();
            let start = json!({"type": "thinking", "thinking": "", "signature": ""});
            let index = self.block(Kind::Thinking, start, frames);
            let delta = json!({"type": "thinking_delta", "thinking": thinking});
            frames.push(block_delta(index, delta));
        }
        for key in ["content", "refusal"] {
            let Some(text) = delta.get(key).and_then(Value::as_str) else {
                continue;
            };
            if text.is_empty() {
                continue;
            }
            self.text_chars += text.chars().count();
            let index = self.block(Kind::Text, json!({"type": "text", "text": ""}), frames);
            frames.push(block_delta(
                index,
                json!({"type": "text_delta", "text": text}),
            ));
        }
        if let Some(calls) = delta.get("tool_calls").and_then(Value::as_array) {
            for call in calls {
                self.tool_call(call, frames);
            }
        }
    }

    /// A tool call fragment: the first one opens the call's block, arguments stream on.
    /// A late fragment of a call whose block was already closed (an upstream that
    /// interleaves parallel calls, which OpenAI does not) still goes to that call's
    /// index, where stream accumulators assemble the input by index.
    fn tool_call(&mut self, call: &Value, frames: &mut Vec<Bytes>) {
        let key = call.get("index").and_then(Value::as_u64);
        let id = call
            .get("id")
            .and_then(Value::as_str)
            .filter(|id| !id.is_empty());
        let function = call.get("function").unwrap_or(&Value::Null);
        let index = match self.find_call(key, id) {
            Some(known) => known.index,
            None => {
                let slot = self.tools.len();
                let id = id.map_or_else(|| format!("call_{slot}"), str::to_string);
                let name = function.get("name").and_then(Value::as_str);
                let start = json!({"type": "tool_use", "id": id, "name": name.unwrap_or_default(), "input": {}});
                let index = self.block(Kind::Tool(slot), start, frames);
                self.tools.push(ToolCall { key, id, index });
                index
            }
        };
        let arguments = function
            .get("arguments")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if !arguments.is_empty() {
            self.text_chars += arguments.chars().count();
            let delta = json!({"type": "input_json_delta", "partial_json": arguments});
            frames.push(block_delta(index, delta));
        }
    }

    /// The call a fragment continues: the latest with its OpenAI index (unless the
    /// fragment brings a different id: some upstreams number every call 0), else the
    /// one with its id, else (neither given) the latest call.
    fn find_call(&self, key: Option<u64>, id: Option<&str>) -> Option<&ToolCall> {
        let call = match key {
            Some(key) => self.tools.iter().rev().find(|t| t.key == Some(key)),
            None => match id {
                Some(id) => self.tools.iter().rev().find(|t| t.id == id),
                None => self.tools.last(),
            },
        }?;
        match id {
            Some(id) if id != call.id => None,
            _ => Some(call),
        }
    }

    /// The index of the open block of `kind`, opening it (and closing another) if needed.
    fn block(&mut self, kind: Kind, start: Value, frames: &mut Vec<Bytes>) -> usize {
        if let Some(open) = self.open.filter(|open| open.kind == kind) {
            return open.index;
        }
        self.close_block(frames);
        let index = self.next_index;
        self.next_index += 1;
        self.open = Some(Open { kind, index });
        frames.push(frame(
            "content_block_start",
            &json!({"type": "content_block_start", "index": index, "content_block": start}),
        ));
        index
    }

    /// Closes the open block; a thinking block first gets its (empty) signature.
    fn close_block(&mut self, frames: &mut Vec<Bytes>) {
        let Some(open) = self.open.take() else {
            return;
        };
        if open.kind == Kind::Thinking {
            let delta = json!({"type": "signature_delta", "signature": ""});
            frames.push(block_delta(open.index, delta));
        }
        frames.push(frame(
            "content_block_stop",
            &json!({"type": "content_block_stop", "index": open.index}),
        ));
    }

    /// The clean end: close the open block, report stop reason and usage, stop.
    fn end(&mut self) -> Vec<Bytes> {
        let mut frames = Vec::new();
        self.close_block(&mut frames);
        self.ended = true;
        let stop = stop_reason(self.finish_reason.as_deref(), !self.tools.is_empty());
        let usage = self
            .usage
            .map_or_else(|| json!({"output_tokens": 0}), |u| usage_json(&u));
        let delta = json!({
            "type": "message_delta",
            "delta": {"stop_reason": stop, "stop_sequence": null},
            "usage": usage,
        });
        frames.push(frame("message_delta", &delta));
        frames.push(frame("message_stop", &json!({"type": "message_stop"})));
        frames
    }

    /// An error the upstream sent inside the stream -> an Anthropic `error` event.
    fn fail(&mut self, error: &Value) -> Vec<Bytes> {
        let message = error_message(error);
        let frame = self.error_frame(&message, error_kind(error));
        self.ended = true;
        self.error = Some(message);
        vec![frame]
    }
}

impl StreamTranslate for StreamTranslator {
    fn event(&mut self, event: SseEvent) -> Vec<Bytes> {
        let data = event.data.trim();
        if self.ended || data.is_empty() {
            return Vec::new();
        }
        if data == "[DONE]" {
            // The upstream says it is done: end even without a finish reason.
            self.done = true;
            return if self.started { self.end() } else { Vec::new() };
        }
        let Ok(chunk) = serde_json::from_str::<Value>(data) else {
            return Vec::new();
        };
        if let Some(error) = chunk.get("error").filter(|e| !e.is_null()) {
            return self.fail(error);
        }
        if event.event.as_deref() == Some("error") {
            return self.fail(&chunk);
        }
        if let Some(usage) = Observed::parse(data.as_bytes()).and_then(|o| o.usage()) {
            self.usage = Some(usage);
        }
        let mut frames = Vec::new();
        if !self.started {
            self.start(&chunk, &mut frames);
        }
        let choices = chunk.get("choices").and_then(Value::as_array);
        // Anthropic has one answer: only the first choice is streamed.
        let first = |choice: &&Value| choice.get("index").and_then(Value::as_u64).unwrap_or(0) == 0;
        for choice in choices.into_iter().flatten().filter(first) {
            if let Some(delta) = choice.get("delta") {
                self.delta(delta, &mut frames);
            }
            if let Some(reason) = choice.get("finish_reason").and_then(Value::as_str) {
                self.finish_reason = Some(reason.to_string());
            }
        }
        frames
    }

    fn finish(&mut self) -> Vec<Bytes> {
        if self.ended || !self.started || self.finish_reason.is_none() {
            return Vec::new();
        }
        self.end()
    }

    fn error_frame(&self, message: &str, kind: &str) -> Bytes {
        named_frame("error", &error_body(kind, message))
    }

    fn usage(&self) -> Option<Usage> {
        self.usage
    }

    fn text_chars(&self) -> usize {
        self.text_chars
    }

    fn upstream_error(&self) -> Option<String> {
        self.error.clone()
    }

    fn completed(&self) -> bool {
        self.done || self.finish_reason.is_some()
    }
}
