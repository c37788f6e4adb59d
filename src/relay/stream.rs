//! Streaming answers: each upstream event is forwarded the moment it is complete, byte
//! for byte, while a copy is read for usage. The usage-only chunk we asked for on the
//! client's behalf is dropped. A timeout or a cut upstream ends the stream with an
//! OpenAI-style error event; the log row is written when the stream ends or the client
//! goes away (the `Finish` guard is dropped with the stream).

use std::collections::VecDeque;

use bytes::Bytes;
use futures_util::stream::{BoxStream, StreamExt};
use poem::Body;

use super::finish::Finish;
use super::forward::Limits;
use crate::error::ErrorBody;
use crate::protocol::openai::{Usage, is_usage_only_chunk, usage_of};
use crate::protocol::sse::{SseEvent, SseFramer};

struct Relay {
    upstream: BoxStream<'static, reqwest::Result<Bytes>>,
    framer: SseFramer,
    pending: VecDeque<Bytes>,
    limits: Limits,
    provider: String,
    drop_usage_chunk: bool,
    usage: Option<Usage>,
    finish: Option<Finish>,
}

/// How a stream ended.
enum End {
    Complete,
    Failed { status: u16, message: String },
}

impl Relay {
    fn take_event(&mut self, event: SseEvent) {
        let data = event.data.as_bytes();
        if let Some(usage) = usage_of(data) {
            self.usage = Some(usage);
            if self.drop_usage_chunk && is_usage_only_chunk(data) {
                return;
            }
        }
        self.pending.push_back(event.raw);
    }

    fn end(&mut self, end: End) {
        if let Some(leftover) = self.framer.finish() {
            self.take_event(leftover);
        }
        let Some(mut finish) = self.finish.take() else {
            return;
        };
        if let Some(usage) = &self.usage {
            finish.usage(usage);
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
                    message: format!("provider `{}` broke off the stream: {err}", self.provider),
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

/// The client body for a streaming answer.
pub fn relay_body(
    upstream: reqwest::Response,
    limits: Limits,
    provider: &str,
    drop_usage_chunk: bool,
    finish: Finish,
) -> Body {
    let relay = Relay {
        upstream: upstream.bytes_stream().boxed(),
        framer: SseFramer::default(),
        pending: VecDeque::new(),
        limits,
        provider: provider.to_string(),
        drop_usage_chunk,
        usage: None,
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
