//! `chat.completion` -> `response` object (a pure function on typed structs). Signed
//! Anthropic thinking (`thinking_blocks`) becomes one reasoning item per block, its
//! signature in `encrypted_content` so the client can send it back; plain
//! `reasoning_content` becomes one reasoning item without it.

use super::chat::{ChatAnswer, ChatCompletion, ThinkingBlock};
use super::object::{Echo, OutputContent, OutputItem, ResponseObject, SummaryText, outcome};
use super::to_chat::REDACTED_PREFIX;
use crate::error::GatewayError;

/// See the module doc.
pub fn translate(chat: ChatCompletion, echo: Echo) -> Result<ResponseObject, GatewayError> {
    let Some(choice) = chat.choices.into_iter().next() else {
        return Err(GatewayError::BadGateway(
            "the upstream's chat answer has no choices".into(),
        ));
    };
    let base = chat.id.unwrap_or_else(crate::accounts::request_id);
    let (status, incomplete_details) = outcome(choice.finish_reason.as_deref());
    Ok(ResponseObject {
        id: format!("resp_{base}"),
        object: "response",
        created_at: chat
            .created
            .unwrap_or_else(|| chrono::Utc::now().timestamp()),
        status,
        error: None,
        incomplete_details,
        model: chat.model.unwrap_or_default(),
        output: output(&base, choice.message),
        usage: chat.usage.map(Into::into),
        echo,
    })
}

fn output(base: &str, message: ChatAnswer) -> Vec<OutputItem> {
    let mut items = Vec::new();
    match message.thinking_blocks.filter(|b| !b.is_empty()) {
        Some(blocks) => {
            for (n, block) in blocks.into_iter().enumerate() {
                items.push(reasoning_item(&reasoning_id(base, n), block));
            }
        }
        None => {
            if let Some(text) = message.reasoning_content.filter(|t| !t.is_empty()) {
                items.push(OutputItem::Reasoning {
                    id: reasoning_id(base, 0),
                    summary: vec![SummaryText::new(text)],
                    encrypted_content: None,
                });
            }
        }
    }
    let content = match (message.content.filter(|c| !c.is_empty()), message.refusal) {
        (Some(text), _) => Some(OutputContent::text(text)),
        (None, Some(refusal)) => Some(OutputContent::Refusal { refusal }),
        (None, None) => None,
    };
    if let Some(content) = content {
        items.push(OutputItem::Message {
            id: message_id(base),
            status: "completed",
            role: "assistant",
            content: vec![content],
        });
    }
    for call in message.tool_calls.into_iter().flatten() {
        items.push(OutputItem::FunctionCall {
            id: call_item_id(&call.id),
            status: "completed",
            call_id: call.id,
            name: call.function.name,
            arguments: call.function.arguments,
        });
    }
    items
}

/// A reasoning item carrying one signed block (see the module doc).
pub fn reasoning_item(id: &str, block: ThinkingBlock) -> OutputItem {
    let (summary, sealed) = match block {
        ThinkingBlock::Thinking {
            thinking,
            signature,
        } => (vec![SummaryText::new(thinking)], signature),
        ThinkingBlock::RedactedThinking { data } => {
            (Vec::new(), format!("{REDACTED_PREFIX}{data}"))
        }
    };
    OutputItem::Reasoning {
        id: id.to_string(),
        summary,
        encrypted_content: Some(sealed).filter(|s| !s.is_empty()),
    }
}

pub fn reasoning_id(base: &str, n: usize) -> String {
    format!("rs_{base}_{n}")
}

pub fn message_id(base: &str) -> String {
    format!("msg_{base}")
}

pub fn call_item_id(call_id: &str) -> String {
    format!("fc_{call_id}")
}
