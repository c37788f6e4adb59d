//! Streaming answers: each upstream event is forwarded the moment it is complete, byte
//! for byte, while a copy is read for usage. When we asked for usage on the client's
//! behalf, the usage-only chunk is dropped and the `"usage": null` the upstream then
//! adds to every chunk is removed, so the client sees what it would have seen. A timeout or a cut upstream ends the stream with an
//! OpenAI-style error event; the log row is written when the stream ends or the client
//! goes away (the `Finish` guard is dropped with the stream).

use std::collections::VecDeque;

use bytes::Bytes;
use futures_util::stream::{BoxStream, StreamExt};
use poem::Body;

use super::finish::Finish;
use super::forward::Limits;
use crate::error::ErrorBody;
use crate::protocol::json_edit::remove_top_level;
use crate::protocol::openai::{Observed, Usage};
use crate::protocol::sse::{SseEvent, SseFramer};

struct Relay {
    upstream: BoxStream<'static, reqwest::Result<Bytes>>,
    framer: SseFramer,
    pending: VecDeque<Bytes>,
    limits: Limits,
    provider: String,
    hide_usage: bool,
    usage: Option<Usage>,
    /// Generated text seen, for an estimate when no usage arrives.
    text_chars: usize,
    finish: Option<Finish>,
}

/// How a stream ended.
enum End {
    Complete,
    Failed { status: u16, message: String },
}

impl Relay {
    fn take_event(&mut self, event: SseEvent) {
        let Some(observed) = Observed::parse(event.data.as_bytes()) else {
            self.pending.push_back(event.raw);
            return;
        };
        self.text_chars += observed.text_chars();
        if let Some(usage) = observed.usage() {
            self.usage = Some(usage);
        }
        if !self.hide_usage {
            self.pending.push_back(event.raw);
        } else if !observed.is_usage_only() {
            // The client did not ask for usage: its chunks carry no `usage` key at all.
            match remove_top_level(event.data.as_bytes(), "usage") {
                Some(data) => {
                    let mut raw = Vec::with_capacity(data.len() + 8);
                    raw.extend_from_slice(b"data: ");
                    raw.extend_from_slice(&data);
                    raw.extend_from_slice(b"\n\n");
                    self.pending.push_back(Bytes::from(raw));
                }
                None => self.pending.push_back(event.raw),
            }
        }
    }

    fn end(&mut self, end: End) {
        if let Some(leftover) = self.framer.finish() {
            self.take_event(leftover);
        }
        let Some(mut finish) = self.finish.take() else {
            return;
        };
        match &self.usage {
            Some(usage) => finish.usage(usage),
            None => finish.estimate_completion(self.text_chars),
        }
        match end {
            End::Complete => finish.done(200, None),
            End::Failed { status, message } => {
                let kind = if status == 504 {
                    "timeout_error"
                } else {
                    "upstream_error"
                };
                let event = ErrorBody::new(message.clone(), kind, None);
                let json = serde_json::to_string(&event).unwrap_or_default();
                self.pending
                    .push_back(Bytes::from(format!("data: {json}\n\n")));
                finish.done(status, Some(message));
            }
        }
    }

    /// The next bytes for the client, or `None` when the stream is over.
    async fn next(&mut self) -> Option<Bytes> {
        loop {
            if let Some(bytes) = self.pending.pop_front() {
                return Some(bytes);
            }
            self.finish.as_ref()?;
            match tokio::time::timeout(self.limits.next_wait(), self.upstream.next()).await {
                Ok(Some(Ok(chunk))) => {
                    for event in self.framer.push(&chunk) {
                        self.take_event(event);
                    }
                }
                Ok(None) => self.end(End::Complete),
                Ok(Some(Err(err))) => self.end(End::Failed {
                    status: 502,
                    message: format!(
                        "provider `{}` broke off the stream: {}",
                        self.provider,
                        crate::upstream::error_chain(&err)
                    ),
                }),
                Err(_) => self.end(End::Failed {
                    status: 504,
                    message: format!(
                        "provider `{}` stopped sending the stream (timeout)",
                        self.provider
                    ),
                }),
            }
        }
    }
}

/// The client went away (the body was dropped): log what was seen, as status 499.
impl Drop for Relay {
    fn drop(&mut self) {
        if let Some(finish) = self.finish.as_mut() {
            match &self.usage {
                Some(usage) => finish.usage(usage),
                None => finish.estimate_completion(self.text_chars),
            }
        }
    }
}

/// The client body for a streaming answer.
pub fn relay_body(
    upstream: reqwest::Response,
    limits: Limits,
    provider: &str,
    hide_usage: bool,
    finish: Finish,
) -> Body {
    let relay = Relay {
        upstream: upstream.bytes_stream().boxed(),
        framer: SseFramer::default(),
        pending: VecDeque::new(),
        limits,
        provider: provider.to_string(),
        hide_usage,
        usage: None,
        text_chars: 0,
        finish: Some(finish),
    };
    let stream = futures_util::stream::unfold(relay, |mut relay| async move {
        relay
            .next()
            .await
            .map(|bytes| (Ok::<Bytes, std::io::Error>(bytes), relay))
    });
    Body::from_bytes_stream(stream)
}
