//! Non-streaming answers: read the whole upstream body under the idle and total
//! timeouts, map upstream errors, aggregate an unexpected event stream, and hand the
//! bytes back untouched with the upstream's relevant headers.

use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;
use poem::Response;
use poem::http::{HeaderMap, StatusCode};

use super::Endpoint;
use super::forward::Limits;
use super::plan::Pair;
use crate::error::{GatewayError, Result};
use crate::protocol::aggregate::ChatAggregator;
use crate::protocol::anthropic::aggregate::aggregate_message;
use crate::protocol::anthropic::{self, from_openai};
use crate::protocol::openai::{self, Usage, from_anthropic};
use crate::protocol::responses::{self, Echo};
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
    // The provider account behind the key is the admin's business, not the client's.
    "openai-organization",
    "openai-project",
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
                    crate::upstream::transport_error(err)
                )));
            }
            Err(_) => {
                return Err(GatewayError::GatewayTimeout(format!(
                    "provider `{provider}` stopped sending its answer ({})",
                    limits.which_expired()
                )));
            }
        }
    }
}

/// An upstream error answer for the client, and the upstream's own text for the log.
/// A body already in the client's error shape from an upstream of the same protocol
/// is passed through byte for byte (keeping the upstream's `type` and `code`);
/// anything else is rewritten into the client's shape with the upstream's message.
pub async fn upstream_error(
    response: reqwest::Response,
    limits: &Limits,
    provider: &str,
    pair: Pair,
) -> (Response, String) {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let client = pair.client();
    let body = match read_body(response, limits, provider).await {
        Ok(body) => body,
        Err(err) => {
            let text = err.to_string();
            return (client.error_response(&err), text);
        }
    };
    let text: String = String::from_utf8_lossy(&body)
        .chars()
        .take(MAX_ERROR_TEXT)
        .collect();
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
    if same_shape(pair, &body) {
        return (response_head(code, &headers).body(body), text);
    }
    let message = upstream_message(&body);
    let message = if message.trim().is_empty() {
        format!("provider `{provider}` answered {status}")
    } else {
        message
    };
    (
        client.error_response(&GatewayError::Upstream { status, message }),
        text,
    )
}

/// Whether an error body already has the shape the client expects.
fn same_shape(pair: Pair, body: &[u8]) -> bool {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) else {
        return false;
    };
    let has_message = value["error"]["message"].is_string();
    match pair {
        Pair::OpenAi | Pair::ResponsesViaChat => has_message,
        Pair::Anthropic => has_message && value["type"] == "error",
        Pair::OpenAiToAnthropic | Pair::AnthropicToOpenAi | Pair::ResponsesViaMessages => false,
    }
}

/// A whole upstream answer in the client's protocol, and the usage it reports
/// (`echo`: of a translated Responses request).
pub fn client_answer(
    pair: Pair,
    endpoint: Endpoint,
    body: Bytes,
    event_stream: bool,
    echo: Option<Echo>,
) -> Result<(Bytes, Option<Usage>)> {
    let parse = |bytes: &[u8]| {
        serde_json::from_slice::<serde_json::Value>(bytes).map_err(|err| {
            GatewayError::BadGateway(format!("the upstream answer is not valid JSON: {err}"))
        })
    };
    let encode =
        |value: &serde_json::Value| Bytes::from(serde_json::to_vec(value).unwrap_or_default());
    // A whole answer from an event stream, assembled (or the body as it came); an
    // event stream that ends before its protocol's end is a cut answer.
    let chat = |body: Bytes| {
        if event_stream {
            aggregate_chat(&body)
        } else {
            Ok(body)
        }
    };
    let message = |body: Bytes| {
        if event_stream {
            aggregate_message(&body)
        } else {
            Ok(body)
        }
    };
    match pair {
        Pair::OpenAi => {
            let body = if endpoint == Endpoint::Chat {
                chat(body)?
            } else {
                body
            };
            let usage = openai::usage_of(&body);
            Ok((body, usage))
        }
        Pair::Anthropic => {
            let body = message(body)?;
            let usage = anthropic::usage_of(&body);
            Ok((body, usage))
        }
        Pair::OpenAiToAnthropic => {
            let body = message(body)?;
            let answer = from_openai::response(&parse(&body)?)?;
            Ok((encode(&answer), anthropic::usage_of(&body)))
        }
        Pair::AnthropicToOpenAi => {
            let body = chat(body)?;
            let answer = from_anthropic::response(&parse(&body)?)?;
            Ok((encode(&answer), openai::usage_of(&body)))
        }
        Pair::ResponsesViaChat => {
            let body = chat(body)?;
            let answer = responses::answer(&parse(&body)?, echo.unwrap_or_default())?;
            Ok((answer, openai::usage_of(&body)))
        }
        Pair::ResponsesViaMessages => {
            let body = message(body)?;
            let answer = from_openai::response(&parse(&body)?)?;
            let answer = responses::answer(&answer, echo.unwrap_or_default())?;
            Ok((answer, anthropic::usage_of(&body)))
        }
    }
}

/// Joins a chat completion event stream into one `chat.completion` JSON body; an error
/// when the stream ends before `[DONE]` or a finish reason (a cut answer).
pub fn aggregate_chat(body: &[u8]) -> Result<Bytes> {
    let mut framer = SseFramer::default();
    let mut aggregator = ChatAggregator::default();
    let events = framer.push(body);
    for event in events.iter().chain(framer.finish().iter()) {
        aggregator.push(&event.data);
    }
    if !aggregator.finished() {
        return Err(GatewayError::BadGateway(
            "the upstream ended the stream without finishing the answer (no [DONE] or \
             finish_reason)"
                .into(),
        ));
    }
    Ok(Bytes::from(
        serde_json::to_vec(&aggregator.finish()).unwrap_or_default(),
    ))
}
