//! Documented request schemas of the relayed OpenAI endpoints. Only the fields a client
//! most often sets are described; every other field passes through unchanged.

use poem_openapi::Object;
use poem_openapi::types::Any;
use serde_json::Value;

/// Chat Completions request (OpenAI format). Unknown fields are forwarded as sent.
#[derive(Debug, Clone, Object)]
pub struct ChatCompletionRequest {
    /// `provider/model`, an alias, or a cached model name.
    pub model: String,
    /// The conversation: system, developer, user, assistant and tool messages; content
    /// may be text or parts (text, image_url with https or data URLs).
    pub messages: Vec<Any<Value>>,
    /// Stream the answer as server-sent events.
    pub stream: Option<bool>,
    /// `{"include_usage": true}` adds a final usage chunk to a stream.
    pub stream_options: Option<Any<Value>>,
    pub max_tokens: Option<i64>,
    pub max_completion_tokens: Option<i64>,
    pub temperature: Option<f64>,
    pub top_p: Option<f64>,
    pub tools: Option<Vec<Any<Value>>>,
    pub tool_choice: Option<Any<Value>>,
    pub response_format: Option<Any<Value>>,
}

/// A request to another model-routed OpenAI endpoint (completions, embeddings,
/// rerank, images, audio speech). Only `model` (and `stream` where the
/// endpoint streams) is read; the rest is forwarded as sent.
#[derive(Debug, Clone, Object)]
pub struct ModelRequest {
    /// `provider/model`, an alias, or a cached model name.
    pub model: String,
    pub stream: Option<bool>,
}

/// Responses API request. Forwarded as sent to providers whose `responses` setting is
/// `native`; translated for the others (see the Responses API guide), where fields
/// that need OpenAI's servers (`previous_response_id`, `conversation`, built-in tools)
/// are a 400 and unknown fields are refused.
#[derive(Debug, Clone, Object)]
pub struct ResponsesRequest {
    /// `provider/model`, an alias, or a cached model name.
    pub model: String,
    /// A string (one user message) or a list of items: messages with `input_text` /
    /// `input_image` parts, `function_call`, `function_call_output`, `reasoning`.
    pub input: Option<Any<Value>>,
    /// System instructions.
    pub instructions: Option<String>,
    /// Stream the answer as Responses events.
    pub stream: Option<bool>,
    /// Function tools (`{"type": "function", "name", "parameters"}`).
    pub tools: Option<Vec<Any<Value>>>,
    /// `auto`, `none`, `required` or `{"type": "function", "name"}`.
    pub tool_choice: Option<Any<Value>>,
    pub parallel_tool_calls: Option<bool>,
    /// `{"effort": "low" | "medium" | "high" ...}`.
    pub reasoning: Option<Any<Value>>,
    pub max_output_tokens: Option<i64>,
    /// `{"format": {"type": "json_schema", ...}}` for structured output.
    pub text: Option<Any<Value>>,
    pub temperature: Option<f64>,
    pub top_p: Option<f64>,
    /// Whether the upstream should store the response (translation stores nothing).
    pub store: Option<bool>,
    /// Server-side state: only for `native` providers.
    pub previous_response_id: Option<String>,
}

/// Anthropic Messages request (as sent by the Claude SDKs and Claude Code). Unknown
/// fields are forwarded as sent to Anthropic providers.
#[derive(Debug, Clone, Object)]
pub struct MessagesRequest {
    /// `provider/model`, an alias, or a cached model name.
    pub model: String,
    /// The conversation: user and assistant turns with text, image, tool_use and
    /// tool_result blocks.
    pub messages: Vec<Any<Value>>,
    /// Required by Anthropic.
    pub max_tokens: i64,
    /// System prompt: a string or text blocks.
    pub system: Option<Any<Value>>,
    /// Stream the answer as Messages events.
    pub stream: Option<bool>,
    pub tools: Option<Vec<Any<Value>>>,
    pub tool_choice: Option<Any<Value>>,
    pub thinking: Option<Any<Value>>,
    pub temperature: Option<f64>,
    pub stop_sequences: Option<Vec<String>>,
}

/// Anthropic token counting request.
#[derive(Debug, Clone, Object)]
pub struct CountTokensRequest {
    /// `provider/model`, an alias, or a cached model name.
    pub model: String,
    pub messages: Vec<Any<Value>>,
    pub system: Option<Any<Value>>,
    pub tools: Option<Vec<Any<Value>>>,
}
