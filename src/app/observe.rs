//! The outermost middleware: gives every request an `x-request-id` and a server span
//! (child of the client's `traceparent`), turns every error (ours or the framework's)
//! into the OpenAI error JSON (Anthropic's on `/v1/messages`), and queues one request
//! log row per call with the operation id as its `request_type`.

use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

use poem::http::{HeaderValue, StatusCode, header};
use poem::{Endpoint, IntoResponse, Request, Response};
use poem_openapi::OperationId;
use tracing::{Instrument, Span};
use tracing_opentelemetry::OpenTelemetrySpanExt;

use super::state::AppState;
use crate::clock::Clock;
use crate::error::{GatewayError, error_response};
use crate::logsink::Slot;
use crate::store::RequestLog;
use crate::telemetry::{metrics, trace};

pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// Who made a request, as the security check found it.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user_id: i64,
    pub username: String,
    /// The gateway token (id, name) for `/v1` calls.
    pub token: Option<(i64, String)>,
}

/// Per-request facts filled in while the request runs (who called), read at the end.
#[derive(Debug)]
pub struct RequestMeta {
    pub id: String,
    pub caller: OnceLock<Caller>,
    /// The server span; a streaming answer keeps a handle so the span ends with it.
    pub span: Span,
    /// The request's place in the log queue, until its row takes it (a relayed
    /// request hands it to the relay, which writes the row itself).
    slot: Mutex<Option<Slot>>,
}

impl RequestMeta {
    /// Takes the request's place in the log queue (once).
    pub fn take_slot(&self) -> Option<Slot> {
        self.slot
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take()
    }
}

/// Marks a response whose log row is written by the handler itself (streams log when
/// they end, not when the head is sent).
#[derive(Debug, Clone, Copy)]
pub struct LoggedByHandler;

/// Documentation and probes, not API calls: neither logged nor traced.
fn is_quiet_path(path: &str) -> bool {
    matches!(
        path,
        "/openapi.json" | "/docs" | "/health" | "/ready" | "/metrics"
    ) || path.starts_with("/docs/")
}

pub async fn observe<E: Endpoint>(ep: E, mut req: Request) -> poem::Result<Response> {
    let state = req.data::<AppState>().cloned();
    let started = Instant::now();
    let ts = Clock::now_ms();
    let quiet = is_quiet_path(req.uri().path());
    // A place for the row before any work (see `logsink`): none means 503.
    let slot = match (&state, quiet) {
        (Some(state), false) => match state.sink.reserve().await {
            Some(slot) => Some(slot),
            None => return Ok(log_queue_full(req.uri().path())),
        },
        _ => None,
    };
    let id = crate::accounts::request_id();
    let method = req.method().to_string();
    let span = if quiet {
        Span::none()
    } else {
        trace::server_span(&method, req.uri().path(), req.headers(), &id)
    };
    let meta = Arc::new(RequestMeta {
        id,
        caller: OnceLock::new(),
        span: span.clone(),
        slot: Mutex::new(slot),
    });
    req.extensions_mut().insert(meta.clone());
    let path = req
        .uri()
        .path_and_query()
        .map(|pq| pq.as_str().to_string())
        .unwrap_or_else(|| req.uri().path().to_string());
    let _in_flight = metrics::InFlight::new("gateway_in_flight_requests");

    let (mut resp, error, operation) = match ep.call(req).instrument(span.clone()).await {
        Ok(resp) => {
            let resp = resp.into_response();
            let operation = resp.data::<OperationId>().map(|op| op.0);
            (resp, None, operation)
        }
        Err(err) => {
            let operation = err.data::<OperationId>().map(|op| op.0);
            let message = err.to_string();
            if err.status().is_server_error() {
                tracing::error!(%message, path, "request failed");
            }
            let anthropic = path.starts_with("/v1/messages");
            (error_response(&err, anthropic), Some(message), operation)
        }
    };
    if let Ok(value) = HeaderValue::from_str(&meta.id) {
        resp.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    let status = resp.status();
    if status == StatusCode::METHOD_NOT_ALLOWED
        && let Some(allow) = crate::api::allowed_methods(path.split('?').next().unwrap_or(""))
    {
        resp.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static(allow));
    }
    // Relayed requests describe their own spans (the relay knows the stream's outcome).
    if !span.is_disabled() && resp.data::<LoggedByHandler>().is_none() {
        span.set_attribute("http.response.status_code", i64::from(status.as_u16()));
        if let Some(operation) = operation {
            span.set_attribute("gateway.request_type", operation.to_string());
        }
        if let Some(caller) = meta.caller.get() {
            span.set_attribute("gateway.user", caller.username.clone());
        }
        if status.is_server_error() {
            trace::record_error(&span, status.as_str());
        }
    }
    if resp.data::<LoggedByHandler>().is_some() || quiet {
        return Ok(resp);
    }
    if let (Some(state), Some(slot)) = (state, meta.take_slot()) {
        let caller = meta.caller.get();
        slot.send(RequestLog {
            ts,
            time: state.clock.format_ms(ts),
            request_id: meta.id.clone(),
            request_type: operation.unwrap_or("unknown_route").to_string(),
            method,
            path,
            user_name: caller.map(|c| c.username.clone()),
            user_id: caller.map(|c| c.user_id),
            token_id: caller.and_then(|c| c.token.as_ref().map(|t| t.0)),
            token_name: caller.and_then(|c| c.token.as_ref().map(|t| t.1.clone())),
            status: i64::from(resp.status().as_u16()),
            latency_ms: i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX),
            error,
            ..RequestLog::default()
        });
    }
    Ok(resp)
}

/// The answer when no place in the log queue freed up in time.
fn log_queue_full(path: &str) -> Response {
    let err = GatewayError::Unavailable(
        "the request log is full (the database is not keeping up); try again shortly".into(),
    );
    let protocol = match path.starts_with("/v1/messages") {
        true => crate::protocol::ClientProtocol::Anthropic,
        false => crate::protocol::ClientProtocol::OpenAi,
    };
    protocol.error_response(&err)
}
