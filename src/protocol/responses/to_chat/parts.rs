//! Content parts, tools, tool choice and output format of a Responses request as
//! Chat Completions has them.

use serde_json::{Value, json};

use crate::error::GatewayError;
use crate::protocol::responses::chat::{ChatContent, ChatPart, ChatTool, ImageUrl};
use crate::protocol::responses::request::{ContentPart, TextFormat, Tool, ToolChoice};

fn unsupported_part(i: usize, j: usize, what: &str) -> GatewayError {
    GatewayError::bad_param(
        &format!("input[{i}].content[{j}]"),
        format!("input[{i}].content[{j}]: {what}"),
    )
}

/// Assistant text: output text and refusals joined.
pub(super) fn assistant_text(i: usize, parts: &[ContentPart]) -> Result<String, GatewayError> {
    let mut text = String::new();
    for (j, part) in parts.iter().enumerate() {
        match part {
            ContentPart::InputText { text: piece } | ContentPart::OutputText { text: piece } => {
                text.push_str(piece);
            }
            ContentPart::Refusal { refusal } => text.push_str(refusal),
            _ => return Err(unsupported_part(i, j, "assistant messages carry text only")),
        }
    }
    Ok(text)
}

/// User or system content: a string when it is all text, else text and image parts.
pub(super) fn user_content(
    i: usize,
    parts: &[ContentPart],
    images: bool,
) -> Result<ChatContent, GatewayError> {
    let mut out = Vec::with_capacity(parts.len());
    for (j, part) in parts.iter().enumerate() {
        out.push(match part {
            ContentPart::InputText { text } | ContentPart::OutputText { text } => {
                ChatPart::Text { text: text.clone() }
            }
            ContentPart::InputImage {
                image_url: Some(url),
                detail,
                ..
            } if images => ChatPart::ImageUrl {
                image_url: ImageUrl {
                    url: url.clone(),
                    detail: detail.clone(),
                },
            },
            ContentPart::InputImage { file_id: Some(_), .. } => {
                return Err(unsupported_part(i, j, "images by `file_id` need OpenAI's file storage; send `image_url` (an https or data URL)"));
            }
            _ => {
                return Err(unsupported_part(
                    i,
                    j,
                    "only input_text parts (and input_image with an image_url in user messages) are translated",
                ));
            }
        });
    }
    if out.iter().all(|p| matches!(p, ChatPart::Text { .. })) {
        let text = out
            .into_iter()
            .filter_map(|p| match p {
                ChatPart::Text { text } => Some(text),
                ChatPart::ImageUrl { .. } => None,
            })
            .collect::<Vec<_>>()
            .join("\n");
        return Ok(ChatContent::Text(text));
    }
    Ok(ChatContent::Parts(out))
}

/// A function call output as the tool message's text.
pub(super) fn tool_output(i: usize, parts: &[ContentPart]) -> Result<String, GatewayError> {
    let mut texts = Vec::with_capacity(parts.len());
    for (j, part) in parts.iter().enumerate() {
        match part {
            ContentPart::InputText { text } | ContentPart::OutputText { text } => {
                texts.push(text.as_str());
            }
            _ => {
                return Err(GatewayError::bad_param(
                    &format!("input[{i}].output[{j}]"),
                    format!("input[{i}].output[{j}]: chat tool results carry text only"),
                ));
            }
        }
    }
    Ok(texts.join("\n"))
}

pub(super) fn tools(tools: Option<&[Tool]>) -> Result<Option<Vec<ChatTool>>, GatewayError> {
    let Some(tools) = tools.filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let mut out = Vec::with_capacity(tools.len());
    for (j, tool) in tools.iter().enumerate() {
        match tool {
            Tool::Function(function) => out.push(ChatTool {
                kind: "function",
                function: function.clone(),
            }),
            Tool::Hosted(kind) => {
                return Err(GatewayError::bad_param(
                    &format!("tools[{j}].type"),
                    format!(
                        "tools[{j}] is the built-in tool `{kind}`, which this provider cannot run; \
                         only function tools are translated"
                    ),
                ));
            }
        }
    }
    Ok(Some(out))
}

pub(super) fn tool_choice(choice: &ToolChoice) -> Result<Value, GatewayError> {
    match choice {
        ToolChoice::Mode(mode) if matches!(mode.as_str(), "auto" | "none" | "required") => {
            Ok(json!(mode))
        }
        ToolChoice::Object {
            kind,
            name: Some(name),
        } if kind == "function" => Ok(json!({"type": "function", "function": {"name": name}})),
        _ => Err(GatewayError::bad_param(
            "tool_choice",
            "tool_choice must be \"auto\", \"none\", \"required\" or {\"type\": \"function\", \"name\": ...}; built-in tools are not translated",
        )),
    }
}

pub(super) fn response_format(format: &TextFormat) -> Option<Value> {
    match format {
        TextFormat::Text => None,
        TextFormat::JsonObject => Some(json!({"type": "json_object"})),
        TextFormat::JsonSchema {
            name,
            schema,
            description,
            strict,
        } => {
            let mut spec = json!({"name": name, "schema": schema});
            if let Some(description) = description {
                spec["description"] = json!(description);
            }
            if let Some(strict) = strict {
                spec["strict"] = json!(strict);
            }
            Some(json!({"type": "json_schema", "json_schema": spec}))
        }
    }
}
