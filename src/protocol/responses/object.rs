//! The Responses API answer as typed serde structs: the `response` object, its output
//! items and usage, and what of the request it echoes.

use serde::Serialize;
use serde_json::Value;

use super::request::{FunctionTool, ResponsesRequest, TextFormat, Tool, ToolChoice};
use crate::protocol::openai::Usage;

/// A `response` object.
#[derive(Debug, Clone, Serialize)]
pub struct ResponseObject {
    pub id: String,
    pub object: &'static str,
    pub created_at: i64,
    /// `in_progress`, `completed` or `incomplete`.
    pub status: &'static str,
    pub error: Option<Value>,
    pub incomplete_details: Option<IncompleteDetails>,
    pub model: String,
    pub output: Vec<OutputItem>,
    pub usage: Option<ResponseUsage>,
    #[serde(flatten)]
    pub echo: Echo,
}

#[derive(Debug, Clone, Serialize)]
pub struct IncompleteDetails {
    pub reason: &'static str,
}

/// The request settings a `response` object repeats.
#[derive(Debug, Clone, Serialize)]
pub struct Echo {
    pub instructions: Option<String>,
    pub max_output_tokens: Option<u64>,
    pub parallel_tool_calls: bool,
    pub previous_response_id: Option<String>,
    pub reasoning: ReasoningEcho,
    pub store: bool,
    pub temperature: Option<f64>,
    pub top_p: Option<f64>,
    pub text: TextEcho,
    pub tool_choice: ToolChoice,
    pub tools: Vec<ToolEcho>,
    pub truncation: &'static str,
    pub metadata: serde_json::Map<String, Value>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReasoningEcho {
    pub effort: Option<String>,
    pub summary: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TextEcho {
    pub format: TextFormat,
}

#[derive(Debug, Clone, Serialize)]
pub struct ToolEcho {
    #[serde(rename = "type")]
    pub kind: &'static str,
    #[serde(flatten)]
    pub function: FunctionTool,
}

impl Default for Echo {
    fn default() -> Self {
        Echo {
            instructions: None,
            max_output_tokens: None,
            parallel_tool_calls: true,
            previous_response_id: None,
            reasoning: ReasoningEcho {
                effort: None,
                summary: None,
            },
            store: false,
            temperature: None,
            top_p: None,
            text: TextEcho {
                format: TextFormat::Text,
            },
            tool_choice: ToolChoice::Mode("auto".into()),
            tools: Vec::new(),
            truncation: "disabled",
            metadata: serde_json::Map::new(),
        }
    }
}

impl Echo {
    pub fn of(request: &ResponsesRequest) -> Echo {
        let tools = request
            .tools
            .iter()
            .flatten()
            .filter_map(|tool| match tool {
                Tool::Function(function) => Some(ToolEcho {
                    kind: "function",
                    function: function.clone(),
                }),
                Tool::Hosted(_) => None,
            })
            .collect();
        Echo {
            instructions: request.instructions.clone(),
            max_output_tokens: request.max_output_tokens,
            parallel_tool_calls: request.parallel_tool_calls.unwrap_or(true),
            reasoning: ReasoningEcho {
                effort: request.reasoning.as_ref().and_then(|r| r.effort.clone()),
                summary: None,
            },
            temperature: request.temperature,
            top_p: request.top_p,
            text: TextEcho {
                format: request
                    .text
                    .as_ref()
                    .and_then(|t| t.format.clone())
                    .unwrap_or(TextFormat::Text),
            },
            tool_choice: request
                .tool_choice
                .clone()
                .unwrap_or_else(|| ToolChoice::Mode("auto".into())),
            tools,
            ..Echo::default()
        }
    }
}

/// One output item.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum OutputItem {
    Reasoning {
        id: String,
        summary: Vec<SummaryText>,
        #[serde(skip_serializing_if = "Option::is_none")]
        encrypted_content: Option<String>,
    },
    Message {
        id: String,
        status: &'static str,
        role: &'static str,
        content: Vec<OutputContent>,
    },
    FunctionCall {
        id: String,
        status: &'static str,
        call_id: String,
        name: String,
        arguments: String,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SummaryText {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub text: String,
}

impl SummaryText {
    pub fn new(text: String) -> Self {
        SummaryText {
            kind: "summary_text",
            text,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum OutputContent {
    OutputText {
        text: String,
        annotations: Vec<Value>,
        logprobs: Vec<Value>,
    },
    Refusal {
        refusal: String,
    },
}

impl OutputContent {
    pub fn text(text: String) -> Self {
        OutputContent::OutputText {
            text,
            annotations: Vec::new(),
            logprobs: Vec::new(),
        }
    }
}

/// `usage` of a `response`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ResponseUsage {
    pub input_tokens: i64,
    pub input_tokens_details: InputDetails,
    pub output_tokens: i64,
    pub output_tokens_details: OutputDetails,
    pub total_tokens: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct InputDetails {
    pub cached_tokens: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct OutputDetails {
    pub reasoning_tokens: i64,
}

impl From<Usage> for ResponseUsage {
    fn from(usage: Usage) -> Self {
        ResponseUsage {
            input_tokens: usage.prompt_tokens,
            input_tokens_details: InputDetails {
                cached_tokens: usage.cached(),
            },
            output_tokens: usage.completion_tokens,
            output_tokens_details: OutputDetails {
                reasoning_tokens: usage.reasoning(),
            },
            total_tokens: usage.total(),
        }
    }
}

/// `status` and `incomplete_details` for a chat `finish_reason`.
pub fn outcome(finish_reason: Option<&str>) -> (&'static str, Option<IncompleteDetails>) {
    let incomplete = |reason| ("incomplete", Some(IncompleteDetails { reason }));
    match finish_reason {
        Some("length") => incomplete("max_output_tokens"),
        Some("content_filter") => incomplete("content_filter"),
        _ => ("completed", None),
    }
}
