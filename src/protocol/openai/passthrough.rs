//! OpenAI upstream -> OpenAI client stream: every event forwarded byte for byte while
//! usage and text are counted. When we asked for usage on the client's behalf, the
//! usage-only chunk is dropped and the `"usage": null` the upstream then adds to every
//! chunk is removed, so the client sees what it would have seen.

use bytes::Bytes;

use super::{Observed, Usage};
use crate::error::ErrorBody;
use crate::protocol::json_edit::remove_top_level;
use crate::protocol::sse::SseEvent;
use crate::protocol::{StreamTranslate, data_frame};

/// See the module doc.
#[derive(Debug, Default)]
pub struct OpenAiPassthrough {
    hide_usage: bool,
    usage: Option<Usage>,
    text_chars: usize,
    /// `[DONE]`, a finish reason or a terminal Responses event was seen.
    completed: bool,
}

impl OpenAiPassthrough {
    /// `hide_usage`: the client did not ask for usage; we did.
    pub fn new(hide_usage: bool) -> Self {
        OpenAiPassthrough {
            hide_usage,
            ..OpenAiPassthrough::default()
        }
    }
}

impl StreamTranslate for OpenAiPassthrough {
    fn event(&mut self, event: SseEvent) -> Vec<Bytes> {
        let Some(observed) = Observed::parse(event.data.as_bytes()) else {
            self.completed |= event.data.trim() == "[DONE]";
            return vec![event.raw];
        };
        self.completed |= observed.finishes();
        self.text_chars += observed.text_chars();
        if let Some(usage) = observed.usage() {
            self.usage = Some(usage);
        }
        if !self.hide_usage {
            return vec![event.raw];
        }
        if observed.is_usage_only() {
            return Vec::new();
        }
        match remove_top_level(event.data.as_bytes(), "usage") {
            Some(data) => vec![data_frame(&data)],
            None => vec![event.raw],
        }
    }

    fn finish(&mut self) -> Vec<Bytes> {
        Vec::new()
    }

    fn error_frame(&self, message: &str, kind: &str) -> Bytes {
        openai_error_frame(message, kind)
    }

    fn usage(&self) -> Option<Usage> {
        self.usage
    }

    fn text_chars(&self) -> usize {
        self.text_chars
    }

    fn upstream_error(&self) -> Option<String> {
        None
    }

    fn completed(&self) -> bool {
        self.completed
    }
}

/// `data: {"error": {...}}` in the OpenAI error shape.
pub fn openai_error_frame(message: &str, kind: &str) -> Bytes {
    let body = ErrorBody::new(message.to_string(), kind, None);
    data_frame(&serde_json::to_vec(&body).unwrap_or_default())
}
