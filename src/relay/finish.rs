//! The one log row of a relayed request, filled in as the request goes, and written
//! exactly once: when the answer ends, fails, or the client goes away (dropped = 499).
//! Writing it also settles the request's charge: the cost of the usage seen (reported
//! or estimated) is applied to the ledger and carried by the row to the database. A
//! request the client left before any usage arrived (stream or not) is charged its
//! prompt, estimated, once it reached the upstream.

use std::time::Instant;

use bytes::Bytes;

use super::RelayInput;
use crate::app::AppState;
use crate::billing::estimate::Prompt;
use crate::billing::{Price, Reservation};
use crate::clock::Clock;
use crate::logsink::Slot;
use crate::protocol::openai::{PromptDetails, Usage, estimate_tokens};
use crate::store::RequestLog;
use crate::telemetry::trace::{self, ResponseMeta};
use opentelemetry::KeyValue;
use tracing::Span;
use tracing_opentelemetry::OpenTelemetrySpanExt;

/// Status recorded when the client disconnected before the answer ended.
pub const CLIENT_CLOSED: u16 = 499;

/// Owns the pending log row; see the module doc.
pub struct Finish {
    /// The place held in the log queue; taken by the row when it is written.
    slot: Option<Slot>,
    started: Instant,
    prompt: Prompt,
    row: Option<RequestLog>,
    billing: Option<Billing>,
    trace: Option<Box<Trace>>,
}

/// The request's spans and what they are told at the end (only when tracing is on).
struct Trace {
    server: Span,
    client: Span,
    answer: ResponseMeta,
}

/// The price of the request and the amount held for it.
struct Billing {
    price: Price,
    reservation: Option<Reservation>,
}

impl Finish {
    pub fn start(state: &AppState, input: &RelayInput, slot: Option<Slot>) -> Finish {
        let ts = Clock::now_ms();
        let token = &input.token;
        Finish {
            slot,
            started: Instant::now(),
            prompt: Prompt::NotSent,
            billing: None,
            trace: None,
            row: Some(RequestLog {
                ts,
                time: state.clock.format_ms(ts),
                request_id: input.request_id.clone(),
                request_type: input.endpoint.request_type(input.view.stream).to_string(),
                method: "POST".into(),
                path: input.path.clone(),
                requested_model: Some(input.view.model.clone()),
                user_name: Some(token.username.clone()),
                user_id: Some(token.user_id),
                token_name: Some(token.name.clone()),
                token_id: Some(token.id),
                ..RequestLog::default()
            }),
        }
    }

    /// Moves the pending row into a new guard (the stream body's); this one is left
    /// empty and writes nothing.
    pub fn hand_over(&mut self) -> Finish {
        Finish {
            slot: self.slot.take(),
            started: self.started,
            prompt: std::mem::take(&mut self.prompt),
            row: self.row.take(),
            billing: self.billing.take(),
            trace: self.trace.take(),
        }
    }

    /// Starts tracing the upstream attempt; request attributes go on both spans.
    pub fn trace(&mut self, input: &RelayInput, client: Span) {
        if input.span.is_disabled() && client.is_disabled() {
            return;
        }
        let view = &input.view;
        let mut attributes = vec![
            KeyValue::new(
                "gateway.request_type",
                input.endpoint.request_type(view.stream),
            ),
            KeyValue::new("gateway.token", input.token.name.clone()),
            KeyValue::new("gateway.user", input.token.username.clone()),
        ];
        let number = |v: &Option<serde_json::Value>| v.as_ref().and_then(serde_json::Value::as_f64);
        if let Some(temperature) = number(&view.temperature) {
            attributes.push(KeyValue::new("gen_ai.request.temperature", temperature));
        }
        if let Some(top_p) = number(&view.top_p) {
            attributes.push(KeyValue::new("gen_ai.request.top_p", top_p));
        }
        if let Some(max_tokens) = view.completion_limit() {
            attributes.push(KeyValue::new("gen_ai.request.max_tokens", max_tokens));
        }
        trace::set_all(&client, attributes.clone());
        if let Some(row) = self.row.as_ref() {
            attributes.push(KeyValue::new(
                "gen_ai.operation.name",
                input.endpoint.operation(),
            ));
            attributes.push(KeyValue::new("gen_ai.request.model", view.model.clone()));
            attributes.extend(
                row.provider
                    .clone()
                    .map(|p| KeyValue::new("gen_ai.provider.name", p)),
            );
        }
        trace::set_all(&input.span, attributes);
        self.trace = Some(Box::new(Trace {
            server: input.span.clone(),
            client,
            answer: ResponseMeta::default(),
        }));
    }

    /// Reads id, model and finish reasons from a whole answer (when tracing).
    pub fn observe_answer(&mut self, body: &[u8]) {
        if let Some(trace) = self.trace.as_mut() {
            trace.answer.observe(body);
        }
    }

    /// Reads id, model and finish reasons from stream frames (when tracing).
    pub fn observe_frames(&mut self, frames: &[bytes::Bytes]) {
        if let Some(trace) = self.trace.as_mut() {
            trace.answer.observe_frames(frames);
        }
    }

    /// The price to charge at the end, and the amount reserved for it.
    pub fn bill(&mut self, price: Price, reservation: Option<Reservation>) {
        let reserved = reservation.as_ref().map_or(0, Reservation::amount);
        if let Some(row) = self.row() {
            row.reserved = reserved;
        }
        self.billing = Some(Billing { price, reservation });
    }

