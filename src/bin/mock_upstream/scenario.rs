//! The optional per-request `mock` object that picks a scenario, and its validation.

use serde::{Deserialize, Serialize};

pub const DEFAULT_CHUNKS: usize = 5;
const MAX_CHUNKS: usize = 100_000;
const MAX_TOOL_CALLS: usize = 64;

/// Every field is optional; unknown fields are rejected so a typo in a test fails loudly.
#[derive(Debug, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct Scenario {
    /// Sleep before the response head is sent.
    pub first_byte_delay_ms: u64,
    /// Sleep between two stream events.
    pub chunk_delay_ms: u64,
    /// Number of content words in the answer.
    pub chunks: usize,
    /// Drop the connection after this many stream events (no [DONE], no final events).
    pub cut_after: Option<usize>,
    /// End the body cleanly after this many stream events, without the protocol's own
    /// end ([DONE], finish_reason, message_stop).
    pub end_after: Option<usize>,
    /// Answer with this HTTP error status (400..=599) and an error body.
    pub status: Option<u16>,
    pub error_message: Option<String>,
    pub error_type: Option<String>,
    /// `Retry-After` seconds sent with the error status (429 sends 1 unless set).
    pub retry_after: Option<u64>,
    /// Reset the connection (TCP RST) after reading the request, sending nothing.
    pub reset: bool,
    /// Answer a non-stream request with a stream anyway (usage included).
    pub sse_for_non_stream: bool,
    /// `false` omits usage everywhere.
    pub usage: bool,
    /// Answer with this many parallel tool calls instead of text.
    pub tool_calls: usize,
    /// Put reasoning (OpenAI) or a thinking block (Anthropic) before the answer.
    pub reasoning: bool,
    /// Return the raw request body as the (non-stream) response body.
    pub echo: bool,
    pub cache_read_tokens: u64,
    pub cache_creation_tokens: u64,
    /// Anthropic streams: an `error` event after this many events, then the end.
    pub stream_error: Option<usize>,
}

impl Default for Scenario {
    fn default() -> Self {
        Self {
            first_byte_delay_ms: 0,
            chunk_delay_ms: 0,
            chunks: DEFAULT_CHUNKS,
            cut_after: None,
            end_after: None,
            status: None,
            error_message: None,
            error_type: None,
            retry_after: None,
            reset: false,
            sse_for_non_stream: false,
            usage: true,
            tool_calls: 0,
            reasoning: false,
            echo: false,
            cache_read_tokens: 0,
            cache_creation_tokens: 0,
            stream_error: None,
        }
    }
}

impl Scenario {
    /// Checks the bounds that keep one request from exhausting the mock.
    pub fn validate(&self) -> Result<(), String> {
        if self.chunks > MAX_CHUNKS {
            return Err(format!("mock.chunks must be at most {MAX_CHUNKS}"));
        }
        if self.tool_calls > MAX_TOOL_CALLS {
            return Err(format!("mock.tool_calls must be at most {MAX_TOOL_CALLS}"));
        }
        match self.status {
            Some(status) if !(400..=599).contains(&status) => Err(format!(
                "mock.status must be within 400..=599, got {status}"
            )),
            _ => Ok(()),
        }
    }

    pub fn error_message(&self) -> &str {
        self.error_message.as_deref().unwrap_or("mock error")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<Scenario, String> {
        serde_json::from_str(json).map_err(|err| err.to_string())
    }

    #[test]
    fn empty_object_is_the_default() {
        assert_eq!(parse("{}"), Ok(Scenario::default()));
        let default = Scenario::default();
        assert!(default.usage);
        assert_eq!(default.chunks, DEFAULT_CHUNKS);
    }

    #[test]
    fn reads_every_field() {
        let scenario = parse(
            r#"{"first_byte_delay_ms":10,"chunk_delay_ms":5,"chunks":3,"cut_after":2,"end_after":3,
                "status":429,"error_message":"slow down","error_type":"rate_limit_error",
                "retry_after":3,"reset":true,
                "sse_for_non_stream":true,"usage":false,"tool_calls":2,"reasoning":true,
                "echo":true,"cache_read_tokens":7,"cache_creation_tokens":9,"stream_error":4}"#,
        );
        let expected = Scenario {
            first_byte_delay_ms: 10,
            chunk_delay_ms: 5,
            chunks: 3,
            cut_after: Some(2),
            end_after: Some(3),
            status: Some(429),
            error_message: Some("slow down".into()),
            error_type: Some("rate_limit_error".into()),
            retry_after: Some(3),
            reset: true,
            sse_for_non_stream: true,
            usage: false,
            tool_calls: 2,
            reasoning: true,
            echo: true,
            cache_read_tokens: 7,
            cache_creation_tokens: 9,
            stream_error: Some(4),
        };
        assert_eq!(scenario, Ok(expected));
    }

    #[test]
    fn rejects_unknown_fields_and_bad_types() {
        assert!(parse(r#"{"cut_afer":2}"#).is_err());
        assert!(parse(r#"{"chunks":"many"}"#).is_err());
    }

    #[test]
    fn validates_bounds() {
        let with = |json| parse(json).and_then(|scenario| scenario.validate());
        assert_eq!(with(r#"{"status":503}"#), Ok(()));
        assert!(with(r#"{"status":200}"#).is_err());
        assert!(with(r#"{"chunks":100001}"#).is_err());
        assert!(with(r#"{"tool_calls":65}"#).is_err());
    }
}
