//! The request log writer: a bounded queue drained by one background task that writes
//! rows in batches (`write`), with the journal (`journal`) and the dead-letter file
//! (`dead_letter`) beside it. The request path never waits on the database.
//!
//! The bound: every logged request holds a place in the queue from its start
//! ([`LogSink::reserve`]), so a finished request always has room for its row and the
//! queue never holds more than `queue_capacity` rows. When the queue is full, a new
//! request waits up to [`ROOM_WAIT`] for a place (back-pressure), then is answered
//! 503 before anything is spent. Rows of unauthenticated requests are only queued
//! while the queue is less than half full (else counted in
//! `gateway_log_rows_dropped_total`), so scanners cannot crowd out paying traffic.

mod dead_letter;
mod journal;
mod task;
mod write;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::{Notify, mpsc};
use tokio::task::JoinHandle;

pub use dead_letter::FILE_NAME as DEAD_LETTER_FILE;

use crate::clock::Clock;
use crate::config::LogWriterSettings;
use crate::error::Result;
use crate::store::{LogStore, RequestLog};
use crate::telemetry::metrics;
use dead_letter::DeadLetter;
use journal::Journal;
use task::Writer;

/// Attempts per batch once shutting down; before that a batch is retried until the
/// database takes it (rows carry charges).
const WRITE_ATTEMPTS_AT_SHUTDOWN: u32 = 5;
/// How long the final drain waits for requests still holding a place in the queue.
const DRAIN_WAIT: Duration = Duration::from_secs(5);
/// How long a request waits for a place in a full queue before it is answered 503.
pub const ROOM_WAIT: Duration = Duration::from_secs(2);

/// The cheap, cloneable handle the request path uses to hand over finished rows.
#[derive(Clone)]
pub struct LogSink {
    tx: mpsc::Sender<RequestLog>,
    journal: Option<Arc<Journal>>,
    shared: Arc<Shared>,
}

/// What the sink and the writer both use.
struct Shared {
    /// Rows in the queue, sent but not yet taken by the writer.
    queued: AtomicUsize,
    /// Rows of unauthenticated requests not queued since the writer last said so.
    dropped: AtomicU64,
    depth: ::metrics::Gauge,
    /// Wakes the writer before its timer: a batch is ready, or requests wait for room.
    wake: Notify,
    batch_size: usize,
}

/// A place held in the queue for one request's row.
pub struct Slot {
    permit: mpsc::OwnedPermit<RequestLog>,
    sink: LogSink,
}

impl std::fmt::Debug for Slot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Slot")
    }
}

impl Slot {
    /// Queues the row in its place (and appends it to the journal). The row of an
    /// unauthenticated request is only counted when the queue is over half full.
    pub fn send(self, row: RequestLog) {
        let Slot { permit, sink } = self;
        if row.user_id.is_none() && sink.over_half_full() {
            metrics::record_request(&row);
            metrics::log_rows_dropped("unauthenticated");
            sink.shared.dropped.fetch_add(1, Ordering::Relaxed);
            return;
        }
        sink.enqueue(row, |row| {
            permit.send(row);
        });
    }
}

impl LogSink {
    /// Holds a place in the queue for a request's row, waiting up to [`ROOM_WAIT`]
    /// when the queue is full; `None` means no room (answer 503).
    pub async fn reserve(&self) -> Option<Slot> {
        let permit = match self.tx.clone().try_reserve_owned() {
            Ok(permit) => permit,
            Err(mpsc::error::TrySendError::Full(tx)) => {
                self.shared.wake.notify_one();
                match tokio::time::timeout(ROOM_WAIT, tx.reserve_owned()).await {
                    Ok(Ok(permit)) => permit,
                    _ => {
                        metrics::log_queue_full();
                        return None;
                    }
                }
            }
            Err(mpsc::error::TrySendError::Closed(_)) => return None,
        };
        Some(Slot {
            permit,
            sink: self.clone(),
        })
    }

    /// Whether rows queued or held by other requests take half the queue or more
    /// (asked while holding a place).
    fn over_half_full(&self) -> bool {
        let max = self.tx.max_capacity();
        let others = max.saturating_sub(self.tx.capacity() + 1);
        others * 2 >= max
    }

    fn enqueue(&self, mut row: RequestLog, push: impl FnOnce(RequestLog)) {
        metrics::record_request(&row);
        // PostgreSQL refuses NUL in text; a client can put one in a model name.
        for text in [
            &mut row.requested_model,
            &mut row.upstream_model,
            &mut row.error,
        ]
        .into_iter()
        .flatten()
        {
            if text.contains('\0') {
                *text = text.replace('\0', "\u{FFFD}");
            }
        }
        let depth = self.shared.queued.fetch_add(1, Ordering::Relaxed) + 1;
        self.shared.depth.set(depth as f64);
        match &self.journal {
            Some(journal) => journal.append(row, push),
            None => push(row),
        }
        if depth >= self.shared.batch_size {
            self.shared.wake.notify_one();
        }
    }

    /// Whether the writer still takes rows.
    pub fn is_running(&self) -> bool {
        !self.tx.is_closed()
    }

    /// Whether a new request would find a place in the queue now.
    pub fn has_room(&self) -> bool {
        self.tx.capacity() > 0
    }

    /// Rows queued but not yet taken by the writer.
    pub fn queue_depth(&self) -> usize {
        self.shared.queued.load(Ordering::Relaxed)
    }
}

/// Owns the writer task; `shutdown` drains the queue and waits for the last batch.
pub struct LogWriter {
    sink: LogSink,
    stop: Arc<Stop>,
    task: JoinHandle<()>,
}

/// The shutdown signal: wakes the writer and limits its retries from then on.
#[derive(Default)]
struct Stop {
    notify: Notify,
    stopping: AtomicBool,
}

impl LogWriter {
    /// Writes what an earlier run left in the journal folder `dir` (also where the
    /// dead-letter file goes), then starts the writer task.
    pub async fn start(
        store: Arc<dyn LogStore>,
        settings: LogWriterSettings,
        dir: &Path,
        clock: Clock,
    ) -> Result<LogWriter> {
        std::fs::create_dir_all(dir)?;
        let dead = DeadLetter::new(dir, clock);
        let (leftovers, generation) = journal::leftovers(dir)?;
        journal::replay(&*store, &dead, &leftovers, settings.batch_size).await?;
        let journal = match settings.journal {
            true => Some(Arc::new(Journal::open(dir, generation)?)),
            false => None,
        };
        let (tx, rx) = mpsc::channel(settings.queue_capacity);
        let shared = Arc::new(Shared {
            queued: AtomicUsize::new(0),
            dropped: AtomicU64::new(0),
            depth: metrics::log_queue_depth(),
            wake: Notify::new(),
            batch_size: settings.batch_size,
        });
        let stop = Arc::new(Stop::default());
        let sink = LogSink {
            tx,
            journal: journal.clone(),
            shared: shared.clone(),
        };
        let writer = Writer {
            store,
            settings,
            shared,
            journal,
            dead,
            stop: stop.clone(),
            done: 0,
        };
        let task = tokio::spawn(writer.run(rx));
        Ok(LogWriter { sink, stop, task })
    }

    pub fn sink(&self) -> LogSink {
        self.sink.clone()
    }

    /// Writes every queued row, then stops the task.
    pub async fn shutdown(self) {
        self.stop.stopping.store(true, Ordering::SeqCst);
        self.stop.notify.notify_one();
        if let Err(err) = self.task.await {
            tracing::error!(%err, "log writer task failed");
        }
    }
}

#[cfg(test)]
mod tests;
