//! What the relay reads from an OpenAI-style answer body or stream event: its usage,
//! and how much generated text it carries, to estimate usage when none arrives.

use serde::Deserialize;

use super::Usage;

/// What the relay reads from an answer body or one stream event: usage, and how much
/// text it carries (to estimate usage when a stream is cut before it): content,
/// reasoning, tool-call names and arguments, and Responses API text deltas.
#[derive(Debug, Default, Deserialize)]
pub struct Observed {
    #[serde(default)]
    usage: Option<Usage>,
    /// Responses API stream events carry it in `response.usage`.
    #[serde(default)]
    response: Option<Box<Observed>>,
    #[serde(default)]
    choices: Option<Vec<ChoiceText>>,
    /// Responses API `*.delta` events: text, reasoning or function-call arguments.
    #[serde(default)]
    delta: Option<EventDelta>,
    /// Responses API stream events: `response.completed` and the other terminal ones.
    #[serde(default, rename = "type")]
    kind: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum EventDelta {
    Text(String),
    Other(serde::de::IgnoredAny),
}

#[derive(Debug, Default, Deserialize)]
struct ChoiceText {
    #[serde(default)]
    finish_reason: Option<String>,
    #[serde(default)]
    delta: Option<DeltaText>,
    /// Legacy completions stream the text here.
    #[serde(default)]
    text: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct DeltaText {
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    reasoning_content: Option<String>,
    #[serde(default)]
    tool_calls: Option<Vec<ToolCallDelta>>,
    /// The legacy single function call.
    #[serde(default)]
    function_call: Option<FunctionDelta>,
}

#[derive(Debug, Default, Deserialize)]
struct ToolCallDelta {
    #[serde(default)]
    function: Option<FunctionDelta>,
}

#[derive(Debug, Default, Deserialize)]
struct FunctionDelta {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    arguments: Option<String>,
}

impl FunctionDelta {
    fn chars(&self) -> usize {
        chars(&self.name) + chars(&self.arguments)
    }
}

impl DeltaText {
    fn chars(&self) -> usize {
        let calls = self.tool_calls.iter().flatten();
        chars(&self.content)
            + chars(&self.reasoning_content)
            + calls
                .filter_map(|c| c.function.as_ref())
                .map(FunctionDelta::chars)
                .sum::<usize>()
            + self.function_call.as_ref().map_or(0, FunctionDelta::chars)
    }
}

fn chars(text: &Option<String>) -> usize {
    text.as_ref().map_or(0, |t| t.chars().count())
}

impl Observed {
    /// Parses an answer body or an event's data; `None` for non-JSON (e.g. `[DONE]`).
    pub fn parse(json: &[u8]) -> Option<Observed> {
        serde_json::from_slice(json).ok()
    }

    pub fn usage(&self) -> Option<Usage> {
        self.usage
            .or_else(|| self.response.as_ref().and_then(|r| r.usage))
    }

    /// This event ends an answer: a choice's finish reason, or a terminal Responses
    /// API event.
    pub fn finishes(&self) -> bool {
        let terminal = matches!(
            self.kind.as_deref(),
            Some("response.completed" | "response.incomplete" | "response.failed")
        );
        terminal
            || self
                .choices
                .iter()
                .flatten()
                .any(|choice| choice.finish_reason.is_some())
    }

    /// A chunk with usage and no choices: the chunk `include_usage` adds.
    pub fn is_usage_only(&self) -> bool {
        self.usage.is_some() && self.choices.as_ref().is_some_and(Vec::is_empty)
    }

    /// Characters of generated text (content, reasoning, tool calls) in this chunk.
    pub fn text_chars(&self) -> usize {
        let choices: usize = self
            .choices
            .iter()
            .flatten()
            .map(|choice| chars(&choice.text) + choice.delta.as_ref().map_or(0, DeltaText::chars))
            .sum();
        let event = match &self.delta {
            Some(EventDelta::Text(text)) => text.chars().count(),
            _ => 0,
        };
        choices + event
    }
}

/// The usage in an answer body or a stream event's data, if any.
pub fn usage_of(json: &[u8]) -> Option<Usage> {
    Observed::parse(json)?.usage()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spots_the_usage_only_chunk_and_counts_text() {
        let only = |data: &[u8]| Observed::parse(data).is_some_and(|o| o.is_usage_only());
        assert!(only(br#"{"choices":[],"usage":{"prompt_tokens":1}}"#));
        assert!(!only(
            br#"{"choices":[{"delta":{}}],"usage":{"prompt_tokens":1}}"#
        ));
        assert!(!only(br#"{"choices":[],"usage":null}"#));
        assert!(!only(b"[DONE]"));
        let chunk = br#"{"choices":[{"delta":{"content":"h\u00e9llo","reasoning_content":"ab"}},{"text":"xyz"}]}"#;
        assert_eq!(Observed::parse(chunk).map(|o| o.text_chars()), Some(10));
        let tools = br#"{"choices":[{"delta":{"tool_calls":[{"index":0,"id":"call_1","function":{"name":"get","arguments":"{\"a\":"}},{"index":1,"function":{"arguments":"1}"}}]}}]}"#;
        assert_eq!(
            Observed::parse(tools).map(|o| o.text_chars()),
            Some(3 + 5 + 2)
        );
        let legacy = br#"{"choices":[{"delta":{"function_call":{"arguments":"{}"}}}]}"#;
        assert_eq!(Observed::parse(legacy).map(|o| o.text_chars()), Some(2));
        let responses = br#"{"type":"response.function_call_arguments.delta","delta":"{\"a\":1}"}"#;
        assert_eq!(Observed::parse(responses).map(|o| o.text_chars()), Some(7));
        let other = br#"{"type":"x","delta":{"k":1},"usage":{"prompt_tokens":3}}"#;
        assert_eq!(
            Observed::parse(other).map(|o| (o.text_chars(), o.usage().map(|u| u.prompt_tokens))),
            Some((0, Some(3)))
        );
    }
}
