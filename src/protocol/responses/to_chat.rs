//! Responses request -> Chat Completions request (a pure function on the typed
//! request). What cannot be translated is a 400 naming the field.

mod parts;

use parts::{assistant_text, response_format, tool_choice, tool_output, tools, user_content};

use super::chat::{
    ChatContent, ChatFunction, ChatMessage, ChatRequest, ChatToolCall, StreamOptions, ThinkingBlock,
};
use super::request::{FunctionCall, Input, InputItem, ReasoningItem, ResponsesRequest, Role};
use crate::error::GatewayError;

/// Prefix of a reasoning item's `encrypted_content` that carries a redacted block.
pub const REDACTED_PREFIX: &str = "redacted_thinking:";

/// What the upstream behind the chat request keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// An OpenAI-compatible server: reasoning items are dropped (it takes none).
    Chat,
    /// The Anthropic translator: signed reasoning goes back as `thinking_blocks`.
    Anthropic,
}

/// The 400 for state the gateway does not keep.
fn stateless(field: &str) -> GatewayError {
    GatewayError::bad_param(
        field,
        format!(
            "`{field}` needs responses stored by the server, but this provider's Responses API is \
             translated by the gateway, which stores nothing: send the whole conversation in `input`"
        ),
    )
}

/// See the module doc.
pub fn translate(
    request: &ResponsesRequest,
    upstream_model: &str,
    target: Target,
) -> Result<ChatRequest, GatewayError> {
    if request.previous_response_id.is_some() {
        return Err(stateless("previous_response_id"));
    }
    if request.conversation.is_some() {
        return Err(stateless("conversation"));
    }
    if request.prompt.is_some() {
        return Err(stateless("prompt"));
    }
    if request.background == Some(true) {
        return Err(stateless("background"));
    }
    let mut builder = Builder {
        target,
        messages: Vec::new(),
        pending_thinking: Vec::new(),
    };
    if let Some(instructions) = request.instructions.as_ref().filter(|i| !i.is_empty()) {
        builder.push(ChatMessage {
            role: "system",
            content: Some(ChatContent::Text(instructions.clone())),
            ..ChatMessage::default()
        });
    }
    match &request.input {
        None => return Err(GatewayError::bad_param("input", "`input` is required")),
        Some(Input::Text(text)) => builder.push(ChatMessage {
            role: "user",
            content: Some(ChatContent::Text(text.clone())),
            ..ChatMessage::default()
        }),
        Some(Input::Items(items)) => {
            for (i, item) in items.iter().enumerate() {
                builder.item(i, item)?;
            }
        }
    }
    if builder.messages.is_empty() {
        return Err(GatewayError::bad_param(
            "input",
            "`input` must hold at least one message",
        ));
    }
    let stream = request.stream.filter(|s| *s);
    Ok(ChatRequest {
        model: upstream_model.to_string(),
        messages: builder.messages,
        tools: tools(request.tools.as_deref())?,
        tool_choice: request.tool_choice.as_ref().map(tool_choice).transpose()?,
        parallel_tool_calls: request.parallel_tool_calls,
        reasoning_effort: request.reasoning.as_ref().and_then(|r| r.effort.clone()),
        max_tokens: request.max_output_tokens,
        response_format: request
            .text
            .as_ref()
            .and_then(|t| t.format.as_ref())
            .and_then(response_format),
        temperature: request.temperature,
        top_p: request.top_p,
        stream,
        stream_options: stream.map(|_| StreamOptions {
            include_usage: true,
        }),
        user: request
            .safety_identifier
            .clone()
            .or_else(|| request.user.clone()),
    })
}

struct Builder {
    target: Target,
    messages: Vec<ChatMessage>,
    /// Signed reasoning waiting for the assistant message it belongs to.
    pending_thinking: Vec<ThinkingBlock>,
}

impl Builder {
    fn push(&mut self, message: ChatMessage) {
        self.messages.push(message);
    }

    /// The assistant message items add to: the last one, unless something else
    /// came after it.
    fn assistant(&mut self) -> &mut ChatMessage {
        if self.messages.last().is_none_or(|m| m.role != "assistant") {
            self.messages.push(ChatMessage {
                role: "assistant",
                ..ChatMessage::default()
            });
        }
        let thinking = std::mem::take(&mut self.pending_thinking);
        let index = self.messages.len() - 1;
        let message = &mut self.messages[index];
        message.thinking_blocks.extend(thinking);
        message
    }

    fn item(&mut self, i: usize, item: &InputItem) -> Result<(), GatewayError> {
        match item {
            InputItem::Message(message) if message.role == Role::Assistant => {
                let text = assistant_text(i, &message.content)?;
                let turn = self.assistant();
                if turn.content.is_some() || !turn.tool_calls.is_empty() {
                    self.push(ChatMessage {
                        role: "assistant",
                        content: Some(ChatContent::Text(text)),
                        ..ChatMessage::default()
                    });
                } else {
                    turn.content = Some(ChatContent::Text(text));
                }
            }
            InputItem::Message(message) => {
                let role = if message.role == Role::User {
                    "user"
                } else {
                    "system"
                };
                let content = user_content(i, &message.content, role == "user")?;
                self.push(ChatMessage {
                    role,
                    content: Some(content),
                    ..ChatMessage::default()
                });
            }
            InputItem::FunctionCall(call) => self.assistant().tool_calls.push(tool_call(call)),
            InputItem::FunctionCallOutput(output) => {
                let text = tool_output(i, &output.output)?;
                self.push(ChatMessage {
                    role: "tool",
                    content: Some(ChatContent::Text(text)),
                    tool_call_id: Some(output.call_id.clone()),
                    ..ChatMessage::default()
                });
            }
            InputItem::Reasoning(reasoning) => {
                if self.target == Target::Anthropic
                    && let Some(block) = thinking_block(reasoning)
                {
                    self.pending_thinking.push(block);
                }
            }
            InputItem::Reference => return Err(stateless(&format!("input[{i}]"))),
            InputItem::Other(kind) => {
                return Err(GatewayError::bad_param(
                    &format!("input[{i}].type"),
                    format!(
                        "input[{i}] is a `{kind}` item, which only OpenAI's servers run; the \
                         gateway translates messages, function calls, their outputs and reasoning"
                    ),
                ));
            }
        }
        Ok(())
    }
}

fn tool_call(call: &FunctionCall) -> ChatToolCall {
    ChatToolCall {
        id: call.call_id.clone(),
        kind: "function".into(),
        function: ChatFunction {
            name: call.name.clone(),
            arguments: call.arguments.clone(),
        },
    }
}

/// A reasoning item the gateway produced from signed Anthropic thinking (see
/// `from_chat`): the summary text with its signature in `encrypted_content`.
fn thinking_block(reasoning: &ReasoningItem) -> Option<ThinkingBlock> {
    let sealed = reasoning.encrypted_content.as_ref()?;
    if let Some(data) = sealed.strip_prefix(REDACTED_PREFIX) {
        return Some(ThinkingBlock::RedactedThinking { data: data.into() });
    }
    let parts = reasoning.content.as_deref().unwrap_or(&reasoning.summary);
    let thinking = parts.iter().map(|p| p.text.as_str()).collect();
    Some(ThinkingBlock::Thinking {
        thinking,
        signature: sealed.clone(),
    })
}
