//! Anthropic Messages client -> OpenAI Chat Completions upstream: the request, the
//! answer and the event stream.

use bytes::Bytes;
use serde_json::Value;

use crate::error::GatewayError;
use crate::protocol::anthropic::error_body;
use crate::protocol::openai::Usage;
use crate::protocol::sse::SseEvent;
use crate::protocol::{StreamTranslate, named_frame};

/// Messages request -> Chat Completions request for `upstream_model`. A streaming
/// request asks for `stream_options.include_usage` so the final usage can be reported.
pub fn request(messages: &Value, upstream_model: &str) -> Result<Value, GatewayError> {
    let _ = (messages, upstream_model);
    Err(GatewayError::bad_request(
        "translation to OpenAI is not available yet",
    ))
}

/// `chat.completion` -> Messages answer.
pub fn response(chat: &Value) -> Result<Value, GatewayError> {
    let _ = chat;
    Err(GatewayError::Internal(
        "translation from OpenAI is not available yet".into(),
    ))
}

/// `chat.completion.chunk` stream -> Messages event stream.
#[derive(Debug, Default)]
pub struct StreamTranslator {
    model: String,
}

impl StreamTranslator {
    /// `model`: the model name the client asked for, echoed in `message_start`.
    pub fn new(model: &str) -> Self {
        StreamTranslator {
            model: model.to_string(),
        }
    }
}

impl StreamTranslate for StreamTranslator {
    fn event(&mut self, event: SseEvent) -> Vec<Bytes> {
        let _ = (event, &self.model);
        Vec::new()
    }

    fn finish(&mut self) -> Vec<Bytes> {
        Vec::new()
    }

    fn error_frame(&self, message: &str, kind: &str) -> Bytes {
        named_frame("error", &error_body(kind, message))
    }

    fn usage(&self) -> Option<Usage> {
        None
    }

    fn text_chars(&self) -> usize {
        0
    }

    fn upstream_error(&self) -> Option<String> {
        None
    }
}
