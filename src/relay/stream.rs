//! Streaming answers: each upstream event goes through the pair's `StreamTranslate`
//! (a byte-for-byte passthrough or a protocol translator) and its frames are sent the
//! moment they exist. A timeout, a cut upstream (also a clean end of the body before the
//! protocol's end) or an upstream error event ends the stream with an error frame in
//! the client's protocol; the log row is written when the
//! stream ends or the client goes away (the `Finish` guard is dropped with the body).

use std::collections::VecDeque;

use bytes::Bytes;
use futures_util::stream::{BoxStream, StreamExt};
use poem::Body;

use super::finish::Finish;
use super::forward::Limits;
use crate::protocol::StreamTranslate;
use crate::protocol::sse::SseFramer;
use crate::telemetry::metrics;
use crate::upstream::transport_error;

struct Relay {
    upstream: BoxStream<'static, reqwest::Result<Bytes>>,
    framer: SseFramer,
    translate: Box<dyn StreamTranslate>,
    pending: VecDeque<Bytes>,
    limits: Limits,
    provider: String,
    finish: Option<Finish>,
    _in_flight: metrics::InFlight,
}

/// How a stream ended.
enum End {
    Complete,
    Failed {
        status: u16,
        kind: &'static str,
        message: String,
    },
}

impl Relay {
    fn take_events(&mut self, chunk: &[u8]) {
        for event in self.framer.push(chunk) {
            let frames = self.translate.event(event);
            if let Some(finish) = self.finish.as_mut() {
                finish.observe_frames(&frames);
            }
            self.pending.extend(frames);
        }
    }

    fn record_usage(&mut self) {
        if let Some(finish) = self.finish.as_mut() {
            match self.translate.usage() {
                Some(usage) => {
                    finish.usage(&usage);
                    if self.translate.usage_estimated() {
                        finish.mark_estimated();
                    }
                }
                None => finish.estimate_completion(self.translate.text_chars()),
            }
        }
    }

    fn end(&mut self, end: End) {
        if let Some(leftover) = self.framer.finish() {
            self.pending.extend(self.translate.event(leftover));
        }
        self.record_usage();
        let Some(finish) = self.finish.take() else {
            return;
        };
        let end = match (end, self.translate.upstream_error()) {
            (End::Complete, Some(message)) => End::Failed {
                status: 502,
                kind: "upstream_error",
                message: format!(
                    "provider `{}` reported an error in the stream: {message}",
                    self.provider
                ),
            },
            // A clean end of the body before the protocol's own end is a cut too.
            (End::Complete, None) if !self.translate.completed() => End::Failed {
                status: 502,
                kind: "upstream_error",
                message: format!(
                    "provider `{}` ended the stream without finishing the answer \
                     (no [DONE], finish_reason or message_stop)",
                    self.provider
                ),
            },
            (end, _) => end,
        };
        match end {
            End::Complete => {
                self.pending.extend(self.translate.finish());
                finish.done(200, None);
            }
            End::Failed {
                status,
                kind,
                message,
            } => {
                metrics::upstream_error(match (status, self.translate.upstream_error()) {
                    (504, _) => "stream_timeout",
                    (_, Some(_)) => "stream_error",
                    _ => "stream_cut",
                });
                // An upstream error event was already forwarded in the client's shape.
                if self.translate.upstream_error().is_none() {
                    self.pending
                        .push_back(self.translate.error_frame(&message, kind));
                }
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
                Ok(Some(Ok(chunk))) => self.take_events(&chunk),
                Ok(None) => self.end(End::Complete),
                Ok(Some(Err(err))) => self.end(End::Failed {
                    status: 502,
                    kind: "upstream_error",
                    message: format!(
                        "provider `{}` broke off the stream: {}",
                        self.provider,
                        transport_error(err)
                    ),
                }),
                Err(_) => self.end(End::Failed {
                    status: 504,
                    kind: "timeout_error",
                    message: format!(
                        "provider `{}` stopped sending the stream ({})",
                        self.provider,
                        self.limits.which_expired()
                    ),
                }),
            }
        }
    }
}

/// The client went away (the body was dropped): log what was seen, as status 499.
impl Drop for Relay {
    fn drop(&mut self) {
        self.record_usage();
    }
}

/// The client body for a streaming answer.
pub fn relay_body(
    upstream: reqwest::Response,
    limits: Limits,
    provider: &str,
    translate: Box<dyn StreamTranslate>,
    finish: Finish,
) -> Body {
    let relay = Relay {
        upstream: upstream.bytes_stream().boxed(),
        framer: SseFramer::default(),
        translate,
        pending: VecDeque::new(),
        limits,
        provider: provider.to_string(),
        finish: Some(finish),
        _in_flight: metrics::InFlight::new("gateway_in_flight_streams"),
    };
    let stream = futures_util::stream::unfold(relay, |mut relay| async move {
        relay
            .next()
            .await
            .map(|bytes| (Ok::<Bytes, std::io::Error>(bytes), relay))
    });
    Body::from_bytes_stream(stream)
}
