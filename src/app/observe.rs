//! The outermost middleware: gives every request an `x-request-id`, turns every error
//! (ours or the framework's) into the OpenAI error JSON, and queues one request log row
//! per call with the operation id as its `request_type`.

use std::sync::{Arc, OnceLock};
use std::time::Instant;

use poem::http::HeaderValue;
use poem::{Endpoint, IntoResponse, Request, Response};
use poem_openapi::OperationId;

use super::state::AppState;
use crate::clock::Clock;
use crate::error::error_response;
use crate::store::RequestLog;

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
}

/// Marks a response whose log row is written by the handler itself (streams log when
/// they end, not when the head is sent).
#[derive(Debug, Clone, Copy)]
pub struct LoggedByHandler;

/// Paths that are documentation, not API calls: not logged.
fn is_docs_path(path: &str) -> bool {
    path == "/openapi.json" || path == "/docs" || path.starts_with("/docs/")
}

pub async fn observe<E: Endpoint>(ep: E, mut req: Request) -> poem::Result<Response> {
    let state = req.data::<AppState>().cloned();
    let started = Instant::now();
    let ts = Clock::now_ms();
    let meta = Arc::new(RequestMeta {
        id: crate::accounts::random_alphanumeric(24),
        caller: OnceLock::new(),
    });
    req.extensions_mut().insert(meta.clone());
    let method = req.method().to_string();
    let path = req
        .uri()
        .path_and_query()
        .map(|pq| pq.as_str().to_string())
        .unwrap_or_else(|| req.uri().path().to_string());

    let (mut resp, error, operation) = match ep.call(req).await {
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
    if resp.data::<LoggedByHandler>().is_some() || is_docs_path(&path) {
        return Ok(resp);
    }
    if let Some(state) = state {
        let caller = meta.caller.get();
        state.sink.send(RequestLog {
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
