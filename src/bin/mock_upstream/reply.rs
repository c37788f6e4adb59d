//! Response building blocks: JSON bodies, error bodies in both dialects, SSE streams.

use std::io;
use std::time::Duration;

use bytes::Bytes;
use futures_util::Stream;
use futures_util::stream;
use poem::http::{Method, StatusCode, header};
use poem::{Body, Response};
use serde::Serialize;
use serde_json::json;

use crate::listener::CutSwitch;
use crate::request::Ctx;

pub const JSON: &str = "application/json";
const EVENT_STREAM: &str = "text/event-stream; charset=utf-8";
const DONE: &[u8] = b"data: [DONE]\n\n";

/// Which API family's error format an endpoint speaks.
#[derive(Clone, Copy, PartialEq)]
pub enum Dialect {
    OpenAi,
    Anthropic,
}

pub fn json<T: Serialize>(status: StatusCode, value: &T) -> Response {
    match serde_json::to_vec(value) {
        Ok(body) => Response::builder()
            .status(status)
            .content_type(JSON)
            .body(body),
        Err(err) => serialize_failure(&err),
    }
}

fn serialize_failure(err: &serde_json::Error) -> Response {
    Response::builder()
        .status(StatusCode::INTERNAL_SERVER_ERROR)
        .content_type("text/plain; charset=utf-8")
        .body(format!(
            "mock-upstream: cannot serialize the response: {err}"
        ))
}

/// An error body in the dialect's format; `kind` overrides the type derived from the status.
pub fn error(dialect: Dialect, status: StatusCode, kind: Option<&str>, message: &str) -> Response {
    let body = match dialect {
        Dialect::OpenAi => json!({"error": {
            "message": message,
            "type": kind.unwrap_or(openai_type(status)),
            "param": null,
            "code": openai_code(status),
        }}),
        Dialect::Anthropic => json!({"type": "error", "error": {
            "type": kind.unwrap_or(anthropic_type(status)),
            "message": message,
        }}),
    };
    let mut response = json(status, &body);
    if status == StatusCode::TOO_MANY_REQUESTS {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from_static("1"));
    }
    response
}

pub fn bad_request(dialect: Dialect, message: &str) -> Response {
    error(dialect, StatusCode::BAD_REQUEST, None, message)
}

/// OpenAI's answer to a path it does not serve.
pub fn unknown_url(method: &Method, path: &str) -> Response {
    let message = format!("Unknown request URL: {method} {path}. Please check the URL for typos.");
    let body = json!({"error": {
        "message": message,
        "type": "invalid_request_error",
        "param": null,
        "code": "unknown_url",
    }});
    json(StatusCode::NOT_FOUND, &body)
}

fn openai_type(status: StatusCode) -> &'static str {
    match status.as_u16() {
        429 => "requests",
        500.. => "server_error",
        _ => "invalid_request_error",
    }
}

fn openai_code(status: StatusCode) -> Option<&'static str> {
    match status.as_u16() {
        401 => Some("invalid_api_key"),
        429 => Some("rate_limit_exceeded"),
        _ => None,
    }
}

fn anthropic_type(status: StatusCode) -> &'static str {
    match status.as_u16() {
        401 => "authentication_error",
        403 => "permission_error",
        404 => "not_found_error",
        413 => "request_too_large",
        429 => "rate_limit_error",
        529 => "overloaded_error",
        500.. => "api_error",
        _ => "invalid_request_error",
    }
}

/// SSE frames of one answer, each a ready-to-send `Bytes`.
#[derive(Default)]
pub struct Sse {
    frames: Vec<Bytes>,
}

impl Sse {
    /// `data: {json}\n\n`
    pub fn data<T: Serialize>(&mut self, value: &T) -> serde_json::Result<()> {
        self.push(None, value)
    }

    /// `event: NAME\ndata: {json}\n\n`
    pub fn event<T: Serialize>(&mut self, name: &str, value: &T) -> serde_json::Result<()> {
        self.push(Some(name), value)
    }

    /// `data: [DONE]\n\n`
    pub fn done(&mut self) {
        self.frames.push(Bytes::from_static(DONE));
    }

    #[cfg(test)]
    pub fn frames(&self) -> &[Bytes] {
        &self.frames
    }

    /// Keeps only the first `len` frames.
    pub fn truncate(&mut self, len: usize) {
        self.frames.truncate(len);
    }

    fn push<T: Serialize>(&mut self, event: Option<&str>, value: &T) -> serde_json::Result<()> {
        let mut frame = Vec::with_capacity(256);
        if let Some(name) = event {
            frame.extend_from_slice(b"event: ");
            frame.extend_from_slice(name.as_bytes());
            frame.push(b'\n');
        }
        frame.extend_from_slice(b"data: ");
        serde_json::to_writer(&mut frame, value)?;
        frame.extend_from_slice(b"\n\n");
        self.frames.push(Bytes::from(frame));
        Ok(())
    }
}

