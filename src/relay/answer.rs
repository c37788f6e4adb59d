//! Non-streaming answers: read the whole upstream body under the idle and total
//! timeouts, map upstream errors, aggregate an unexpected event stream, and hand the
//! bytes back untouched with the upstream's relevant headers.

use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;
use poem::http::{HeaderMap, StatusCode};
use poem::{IntoResponse, Response};

use super::forward::Limits;
use crate::error::{GatewayError, Result};
use crate::protocol::aggregate::ChatAggregator;
use crate::protocol::sse::SseFramer;
use crate::upstream::upstream_message;

/// Upstream response headers never passed to the client.
const DROPPED_RESPONSE_HEADERS: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "content-length",
    "content-encoding",
    "server",
    "date",
    "set-cookie",
    "x-request-id",
];

/// Largest upstream error body kept for the log.
const MAX_ERROR_TEXT: usize = 4096;

/// A response builder with the upstream's status and relevant headers.
pub fn response_head(status: StatusCode, headers: &HeaderMap) -> poem::ResponseBuilder {
    let mut builder = Response::builder().status(status);
    for (name, value) in headers {
        if !DROPPED_RESPONSE_HEADERS.contains(&name.as_str()) {
            builder = builder.header(name.clone(), value.clone());
        }
    }
    builder
}

pub fn is_event_stream(headers: &HeaderMap) -> bool {
    headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/event-stream"))
}

/// Reads the whole body; a gap longer than the idle timeout or passing the deadline
/// is a 504, a broken connection a 502.
pub async fn read_body(
    response: reqwest::Response,
    limits: &Limits,
    provider: &str,
) -> Result<Bytes> {
    let mut stream = response.bytes_stream();
    let mut body = BytesMut::new();
    loop {
        match tokio::time::timeout(limits.next_wait(), stream.next()).await {
            Ok(Some(Ok(chunk))) => body.extend_from_slice(&chunk),
            Ok(None) => return Ok(body.freeze()),
            Ok(Some(Err(err))) => {
                return Err(GatewayError::BadGateway(format!(
                    "provider `{provider}` broke off its answer: {}",
                    crate::upstream::error_chain(&err)
                )));
            }
            Err(_) => {
                return Err(GatewayError::GatewayTimeout(format!(
                    "provider `{provider}` stopped sending its answer (timeout)"
                )));
            }
        }
    }
}

/// An upstream error answer for the client, and the upstream's own text for the log.
/// A body already in the OpenAI error shape is passed through byte for byte (keeping
/// the upstream's `type` and `code`); anything else is wrapped in that shape.
pub async fn upstream_error(
    response: reqwest::Response,
    limits: &Limits,
    provider: &str,
) -> (Response, String) {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = match read_body(response, limits, provider).await {
        Ok(body) => body,
        Err(err) => {
            let text = err.to_string();
            return (err.into_response(), text);
        }
    };
    let text: String = String::from_utf8_lossy(&body)
        .chars()
        .take(MAX_ERROR_TEXT)
        .collect();
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
    if is_openai_error(&body) {
        return (response_head(code, &headers).body(body), text);
    }
    let message = upstream_message(&body);
    let message = if message.trim().is_empty() {
        format!("provider `{provider}` answered {status}")
    } else {
        message
    };
    (
        GatewayError::Upstream { status, message }.into_response(),
        text,
    )
}

fn is_openai_error(body: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(body)
        .is_ok_and(|v| v["error"]["message"].is_string())
}

/// Joins a chat completion event stream into one `chat.completion` JSON body.
pub fn aggregate_chat(body: &[u8]) -> Bytes {
    let mut framer = SseFramer::default();
    let mut aggregator = ChatAggregator::default();
    let events = framer.push(body);
    for event in events.iter().chain(framer.finish().iter()) {
        aggregator.push(&event.data);
    }
    Bytes::from(serde_json::to_vec(&aggregator.finish()).unwrap_or_default())
}
