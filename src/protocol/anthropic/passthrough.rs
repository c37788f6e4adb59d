//! Anthropic upstream -> Anthropic client stream: every event forwarded byte for byte
//! while usage (message_start, message_delta) and text deltas are counted.

use bytes::Bytes;
use serde::Deserialize;

use super::{AnthropicUsage, error_body};
use crate::protocol::openai::Usage;
use crate::protocol::sse::SseEvent;
use crate::protocol::{StreamTranslate, named_frame};

#[derive(Deserialize)]
struct Event {
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    message: Option<MessageStart>,
    #[serde(default)]
    usage: Option<AnthropicUsage>,
    #[serde(default)]
    delta: Option<Delta>,
    #[serde(default)]
    error: Option<ErrorDetail>,
}

#[derive(Deserialize)]
struct MessageStart {
    #[serde(default)]
    usage: Option<AnthropicUsage>,
}

#[derive(Deserialize)]
struct Delta {
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    thinking: Option<String>,
    #[serde(default)]
    partial_json: Option<String>,
}

#[derive(Deserialize)]
struct ErrorDetail {
    #[serde(default)]
    message: String,
}

/// See the module doc.
#[derive(Debug, Default)]
pub struct AnthropicPassthrough {
    usage: Option<AnthropicUsage>,
    /// `message_delta` brought the final output count; until then usage is partial.
    final_usage: bool,
    text_chars: usize,
    error: Option<String>,
    /// `message_stop` was seen.
    stopped: bool,
}

impl StreamTranslate for AnthropicPassthrough {
    fn event(&mut self, event: SseEvent) -> Vec<Bytes> {
        if let Ok(parsed) = serde_json::from_str::<Event>(&event.data) {
            let reported = parsed.message.and_then(|m| m.usage).or(parsed.usage);
            if let Some(reported) = reported {
                self.usage
                    .get_or_insert_with(AnthropicUsage::default)
                    .merge(reported);
            }
            if let Some(delta) = parsed.delta {
                let len = |t: &Option<String>| t.as_ref().map_or(0, |t| t.chars().count());
                self.text_chars +=
                    len(&delta.text) + len(&delta.thinking) + len(&delta.partial_json);
            }
            if parsed.kind == "message_delta" && parsed.usage.is_some() {
                self.final_usage = true;
            }
            self.stopped |= parsed.kind == "message_stop";
            if parsed.kind == "error" {
                self.error = Some(parsed.error.map(|e| e.message).unwrap_or_default());
            }
        }
        vec![event.raw]
    }

    fn finish(&mut self) -> Vec<Bytes> {
        Vec::new()
    }

    fn error_frame(&self, message: &str, kind: &str) -> Bytes {
        named_frame("error", &error_body(kind, message))
    }

    /// See [`super::stream_usage`]: `message_start` reports just 1 output token, so a
    /// stream cut before `message_delta` gets its output estimated.
    fn usage(&self) -> Option<Usage> {
        super::stream_usage(self.usage, self.final_usage, self.text_chars).map(|(u, _)| u)
    }

    fn usage_estimated(&self) -> bool {
        super::stream_usage(self.usage, self.final_usage, self.text_chars).is_some_and(|(_, e)| e)
    }

    fn text_chars(&self) -> usize {
        self.text_chars
    }

    fn upstream_error(&self) -> Option<String> {
        self.error.clone()
    }

    fn completed(&self) -> bool {
        self.stopped
    }
}
