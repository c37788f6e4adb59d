//! The request-body fields the mock reads, and the per-call context handed to handlers.

use std::borrow::Cow;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::Value;

use crate::listener::CutSwitch;
use crate::scenario::Scenario;
use crate::script::Script;

/// Only what some endpoint needs; every other field is skipped without allocating.
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct Payload<'a> {
    #[serde(borrow)]
    pub model: Cow<'a, str>,
    pub stream: Option<bool>,
    pub stream_options: Option<StreamOptions>,
    pub mock: Scenario,
    /// Embeddings and Responses API input.
    pub input: Option<Value>,
    /// Rerank documents; only their number matters.
    pub documents: Option<Vec<IgnoredAny>>,
    pub top_n: Option<usize>,
    /// Number of images.
    pub n: Option<usize>,
    /// Required by the Anthropic Messages API.
    pub max_tokens: Option<u64>,
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct StreamOptions {
    pub include_usage: Option<bool>,
}

impl Payload<'_> {
    pub fn is_stream(&self) -> bool {
        self.stream == Some(true)
    }

    pub fn include_usage(&self) -> bool {
        self.stream_options
            .as_ref()
            .and_then(|options| options.include_usage)
            .unwrap_or(false)
    }
}

/// Everything a handler needs to build one answer.
pub struct Ctx<'a> {
    pub req: &'a Payload<'a>,
    pub script: Script,
    /// Unix seconds.
    pub created: u64,
    /// Set when the scenario cuts the connection.
    pub cut_switch: Option<CutSwitch>,
    serial: u64,
}

impl<'a> Ctx<'a> {
    pub fn new(
        req: &'a Payload<'a>,
        body_len: usize,
        serial: u64,
        cut_switch: Option<CutSwitch>,
    ) -> Self {
        let created = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_secs());
        Self {
            req,
            script: Script::new(&req.mock, body_len),
            created,
            cut_switch,
            serial,
        }
    }

    pub fn scenario(&self) -> &Scenario {
        &self.req.mock
    }

    pub fn model(&self) -> &str {
        &self.req.model
    }

    /// A per-process unique id with the given prefix, such as `chatcmpl-`.
    pub fn id(&self, prefix: &str) -> String {
        format!("{prefix}mock{:016x}", self.serial)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_fields_it_needs_and_skips_the_rest() {
        let body = r#"{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],
            "stream":true,"stream_options":{"include_usage":true},"mock":{"chunks":2},
            "documents":["a",{"text":"b"}]}"#;
        let payload: Result<Payload, _> = serde_json::from_str(body);
        let Ok(payload) = payload else {
            panic!("payload should parse");
        };
        assert_eq!(payload.model, "gpt-4o");
        assert!(payload.is_stream() && payload.include_usage());
        assert_eq!(payload.mock.chunks, 2);
        assert_eq!(payload.documents.map(|docs| docs.len()), Some(2));
    }

    #[test]
    fn stream_null_and_missing_options_mean_false() {
        let payload: Result<Payload, _> = serde_json::from_str(r#"{"stream":null}"#);
        assert!(payload.is_ok_and(|p| !p.is_stream() && !p.include_usage()));
    }
}