/// A streamed `text/event-stream` response paced and cut as the scenario says.
pub fn sse(frames: serde_json::Result<Sse>, ctx: &Ctx) -> Response {
    let frames = match frames {
        Ok(sse) => sse.frames,
        Err(err) => return serialize_failure(&err),
    };
    let scenario = ctx.scenario();
    let feed = Feed {
        frames: frames.into_iter(),
        sent: 0,
        delay: Duration::from_millis(scenario.chunk_delay_ms),
        cut_after: scenario.cut_after,
        end_after: scenario.end_after,
        switch: ctx.cut_switch.clone(),
    };
    Response::builder()
        .content_type(EVENT_STREAM)
        .header(header::CACHE_CONTROL, "no-cache")
        .body(Body::from_bytes_stream(feed.into_stream()))
}

struct Feed {
    frames: std::vec::IntoIter<Bytes>,
    sent: usize,
    delay: Duration,
    cut_after: Option<usize>,
    /// A clean end of the body after this many frames.
    end_after: Option<usize>,
    /// The connection's switch, tripped at `cut_after`.
    switch: Option<CutSwitch>,
}

impl Feed {
    /// Yields the frames with `delay` between them. At `cut_after` it trips the
    /// connection's switch and yields an error, so the client sees the connection
    /// drop mid-response.
    fn into_stream(self) -> impl Stream<Item = io::Result<Bytes>> + Send + 'static {
        stream::unfold(Some(self), |feed| async move {
            let mut feed = feed?;
            if feed.frames.as_slice().is_empty() || feed.end_after == Some(feed.sent) {
                return None;
            }
            if feed.sent > 0 && !feed.delay.is_zero() {
                tokio::time::sleep(feed.delay).await;
            }
            if feed.cut_after == Some(feed.sent) {
                // One pending poll lets hyper flush the frames sent so far.
                tokio::task::yield_now().await;
                if let Some(switch) = &feed.switch {
                    switch.trip();
                }
                let cut = io::Error::other("mock cut_after: dropping the connection");
                return Some((Err(cut), None));
            }
            let frame = feed.frames.next()?;
            feed.sent += 1;
            Some((Ok(frame), Some(feed)))
        })
    }
}

#[cfg(test)]
mod tests {
    use futures_util::StreamExt;

    use super::*;

    fn feed(frames: &[&'static str], cut_after: Option<usize>) -> Feed {
        let frames: Vec<Bytes> = frames.iter().map(|&frame| Bytes::from(frame)).collect();
        Feed {
            frames: frames.into_iter(),
            sent: 0,
            delay: Duration::ZERO,
            cut_after,
            end_after: None,
            switch: None,
        }
    }

    async fn outcome(feed: Feed) -> Vec<Result<Bytes, String>> {
        let items = feed.into_stream().collect::<Vec<_>>().await;
        items
            .into_iter()
            .map(|item| item.map_err(|err| err.to_string()))
            .collect()
    }

    #[tokio::test]
    async fn feeds_all_frames_without_cut() {
        let items = outcome(feed(&["a", "b"], None)).await;
        assert_eq!(items, vec![Ok(Bytes::from("a")), Ok(Bytes::from("b"))]);
    }

    #[tokio::test]
    async fn cut_after_ends_with_an_error() {
        let items = outcome(feed(&["a", "b", "c"], Some(1))).await;
        assert_eq!(items.len(), 2);
        assert_eq!(items[0], Ok(Bytes::from("a")));
        assert!(items[1].is_err());
    }

    #[tokio::test]
    async fn end_after_stops_cleanly_before_the_last_frames() {
        let mut early = feed(&["a", "b", "c"], None);
        early.end_after = Some(2);
        let items = outcome(early).await;
        assert_eq!(items, vec![Ok(Bytes::from("a")), Ok(Bytes::from("b"))]);
    }

    #[tokio::test]
    async fn cut_at_the_end_is_a_clean_finish() {
        let items = outcome(feed(&["a"], Some(1))).await;
        assert_eq!(items, vec![Ok(Bytes::from("a"))]);
    }

    #[test]
    fn frames_are_sse_formatted() {
        let mut sse = Sse::default();
        assert!(sse.event("ping", &json!({"type": "ping"})).is_ok());
        assert!(sse.data(&json!({"a": 1})).is_ok());
        sse.done();
        let frames: Vec<Bytes> = sse.frames;
        assert_eq!(frames[0], "event: ping\ndata: {\"type\":\"ping\"}\n\n");
        assert_eq!(frames[1], "data: {\"a\":1}\n\n");
        assert_eq!(frames[2], "data: [DONE]\n\n");
    }
}
