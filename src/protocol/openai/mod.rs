//! OpenAI wire views: the few request fields the relay reads (`model`, `stream`,
//! `stream_options.include_usage`) and the usage of any OpenAI-style answer (chat,
//! completions, embeddings, responses, rerank). Everything else stays raw bytes.

pub mod from_anthropic;
mod observed;
mod passthrough;
mod thinking;

pub use observed::{Observed, usage_of};
pub use passthrough::{OpenAiPassthrough, openai_error_frame};
pub use thinking::ThinkingBlock;

use serde::Deserialize;

/// What the relay needs to know about a request body.
#[derive(Debug, Clone, Deserialize)]
pub struct RequestView {
    pub model: String,
    #[serde(default, deserialize_with = "null_as_false")]
    pub stream: bool,
    #[serde(default)]
    pub stream_options: Option<StreamOptions>,
    /// The completion limit, for the billing reservation (Anthropic: `max_tokens`).
    #[serde(default)]
    pub max_tokens: Option<serde_json::Value>,
    /// OpenAI's newer name for the limit; wins over `max_tokens` when both are set.
    #[serde(default)]
    pub max_completion_tokens: Option<serde_json::Value>,
    /// The Responses API's name for the limit.
    #[serde(default)]
    pub max_output_tokens: Option<serde_json::Value>,
    /// Sampling parameters, for traces.
    #[serde(default)]
    pub temperature: Option<serde_json::Value>,
    #[serde(default)]
    pub top_p: Option<serde_json::Value>,
}

/// `stream_options` of a chat or completions request.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct StreamOptions {
    #[serde(default, deserialize_with = "null_as_false")]
    pub include_usage: bool,
}

impl RequestView {
    /// The completion limit, if the client set a usable one.
    pub fn completion_limit(&self) -> Option<i64> {
        let limit = |v: &Option<serde_json::Value>| v.as_ref().and_then(serde_json::Value::as_i64);
        limit(&self.max_completion_tokens)
            .or_else(|| limit(&self.max_output_tokens))
            .or_else(|| limit(&self.max_tokens))
    }

    /// Whether the client itself asked for the final usage chunk.
    pub fn wants_usage(&self) -> bool {
        self.stream_options
            .as_ref()
            .is_some_and(|o| o.include_usage)
    }
}

fn null_as_false<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    Ok(Option::<bool>::deserialize(deserializer)?.unwrap_or(false))
}

/// Token counts, read from any of the OpenAI usage shapes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
pub struct Usage {
    #[serde(default, alias = "input_tokens")]
    pub prompt_tokens: i64,
    #[serde(default, alias = "output_tokens")]
    pub completion_tokens: i64,
    #[serde(default)]
    pub total_tokens: i64,
    #[serde(default, alias = "input_tokens_details")]
    pub prompt_tokens_details: Option<PromptDetails>,
    #[serde(default, alias = "output_tokens_details")]
    pub completion_tokens_details: Option<CompletionDetails>,
    /// Tokens written to the prompt cache (Anthropic `cache_creation_input_tokens`);
    /// included in `prompt_tokens`.
    #[serde(skip)]
    pub cache_creation_tokens: i64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
pub struct PromptDetails {
    #[serde(default)]
    pub cached_tokens: i64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
pub struct CompletionDetails {
    #[serde(default)]
    pub reasoning_tokens: i64,
}

impl Usage {
    pub fn cached(&self) -> i64 {
        self.prompt_tokens_details.map_or(0, |d| d.cached_tokens)
    }

    pub fn reasoning(&self) -> i64 {
        self.completion_tokens_details
            .map_or(0, |d| d.reasoning_tokens)
    }

    /// Total as reported, or prompt + completion when the upstream left it out.
    pub fn total(&self) -> i64 {
        if self.total_tokens > 0 {
            self.total_tokens
        } else {
            self.prompt_tokens.saturating_add(self.completion_tokens)
        }
    }
}

/// A rough token count for text when the upstream reported none: 4 bytes a token.
pub fn estimate_tokens(bytes_or_chars: usize) -> i64 {
    i64::try_from(bytes_or_chars.div_ceil(4)).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_usage_shape() {
        let chat = br#"{"usage":{"prompt_tokens":10,"completion_tokens":5,"total_tokens":15,
            "prompt_tokens_details":{"cached_tokens":4},"completion_tokens_details":{"reasoning_tokens":2}}}"#;
        let usage = usage_of(chat).unwrap_or_default();
        assert_eq!(
            (usage.prompt_tokens, usage.completion_tokens, usage.total()),
            (10, 5, 15)
        );
        assert_eq!((usage.cached(), usage.reasoning()), (4, 2));
        let responses = br#"{"type":"response.completed","response":{"usage":{"input_tokens":7,"output_tokens":3,
            "input_tokens_details":{"cached_tokens":1},"output_tokens_details":{"reasoning_tokens":1}}}}"#;
        let usage = usage_of(responses).unwrap_or_default();
        assert_eq!(
            (
                usage.prompt_tokens,
                usage.completion_tokens,
                usage.total(),
                usage.cached()
            ),
            (7, 3, 10, 1)
        );
        let embeddings = br#"{"data":[],"usage":{"prompt_tokens":8,"total_tokens":8}}"#;
        assert_eq!(usage_of(embeddings).map(|u| u.total()), Some(8));
        assert_eq!(usage_of(br#"{"choices":[]}"#), None);
        assert_eq!(usage_of(b"not json"), None);
    }

    #[test]
    fn text_estimate_is_four_characters_a_token() {
        assert_eq!(estimate_tokens(10), 3);
    }

    #[test]
    fn request_view_reads_stream_flags() -> Result<(), serde_json::Error> {
        let view: RequestView = serde_json::from_slice(br#"{"model":"m","stream":null}"#)?;
        assert!(!view.stream && !view.wants_usage());
        let view: RequestView = serde_json::from_slice(
            br#"{"model":"m","stream":true,"stream_options":{"include_usage":true}}"#,
        )?;
        assert!(view.stream && view.wants_usage());
        assert!(serde_json::from_slice::<RequestView>(br#"{"model":5}"#).is_err());
        let view: RequestView =
            serde_json::from_slice(br#"{"model":"m","max_tokens":10,"max_completion_tokens":20}"#)?;
        assert_eq!(
            view.completion_limit(),
            Some(20),
            "both set: the newer name wins"
        );
        Ok(())
    }
}
