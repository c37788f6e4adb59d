//! OpenAI Chat Completions client -> Anthropic Messages upstream: the request, the
//! answer, the error and the event stream.
//!
//! Request: `system` and `developer` messages become the top-level `system` (one string
//! joined with blank lines, or text blocks when a part carries `cache_control`); user,
//! assistant, tool and legacy function messages become alternating user/assistant
//! turns (consecutive same-role turns merged, tool results as `tool_result` blocks of a
//! user turn, placed before its other blocks). Text parts, images (base64 data URLs and
//! http(s) URLs), `tool_calls`, `tools`/`functions`, `tool_choice`/`function_call`,
//! `parallel_tool_calls`, `max_tokens`/`max_completion_tokens`, `stop`, `temperature`
//! (clamped to 1), `top_p`, `top_k`, `stream`, `reasoning_effort`/`thinking` and `user`
//! are translated. An assistant message's `thinking_blocks` (the LiteLLM extension
//! this translator also answers with) become its signed `thinking` /
//! `redacted_thinking` blocks, before its text and `tool_use`. A `tool_choice` that
//! forces a tool (`required`, a named function) turns thinking off for the request,
//! since Anthropic refuses the pair. Tool call ids are kept, with characters Anthropic refuses replaced
//! by `_` (in both the `tool_use` and its `tool_result`).
//!
//! Rejected with a 400 naming the field: an empty `messages` list, a turn with empty
//! content, content part types other than text and image (`input_audio`, `file`, ...),
//! tool calls with unparseable arguments, tool results that answer no earlier tool
//! call, non-function tools, unknown roles and `n` other than 1.
//!
//! Dropped: `logprobs`, `top_logprobs`, `seed`, `frequency_penalty`,
//! `presence_penalty`, `logit_bias`, `response_format`, `stream_options` (the stream
//! translator adds the usage chunk itself), `metadata`, `store`, `service_tier`,
//! assistant `reasoning_content` (Anthropic needs signed thinking blocks), unsigned
//! `thinking_blocks` entries, and every
//! other field the Messages API does not know; empty system messages; `tool_choice`
//! when no tools are given; `temperature`, `top_p` and `top_k` while thinking is on
//! (Anthropic refuses them with thinking).

mod messages;
mod parts;
mod request;
mod response;
mod stream;

#[cfg(test)]
mod reject_tests;
#[cfg(test)]
mod request_tests;
#[cfg(test)]
mod response_tests;
#[cfg(test)]
mod stream_tests;
#[cfg(test)]
mod thinking_tests;
#[cfg(test)]
mod tool_request_tests;

use serde_json::Value;

use crate::error::GatewayError;

pub use stream::StreamTranslator;

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
    request::translate(chat, upstream_model, options)
}

/// Messages answer -> `chat.completion`.
pub fn response(message: &Value) -> Result<Value, GatewayError> {
    response::translate(message)
}
