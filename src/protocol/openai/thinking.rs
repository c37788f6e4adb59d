//! The `thinking_blocks` extension of chat messages (LiteLLM's shape, which is
//! Anthropic's): signed thinking that must go back to Anthropic before `tool_use`.

use serde::{Deserialize, Serialize};

/// One signed block; serialized it is exactly Anthropic's content block.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ThinkingBlock {
    Thinking { thinking: String, signature: String },
    RedactedThinking { data: String },
}

impl ThinkingBlock {
    /// Anthropic refuses thinking without a signature (reasoning of another model).
    pub fn is_signed(&self) -> bool {
        match self {
            ThinkingBlock::Thinking { signature, .. } => !signature.is_empty(),
            ThinkingBlock::RedactedThinking { .. } => true,
        }
    }
}
