//! The Chat Completions side of the Responses translation, typed: the request we send
//! (serialized as is) and the answer and stream chunks we read back.

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use crate::protocol::openai::ThinkingBlock;
use crate::protocol::openai::Usage;

#[derive(Debug, Serialize)]
pub struct ChatRequest {
    pub model: String,
    pub messages: Vec<ChatMessage>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tools: Option<Vec<ChatTool>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool_choice: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parallel_tool_calls: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reasoning_effort: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_tokens: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_format: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub top_p: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream_options: Option<StreamOptions>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct StreamOptions {
    pub include_usage: bool,
}

#[derive(Debug, Default, Serialize)]
pub struct ChatMessage {
    pub role: &'static str,
    /// `null` only for an assistant message with tool calls.
    pub content: Option<ChatContent>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub thinking_blocks: Vec<ThinkingBlock>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tool_calls: Vec<ChatToolCall>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool_call_id: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum ChatContent {
    Text(String),
    Parts(Vec<ChatPart>),
}

#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ChatPart {
    Text { text: String },
    ImageUrl { image_url: ImageUrl },
}

#[derive(Debug, Serialize)]
pub struct ImageUrl {
    pub url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct ChatTool {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub function: super::request::FunctionTool,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct ChatToolCall {
    pub id: String,
    #[serde(rename = "type", default = "function")]
    pub kind: String,
    pub function: ChatFunction,
}

fn function() -> String {
    "function".into()
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct ChatFunction {
    pub name: String,
    #[serde(default)]
    pub arguments: String,
}

/// A `chat.completion` answer (every field may be missing; no choice is a 502).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ChatCompletion {
    pub id: Option<String>,
    pub created: Option<i64>,
    pub model: Option<String>,
    pub choices: Vec<ChatChoice>,
    pub usage: Option<Usage>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ChatChoice {
    pub message: ChatAnswer,
    pub finish_reason: Option<String>,
}

/// The assistant message of an answer.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ChatAnswer {
    pub content: Option<String>,
    pub refusal: Option<String>,
    /// `reasoning_content` (DeepSeek, Qwen, vLLM, this gateway) or `reasoning`.
    #[serde(alias = "reasoning")]
    pub reasoning_content: Option<String>,
    pub thinking_blocks: Option<Vec<ThinkingBlock>>,
    pub tool_calls: Option<Vec<ChatToolCall>>,
}

/// One `chat.completion.chunk`, or an error reported inside the stream.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ChatChunk {
    pub id: Option<String>,
    pub created: Option<i64>,
    pub model: Option<String>,
    pub choices: Vec<ChunkChoice>,
    pub usage: Option<Usage>,
    pub error: Option<ChunkError>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ChunkChoice {
    pub index: u32,
    pub delta: ChunkDelta,
    pub finish_reason: Option<String>,
}

/// A choice's delta; the same fields as [`ChatAnswer`], with tool calls in pieces.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ChunkDelta {
    pub content: Option<String>,
    pub refusal: Option<String>,
    #[serde(alias = "reasoning")]
    pub reasoning_content: Option<String>,
    pub thinking_blocks: Option<Vec<ThinkingBlock>>,
    pub tool_calls: Option<Vec<ToolCallDelta>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ToolCallDelta {
    pub index: u32,
    pub id: Option<String>,
    pub function: Option<FunctionDelta>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct FunctionDelta {
    pub name: Option<String>,
    pub arguments: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ChunkError {
    pub message: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
}
