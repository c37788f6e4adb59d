//! Spans of the OpenTelemetry trace: a server span per request (child of the client's
//! W3C `traceparent`) and a client span per upstream attempt (whose context goes
//! upstream in `traceparent`), with the GenAI semantic-convention attributes. No prompt
//! or completion text and no key is ever recorded. Spans are no-ops unless tracing is
//! configured.

use opentelemetry::propagation::{Extractor, Injector};
use opentelemetry::{Array, KeyValue, StringValue, Value};
use poem::http::HeaderMap;
use serde::Deserialize;
use tracing::Span;
use tracing_opentelemetry::OpenTelemetrySpanExt;

/// The tracing target of exported spans.
pub const TARGET: &str = "gateway::otel";

struct HeaderExtractor<'a>(&'a HeaderMap);

impl Extractor for HeaderExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(|k| k.as_str()).collect()
    }
}

struct HeaderInjector<'a>(&'a mut HeaderMap);

impl Injector for HeaderInjector<'_> {
    fn set(&mut self, key: &str, value: String) {
        if let (Ok(name), Ok(value)) = (
            poem::http::HeaderName::from_bytes(key.as_bytes()),
            poem::http::HeaderValue::from_str(&value),
        ) {
            self.0.insert(name, value);
        }
    }
}

/// The server span of one request.
pub fn server_span(method: &str, path: &str, headers: &HeaderMap, request_id: &str) -> Span {
    let span = tracing::info_span!(
        target: TARGET,
        "request",
        otel.name = %format!("{method} {path}"),
        otel.kind = "server",
        otel.status_code = tracing::field::Empty,
    );
    if !span.is_disabled() {
        let parent = opentelemetry::global::get_text_map_propagator(|p| {
            p.extract(&HeaderExtractor(headers))
        });
        let _ = span.set_parent(parent);
        span.set_attribute("http.request.method", method.to_string());
        span.set_attribute("url.path", path.to_string());
        span.set_attribute("gateway.request_id", request_id.to_string());
    }
    span
}

/// The client span of one upstream attempt, under `parent`.
pub fn client_span(parent: &Span, operation: &str, provider: &str, model: &str) -> Span {
    let span = tracing::info_span!(
        target: TARGET,
        parent: parent,
        "upstream",
        otel.name = %format!("{operation} {model}"),
        otel.kind = "client",
        otel.status_code = tracing::field::Empty,
    );
    if !span.is_disabled() {
        span.set_attribute("gen_ai.operation.name", operation.to_string());
        span.set_attribute("gen_ai.provider.name", provider.to_string());
        span.set_attribute("gen_ai.request.model", model.to_string());
    }
    span
}

/// The `traceparent` (and `tracestate`) of `span` for an upstream request.
pub fn context_headers(span: &Span) -> HeaderMap {
    let mut headers = HeaderMap::new();
    if !span.is_disabled() {
        let context = span.context();
        opentelemetry::global::get_text_map_propagator(|p| {
            p.inject_context(&context, &mut HeaderInjector(&mut headers));
        });
    }
    headers
}

/// Marks a span as failed with an error type.
pub fn record_error(span: &Span, error_type: &str) {
    if !span.is_disabled() {
        span.record("otel.status_code", "ERROR");
        span.set_attribute("error.type", error_type.to_string());
    }
}

/// Sets a list-of-strings attribute.
pub fn set_strings(span: &Span, key: &'static str, values: &[String]) {
    let values: Vec<StringValue> = values.iter().cloned().map(StringValue::from).collect();
    span.set_attribute(key, Value::Array(Array::String(values)));
}

/// Sets several attributes at once.
pub fn set_all(span: &Span, attributes: Vec<KeyValue>) {
    for attribute in attributes {
        span.set_attribute(attribute.key, attribute.value);
    }
}

/// What the answer says about itself: id, model and finish reasons, read from OpenAI
/// answers and chunks and from Anthropic messages and events.
#[derive(Debug, Default, Clone)]
pub struct ResponseMeta {
    pub id: Option<String>,
    pub model: Option<String>,
    pub finish_reasons: Vec<String>,
}

#[derive(Deserialize)]
struct Seen {
    id: Option<String>,
    model: Option<String>,
    #[serde(default)]
    choices: Vec<SeenChoice>,
    stop_reason: Option<String>,
    message: Option<Box<Seen>>,
    delta: Option<SeenDelta>,
}

#[derive(Deserialize)]
struct SeenChoice {
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct SeenDelta {
    stop_reason: Option<String>,
}

impl ResponseMeta {
    /// Reads one JSON answer or event payload.
    pub fn observe(&mut self, json: &[u8]) {
        let Ok(seen) = serde_json::from_slice::<Seen>(json) else {
            return;
        };
        let seen = match seen.message {
            Some(message) => *message,
            None => seen,
        };
        if self.id.is_none() {
            self.id = seen.id;
        }
        if self.model.is_none() {
            self.model = seen.model;
        }
        let reasons = seen
            .choices
            .into_iter()
            .filter_map(|c| c.finish_reason)
            .chain(seen.stop_reason)
            .chain(seen.delta.and_then(|d| d.stop_reason));
        self.finish_reasons.extend(reasons);
    }

    /// Reads the `data:` payloads of client stream frames.
    pub fn observe_frames(&mut self, frames: &[bytes::Bytes]) {
        for frame in frames {
            for line in frame.split(|b| *b == b'\n') {
                if let Some(data) = line.strip_prefix(b"data: ") {
                    self.observe(data);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_openai_and_anthropic_answers() {
        let mut meta = ResponseMeta::default();
        meta.observe(br#"{"id":"chatcmpl-1","model":"gpt-4o","choices":[{"finish_reason":null}]}"#);
        meta.observe(br#"{"id":"chatcmpl-1","choices":[{"finish_reason":"stop"}]}"#);
        assert_eq!(
            (meta.id.as_deref(), meta.model.as_deref()),
            (Some("chatcmpl-1"), Some("gpt-4o"))
        );
        assert_eq!(meta.finish_reasons, ["stop"]);
        let mut meta = ResponseMeta::default();
        meta.observe_frames(&[
            bytes::Bytes::from_static(b"event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"model\":\"claude\"}}\n\n"),
            bytes::Bytes::from_static(b"event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"}}\n\n"),
        ]);
        assert_eq!(
            (meta.id.as_deref(), meta.model.as_deref()),
            (Some("msg_1"), Some("claude"))
        );
        assert_eq!(meta.finish_reasons, ["end_turn"]);
    }
}
