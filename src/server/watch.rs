//! The per-connection watch behind the header read and keep-alive timeouts: it knows
//! whether a request is running (from the service call until its response body is
//! done) and when the bytes of the next request began to arrive, and resolves
//! [`Watch::expired`] when a connection waited too long for either.

use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::Duration;

use hyper::body::{Body, Frame, SizeHint};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::Notify;
use tokio::time::Instant;

/// What the connection is doing.
struct Phase {
    /// Requests whose response is not finished.
    running: usize,
    /// When the connection last became free of requests (or opened).
    idle_since: Instant,
    /// When the first byte of the next request arrived, if one did.
    head_started: Option<Instant>,
}

/// Shared between the connection's IO, its service and its timer.
pub struct Watch {
    phase: Mutex<Phase>,
    changed: Notify,
    header_read: Duration,
    keep_alive: Duration,
}

impl Watch {
    pub fn new(header_read: Duration, keep_alive: Duration) -> Arc<Watch> {
        Arc::new(Watch {
            phase: Mutex::new(Phase {
                running: 0,
                idle_since: Instant::now(),
                head_started: None,
            }),
            changed: Notify::new(),
            header_read,
            keep_alive,
        })
    }

    fn phase(&self) -> MutexGuard<'_, Phase> {
        self.phase
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Bytes arrived: with no request running, the next request's head has begun.
    fn bytes_read(&self) {
        let mut phase = self.phase();
        if phase.running == 0 && phase.head_started.is_none() {
            phase.head_started = Some(Instant::now());
            drop(phase);
            self.changed.notify_one();
        }
    }

    /// A request head was read; the returned guard ends the request when dropped.
    pub fn begin(self: &Arc<Self>) -> Busy {
        let mut phase = self.phase();
        phase.running += 1;
        phase.head_started = None;
        drop(phase);
        self.changed.notify_one();
        Busy(self.clone())
    }

    /// When the connection has waited too long, if no request is running.
    fn deadline(&self) -> Option<Instant> {
        let phase = self.phase();
        (phase.running == 0).then(|| match phase.head_started {
            Some(started) => started + self.header_read,
            None => phase.idle_since + self.keep_alive,
        })
    }

    /// Resolves once the connection waited longer than the keep-alive timeout for a
    /// new request, or longer than the header read timeout for the rest of one.
    pub async fn expired(&self) {
        loop {
            let changed = self.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            match self.deadline() {
                None => changed.await,
                Some(deadline) if deadline <= Instant::now() => return,
                Some(deadline) => {
                    tokio::select! {
                        () = tokio::time::sleep_until(deadline) => {}
                        () = changed => {}
                    }
                }
            }
        }
    }
}

/// A running request; dropping it (when the response body ends or is abandoned)
/// makes the connection idle again once no other request runs.
pub struct Busy(Arc<Watch>);

impl Drop for Busy {
    fn drop(&mut self) {
        let mut phase = self.0.phase();
        phase.running = phase.running.saturating_sub(1);
        if phase.running == 0 {
            phase.idle_since = Instant::now();
        }
        drop(phase);
        self.0.changed.notify_one();
    }
}

/// A response body that keeps its request running until it ends.
pub struct Tracked<B> {
    pub body: B,
    pub _busy: Busy,
}

impl<B: Body + Unpin> Body for Tracked<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// A connection's IO, reporting reads to its watch.
pub struct Watched<T> {
    pub io: T,
    pub watch: Arc<Watch>,
}

impl<T: AsyncRead + Unpin> AsyncRead for Watched<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.io).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.watch.bytes_read();
        }
        polled
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Watched<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn idle_then_head_then_request() {
        let watch = Watch::new(Duration::from_secs(2), Duration::from_secs(10));
        let opened = Instant::now();
        watch.expired().await;
        assert_eq!(opened.elapsed(), Duration::from_secs(10), "keep-alive");

        let watch = Watch::new(Duration::from_secs(2), Duration::from_secs(10));
        tokio::time::sleep(Duration::from_secs(3)).await;
        watch.bytes_read();
        let started = Instant::now();
        watch.expired().await;
        assert_eq!(started.elapsed(), Duration::from_secs(2), "header read");

        // A running request never expires; its end starts the keep-alive wait.
        let watch = Watch::new(Duration::from_secs(2), Duration::from_secs(10));
        let busy = watch.begin();
        let ended = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(60)).await;
            drop(busy);
            Instant::now()
        });
        watch.expired().await;
        let ended = ended.await.unwrap_or_else(|_| Instant::now());
        assert_eq!(ended.elapsed(), Duration::from_secs(10));
    }
}
