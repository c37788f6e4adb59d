//! `chat.completion.chunk` stream -> Responses event stream: a state machine that
//! opens an output item when its first delta arrives (reasoning, message text, each
//! tool call), closes it when another kind of item starts or the stream ends, and
//! numbers every event. The order is the one the openai SDK's stream helper accepts:
//! `response.created`, `response.in_progress`, per item `output_item.added`, its
//! part / delta / done events and `output_item.done`, then `response.completed` (or
//! `response.incomplete`) with the whole output and usage.

mod items;

use std::collections::HashMap;

use bytes::Bytes;
use serde_json::{Value, json};

use super::chat::ChatChunk;
use super::object::{Echo, OutputItem, ResponseObject, outcome};
use crate::protocol::named_frame;
use crate::protocol::openai::Usage;
use crate::protocol::sse::SseEvent;

/// One output item as it grows.
struct Slot {
    item: OutputItem,
    done: bool,
    /// Its summary or content part was announced (so it gets done events).
    part_open: bool,
}

/// See the module doc.
pub struct ResponsesStream {
    echo: Echo,
    base: String,
    model: String,
    created_at: i64,
    sequence: u64,
    started: bool,
    finished: bool,
    /// Output items in order.
    items: Vec<Slot>,
    open_reasoning: Option<usize>,
    open_message: Option<usize>,
    /// Chat tool call index -> output index.
    calls: HashMap<u32, usize>,
    finish_reason: Option<String>,
    usage: Option<Usage>,
    error: Option<String>,
}

impl ResponsesStream {
    pub fn new(echo: Echo) -> Self {
        ResponsesStream {
            echo,
            base: crate::accounts::request_id(),
            model: String::new(),
            created_at: chrono::Utc::now().timestamp(),
            sequence: 0,
            started: false,
            finished: false,
            items: Vec::new(),
            open_reasoning: None,
            open_message: None,
            calls: HashMap::new(),
            finish_reason: None,
            usage: None,
            error: None,
        }
    }

    /// An error the upstream reported inside the stream.
    pub fn upstream_error(&self) -> Option<String> {
        self.error.clone()
    }

    fn emit(&mut self, out: &mut Vec<Bytes>, kind: &str, mut data: Value) {
        data["type"] = json!(kind);
        data["sequence_number"] = json!(self.sequence);
        self.sequence += 1;
        out.push(named_frame(
            kind,
            &serde_json::to_vec(&data).unwrap_or_default(),
        ));
    }

    fn response(&self, status: &'static str) -> ResponseObject {
        let done = status != "in_progress";
        let (status, incomplete_details) = if done {
            outcome(self.finish_reason.as_deref())
        } else {
            (status, None)
        };
        ResponseObject {
            id: format!("resp_{}", self.base),
            object: "response",
            created_at: self.created_at,
            status,
            error: None,
            incomplete_details,
            model: self.model.clone(),
            output: if done {
                self.items.iter().map(|slot| slot.item.clone()).collect()
            } else {
                Vec::new()
            },
            usage: if done {
                self.usage.map(Into::into)
            } else {
                None
            },
            echo: self.echo.clone(),
        }
    }

    fn start(&mut self, chunk: &ChatChunk, out: &mut Vec<Bytes>) {
        if self.started {
            return;
        }
        self.started = true;
        if let Some(id) = chunk.id.as_ref().filter(|id| !id.is_empty()) {
            self.base.clone_from(id);
        }
        self.model = chunk.model.clone().unwrap_or_default();
        self.created_at = chunk.created.unwrap_or(self.created_at);
        let response = json!({"response": self.response("in_progress")});
        self.emit(out, "response.created", response.clone());
        self.emit(out, "response.in_progress", response);
    }

    fn add(&mut self, item: OutputItem, out: &mut Vec<Bytes>) -> usize {
        let index = self.items.len();
        self.emit(
            out,
            "response.output_item.added",
            json!({"output_index": index, "item": item}),
        );
        self.items.push(Slot {
            item,
            done: false,
            part_open: false,
        });
        index
    }

    /// Closes every open item and sends the final lifecycle event.
    fn complete(&mut self, out: &mut Vec<Bytes>) {
        if self.finished || !self.started {
            return;
        }
        self.finished = true;
        for index in 0..self.items.len() {
            self.close(index, out);
        }
        let response = self.response("completed");
        let kind = if response.status == "incomplete" {
            "response.incomplete"
        } else {
            "response.completed"
        };
        self.emit(out, kind, json!({"response": response}));
    }

    /// One chat stream event -> Responses events.
    pub fn event(&mut self, event: &SseEvent) -> Vec<Bytes> {
        let mut out = Vec::new();
        if event.data.trim() == "[DONE]" {
            self.complete(&mut out);
            return out;
        }
        let Ok(chunk) = serde_json::from_str::<ChatChunk>(&event.data) else {
            return out;
        };
        if let Some(error) = &chunk.error {
            let message = error
                .message
                .clone()
                .unwrap_or_else(|| "the upstream reported an error".into());
            let code = error
                .kind
                .clone()
                .unwrap_or_else(|| "upstream_error".into());
            out.push(self.error_frame(&message, &code));
            self.error = Some(message);
            return out;
        }
        self.start(&chunk, &mut out);
        if let Some(usage) = chunk.usage {
            self.usage = Some(usage);
        }
        for choice in chunk.choices.into_iter().filter(|c| c.index == 0) {
            self.delta(choice.delta, &mut out);
            if let Some(reason) = choice.finish_reason {
                self.finish_reason = Some(reason);
            }
        }
        out
    }

    /// The upstream ended cleanly (some servers send no `[DONE]`).
    pub fn finish(&mut self) -> Vec<Bytes> {
        let mut out = Vec::new();
        self.complete(&mut out);
        out
    }

    /// A Responses `error` event.
    pub fn error_frame(&self, message: &str, code: &str) -> Bytes {
        let data = json!({"type": "error", "code": code, "message": message, "param": null,
            "sequence_number": self.sequence});
        named_frame("error", &serde_json::to_vec(&data).unwrap_or_default())
    }
}
