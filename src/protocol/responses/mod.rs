//! The Responses API for providers that do not speak it: the request translated into
//! Chat Completions (sent to an OpenAI-compatible upstream, or on through the
//! Anthropic translator to Messages), and the answer and event stream translated
//! back. Pure functions on typed structs plus one stream state machine; the byte-exact
//! passthrough for providers that speak Responses is not here (see `relay::plan`).

mod chat;
mod from_chat;
mod object;
pub mod request;
mod stream;
mod to_chat;

#[cfg(test)]
mod tests;

use bytes::Bytes;
use serde::Deserialize;

use crate::error::GatewayError;
use crate::protocol::StreamTranslate;
use crate::protocol::openai::Usage;
use crate::protocol::sse::{SseEvent, SseFramer};

pub use chat::ChatCompletion;
pub use object::Echo;
pub use request::ResponsesRequest;
pub use stream::ResponsesStream;
pub use to_chat::Target;

/// Reads a Responses request; a 400 naming the field when it does not fit the API.
pub fn parse(raw: &[u8]) -> Result<ResponsesRequest, GatewayError> {
    let mut deserializer = serde_json::Deserializer::from_slice(raw);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            return GatewayError::bad_request(format!("request body is not valid JSON: {inner}"));
        }
        GatewayError::bad_param(&path, format!("invalid `{path}`: {inner}"))
    })
}

/// The Chat Completions request for `request`, as JSON.
pub fn chat_request(
    request: &ResponsesRequest,
    upstream_model: &str,
    target: Target,
) -> Result<serde_json::Value, GatewayError> {
    let chat = to_chat::translate(request, upstream_model, target)?;
    serde_json::to_value(chat).map_err(|err| GatewayError::Internal(err.to_string()))
}

/// A `chat.completion` (JSON) -> the `response` object's bytes.
pub fn answer(chat: &serde_json::Value, echo: Echo) -> Result<Bytes, GatewayError> {
    let chat = ChatCompletion::deserialize(chat).map_err(|err| {
        GatewayError::BadGateway(format!("the upstream's chat answer does not fit: {err}"))
    })?;
    let response = from_chat::translate(chat, echo)?;
    serde_json::to_vec(&response)
        .map(Bytes::from)
        .map_err(|err| GatewayError::Internal(err.to_string()))
}

/// A chat stream translator (`inner`: the OpenAI passthrough, or the Anthropic ->
/// chat translator) followed by the chat -> Responses state machine. Usage, text and
/// upstream errors are counted by `inner`, exactly as for a chat request.
pub struct ViaChat {
    inner: Box<dyn StreamTranslate>,
    framer: SseFramer,
    outer: ResponsesStream,
}

impl ViaChat {
    pub fn new(inner: Box<dyn StreamTranslate>, echo: Echo) -> Self {
        ViaChat {
            inner,
            framer: SseFramer::default(),
            outer: ResponsesStream::new(echo),
        }
    }

    fn pipe(&mut self, frames: Vec<Bytes>) -> Vec<Bytes> {
        let mut out = Vec::new();
        for frame in frames {
            for event in self.framer.push(&frame) {
                out.extend(self.outer.event(&event));
            }
        }
        out
    }
}

impl StreamTranslate for ViaChat {
    fn event(&mut self, event: SseEvent) -> Vec<Bytes> {
        let frames = self.inner.event(event);
        self.pipe(frames)
    }

    fn finish(&mut self) -> Vec<Bytes> {
        let frames = self.inner.finish();
        let mut out = self.pipe(frames);
        out.extend(self.outer.finish());
        out
    }

    fn error_frame(&self, message: &str, kind: &str) -> Bytes {
        self.outer.error_frame(message, kind)
    }

    fn usage(&self) -> Option<Usage> {
        self.inner.usage()
    }

    fn usage_estimated(&self) -> bool {
        self.inner.usage_estimated()
    }

    fn text_chars(&self) -> usize {
        self.inner.text_chars()
    }

    fn upstream_error(&self) -> Option<String> {
        self.inner
            .upstream_error()
            .or_else(|| self.outer.upstream_error())
    }

    /// The chat stream underneath reached its end.
    fn completed(&self) -> bool {
        self.inner.completed()
    }
}
