//! Anthropic Messages wire views: usage (with cache tokens) from a message or its
//! stream events, the Anthropic error shape, and the passthrough stream observer.

pub mod aggregate;
mod error;
pub mod from_openai;
mod passthrough;

use serde::Deserialize;

pub use error::{AnthropicErrorBody, error_body, error_type};
pub use passthrough::AnthropicPassthrough;

use super::openai::{PromptDetails, Usage};

/// `usage` of a Messages answer or stream event.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
pub struct AnthropicUsage {
    #[serde(default)]
    pub input_tokens: i64,
    #[serde(default)]
    pub output_tokens: i64,
    #[serde(default)]
    pub cache_read_input_tokens: Option<i64>,
    #[serde(default)]
    pub cache_creation_input_tokens: Option<i64>,
}

impl AnthropicUsage {
    /// As the log counts it: prompt = input + cache read + cache creation; cached =
    /// cache read.
    pub fn to_usage(self) -> Usage {
        let cache_read = self.cache_read_input_tokens.unwrap_or(0);
        let cache_creation = self.cache_creation_input_tokens.unwrap_or(0);
        let prompt = self
            .input_tokens
            .saturating_add(cache_read)
            .saturating_add(cache_creation);
        Usage {
            prompt_tokens: prompt,
            completion_tokens: self.output_tokens,
            total_tokens: prompt.saturating_add(self.output_tokens),
            prompt_tokens_details: Some(PromptDetails {
                cached_tokens: cache_read,
            }),
            completion_tokens_details: None,
            cache_creation_tokens: cache_creation,
        }
    }

    /// Later stream counts replace earlier ones field by field (message_delta carries
    /// the final output count, sometimes input counts too).
    pub fn merge(&mut self, later: AnthropicUsage) {
        if later.input_tokens > 0 {
            self.input_tokens = later.input_tokens;
        }
        if later.output_tokens > 0 {
            self.output_tokens = later.output_tokens;
        }
        if later.cache_read_input_tokens.is_some() {
            self.cache_read_input_tokens = later.cache_read_input_tokens;
        }
        if later.cache_creation_input_tokens.is_some() {
            self.cache_creation_input_tokens = later.cache_creation_input_tokens;
        }
    }
}

/// The usage of a stream that may have been cut: the final count once `message_delta`
/// brought it; before that the input and cache counts of `message_start` with the
/// output estimated from the text seen (4 characters a token). Returns the usage and
/// whether it is estimated.
pub fn stream_usage(
    seen: Option<AnthropicUsage>,
    final_count: bool,
    text_chars: usize,
) -> Option<(Usage, bool)> {
    let mut usage = seen?;
    if final_count {
        return Some((usage.to_usage(), false));
    }
    let estimate = crate::protocol::openai::estimate_tokens(text_chars);
    usage.output_tokens = usage.output_tokens.max(estimate);
    Some((usage.to_usage(), true))
}

#[derive(Deserialize)]
struct WithUsage {
    #[serde(default)]
    usage: Option<AnthropicUsage>,
}

/// The usage of a Messages answer body.
pub fn usage_of(body: &[u8]) -> Option<Usage> {
    serde_json::from_slice::<WithUsage>(body)
        .ok()?
        .usage
        .map(AnthropicUsage::to_usage)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_tokens_count_as_prompt_and_cached() {
        let body = br#"{"usage":{"input_tokens":10,"output_tokens":7,"cache_read_input_tokens":100,"cache_creation_input_tokens":20}}"#;
        let usage = usage_of(body).unwrap_or_default();
        assert_eq!(
            (usage.prompt_tokens, usage.completion_tokens, usage.total()),
            (130, 7, 137)
        );
        assert_eq!((usage.cached(), usage.cache_creation_tokens), (100, 20));
    }
}
