//! Wire formats: views of OpenAI and Anthropic requests and answers, byte-preserving
//! JSON edits, SSE framing, the stream-to-JSON aggregator, and the translators between
//! the two protocols (pure functions plus streaming state machines).
//!
//! Translators are named upstream, then client: `anthropic::from_openai` serves an
//! OpenAI client from an Anthropic upstream; `openai::from_anthropic` serves an
//! Anthropic client from an OpenAI upstream.

pub mod aggregate;
pub mod anthropic;
pub mod json_edit;
pub mod openai;
pub mod responses;
pub mod sse;

use bytes::Bytes;

use openai::Usage;
use sse::SseEvent;

/// The protocol a client speaks, which decides the shape of its errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientProtocol {
    OpenAi,
    Anthropic,
}

impl ClientProtocol {
    /// An error answer in this protocol's shape.
    pub fn error_response(self, err: &crate::error::GatewayError) -> poem::Response {
        match self {
            ClientProtocol::OpenAi => poem::error::ResponseError::as_response(err),
            ClientProtocol::Anthropic => err.anthropic_response(),
        }
    }
}

/// Turns upstream stream events into the client's stream frames while counting usage.
/// One implementation per (upstream, client) pair: two passthroughs, two translators.
pub trait StreamTranslate: Send {
    /// One complete upstream event -> the frames to send the client now (maybe none).
    fn event(&mut self, event: SseEvent) -> Vec<Bytes>;
    /// The upstream stream ended cleanly: frames that close the client's stream.
    fn finish(&mut self) -> Vec<Bytes>;
    /// A frame that tells the client the stream failed (timeout, cut, upstream error).
    fn error_frame(&self, message: &str, kind: &str) -> Bytes;
    /// Usage reported by the upstream so far.
    fn usage(&self) -> Option<Usage>;
    /// Whether `usage` is partly estimated (a stream cut before its final count).
    fn usage_estimated(&self) -> bool {
        false
    }
    /// Characters of generated text seen, for an estimate when no usage arrives.
    fn text_chars(&self) -> usize;
    /// An error the upstream reported inside the stream (Anthropic `error` event).
    fn upstream_error(&self) -> Option<String>;
    /// The upstream finished the answer in its protocol (`[DONE]` or a finish reason,
    /// a terminal Responses event, `message_stop`): a body that ends before is cut.
    fn completed(&self) -> bool;
}

/// A `data:` frame.
pub fn data_frame(json: &[u8]) -> Bytes {
    let mut frame = Vec::with_capacity(json.len() + 8);
    frame.extend_from_slice(b"data: ");
    frame.extend_from_slice(json);
    frame.extend_from_slice(b"\n\n");
    Bytes::from(frame)
}

/// An `event:` + `data:` frame (Anthropic style).
pub fn named_frame(name: &str, json: &[u8]) -> Bytes {
    let mut frame = Vec::with_capacity(json.len() + name.len() + 16);
    frame.extend_from_slice(b"event: ");
    frame.extend_from_slice(name.as_bytes());
    frame.extend_from_slice(b"\ndata: ");
    frame.extend_from_slice(json);
    frame.extend_from_slice(b"\n\n");
    Bytes::from(frame)
}