    fn row(&mut self) -> Option<&mut RequestLog> {
        self.row.as_mut()
    }

    pub fn set_route(&mut self, provider: &str, upstream_model: &str, key: Option<String>) {
        if let Some(row) = self.row() {
            row.provider = Some(provider.to_string());
            row.upstream_model = Some(upstream_model.to_string());
            row.provider_key = key;
        }
    }

    /// The body goes upstream now; `prompt_tokens` if the reservation counted them.
    pub fn sending(&mut self, body: Bytes, prompt_tokens: Option<i64>) {
        self.prompt = Prompt::sent(body, prompt_tokens);
    }

    /// Marks the moment the upstream's answer began.
    pub fn first_byte(&mut self) {
        let elapsed = elapsed_ms(self.started);
        if let Some(row) = self.row() {
            row.ttfb_ms = Some(elapsed);
        }
    }

    pub fn usage(&mut self, usage: &Usage) {
        if let Some(row) = self.row() {
            row.prompt_tokens = usage.prompt_tokens;
            row.completion_tokens = usage.completion_tokens;
            row.total_tokens = usage.total();
            row.cached_tokens = usage.cached();
            row.cache_creation_tokens = usage.cache_creation_tokens;
            row.reasoning_tokens = usage.reasoning();
        }
    }

    /// No usage arrived: estimate the completion from the text seen and the prompt
    /// from the upstream request, and mark the row as estimated.
    pub fn estimate_completion(&mut self, text_chars: usize) {
        let prompt_tokens = self.prompt.tokens();
        if let Some(row) = self.row() {
            row.prompt_tokens = prompt_tokens;
            row.completion_tokens = estimate_tokens(text_chars);
            row.total_tokens = row.prompt_tokens.saturating_add(row.completion_tokens);
            row.usage_estimated = true;
        }
    }

    /// Marks the usage as partly estimated.
    pub fn mark_estimated(&mut self) {
        if let Some(row) = self.row() {
            row.usage_estimated = true;
        }
    }

    /// Writes the row with the final status and error text.
    pub fn done(mut self, status: u16, error: Option<String>) {
        self.write(status, error);
    }

    fn write(&mut self, status: u16, error: Option<String>) {
        // The client left while the upstream worked: its prompt is paid for.
        let no_usage = |row: &RequestLog| !row.usage_estimated && row.total_tokens == 0;
        let sent = !matches!(self.prompt, Prompt::NotSent);
        if status == CLIENT_CLOSED && sent && self.row.as_ref().is_some_and(no_usage) {
            self.estimate_completion(0);
        }
        let Some(mut row) = self.row.take() else {
            return;
        };
        row.status = i64::from(status);
        row.error = error;
        row.latency_ms = elapsed_ms(self.started);
        if let Some(billing) = self.billing.take() {
            row.cost = billing.price.cost(&row_usage(&row));
            if let Some(reservation) = billing.reservation {
                reservation.settle(row.cost);
            }
        }
        if let Some(trace) = self.trace.take() {
            end_trace(*trace, &row);
        }
        if let Some(slot) = self.slot.take() {
            slot.send(row);
        }
    }
}

impl Drop for Finish {
    fn drop(&mut self) {
        self.write(
            CLIENT_CLOSED,
            Some("client disconnected before the answer ended".into()),
        );
    }
}

/// Tells both spans how the request ended; they end when their last handle drops.
fn end_trace(trace: Trace, row: &RequestLog) {
    let mut attributes = vec![
        KeyValue::new("gen_ai.usage.input_tokens", row.prompt_tokens),
        KeyValue::new("gen_ai.usage.output_tokens", row.completion_tokens),
        KeyValue::new("gateway.usage.cached_tokens", row.cached_tokens),
        KeyValue::new("gateway.usage.reasoning_tokens", row.reasoning_tokens),
        KeyValue::new("gateway.cost", row.cost),
    ];
    if let Some(ttfb) = row.ttfb_ms {
        attributes.push(KeyValue::new("gateway.ttfb_ms", ttfb));
    }
    if let Some(id) = trace.answer.id.clone() {
        attributes.push(KeyValue::new("gen_ai.response.id", id));
    }
    if let Some(model) = trace.answer.model.clone() {
        attributes.push(KeyValue::new("gen_ai.response.model", model));
    }
    trace
        .server
        .set_attribute("http.response.status_code", row.status);
    for span in [&trace.server, &trace.client] {
        trace::set_all(span, attributes.clone());
        if !trace.answer.finish_reasons.is_empty() {
            trace::set_strings(
                span,
                "gen_ai.response.finish_reasons",
                &trace.answer.finish_reasons,
            );
        }
        if row.status >= 400 {
            trace::record_error(span, &row.status.to_string());
        }
    }
}

/// The usage a row records, for its cost.
fn row_usage(row: &RequestLog) -> Usage {
    Usage {
        prompt_tokens: row.prompt_tokens,
        completion_tokens: row.completion_tokens,
        total_tokens: row.total_tokens,
        prompt_tokens_details: Some(PromptDetails {
            cached_tokens: row.cached_tokens,
        }),
        completion_tokens_details: None,
        cache_creation_tokens: row.cache_creation_tokens,
    }
}

fn elapsed_ms(since: Instant) -> i64 {
    i64::try_from(since.elapsed().as_millis()).unwrap_or(i64::MAX)
}
