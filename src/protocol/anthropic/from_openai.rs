//! OpenAI Chat Completions client -> Anthropic Messages upstream: the request, the
//! answer, the error and the event stream.

use bytes::Bytes;
use serde_json::Value;

use crate::error::GatewayError;
use crate::protocol::StreamTranslate;
use crate::protocol::openai::Usage;
use crate::protocol::sse::SseEvent;

/// Settings the request translation needs.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// `max_tokens` when the client set neither `max_tokens` nor `max_completion_tokens`.
    pub default_max_tokens: u64,
}

/// Chat Completions request -> Messages request for `upstream_model`.
pub fn request(
    chat: &Value,
    upstream_model: &str,
    options: &Options,
) -> Result<Value, GatewayError> {
    let _ = (chat, upstream_model, options);
    Err(GatewayError::bad_request(
        "translation to Anthropic is not available yet",
    ))
}

/// Messages answer -> `chat.completion`.
pub fn response(message: &Value) -> Result<Value, GatewayError> {
    let _ = message;
    Err(GatewayError::Internal(
        "translation from Anthropic is not available yet".into(),
    ))
}

/// Messages event stream -> `chat.completion.chunk` stream.
#[derive(Debug, Default)]
pub struct StreamTranslator {
    include_usage: bool,
}

impl StreamTranslator {
    /// `include_usage`: the client asked for the final usage chunk.
    pub fn new(include_usage: bool) -> Self {
        StreamTranslator { include_usage }
    }
}

impl StreamTranslate for StreamTranslator {
    fn event(&mut self, event: SseEvent) -> Vec<Bytes> {
        let _ = (event, self.include_usage);
        Vec::new()
    }

    fn finish(&mut self) -> Vec<Bytes> {
        Vec::new()
    }

    fn error_frame(&self, message: &str, kind: &str) -> Bytes {
        crate::protocol::openai::openai_error_frame(message, kind)
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
