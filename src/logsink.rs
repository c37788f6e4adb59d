//! The request log writer: a bounded channel drained by one background task that
//! inserts rows in batches. The request path never waits on it, no row is dropped, and
//! `shutdown` flushes everything still queued.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::{Notify, mpsc};
use tokio::task::JoinHandle;

use crate::config::LogWriterSettings;
use crate::store::{LogStore, RequestLog};
use crate::telemetry::metrics;

/// Attempts per batch once shutting down; before that a batch is retried until the
/// database takes it (rows carry charges: they are never dropped while running).
const WRITE_ATTEMPTS_AT_SHUTDOWN: u32 = 5;
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// The cheap, cloneable handle the request path uses to hand over finished rows.
#[derive(Clone)]
pub struct LogSink {
    tx: mpsc::Sender<RequestLog>,
    /// Rows waiting for room in a full queue (sent from spawned tasks).
    overflow: Arc<AtomicUsize>,
}

impl LogSink {
    /// Counts the request in the metrics, then queues its row without waiting; when
    /// the queue is full the row waits in a task.
    pub fn send(&self, row: RequestLog) {
        metrics::record_request(&row);
        match self.tx.try_send(row) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(row)) => {
                let tx = self.tx.clone();
                let overflow = self.overflow.clone();
                overflow.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(async move {
                    if tx.send(row).await.is_err() {
                        tracing::error!("log writer stopped before a queued row was written");
                    }
                    overflow.fetch_sub(1, Ordering::SeqCst);
                });
            }
            Err(mpsc::error::TrySendError::Closed(_)) => {
                tracing::error!("log writer is stopped; a request log row was not written");
            }
        }
    }

    /// Whether the writer still takes rows.
    pub fn is_running(&self) -> bool {
        !self.tx.is_closed()
    }

    /// How many rows the queue holds at most.
    pub fn capacity(&self) -> usize {
        self.tx.max_capacity()
    }

    /// Rows queued but not yet taken by the writer.
    pub fn queue_depth(&self) -> usize {
        self.tx.max_capacity() - self.tx.capacity() + self.overflow.load(Ordering::SeqCst)
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
    pub fn start(store: Arc<dyn LogStore>, settings: LogWriterSettings) -> LogWriter {
        let (tx, rx) = mpsc::channel(settings.queue_capacity);
        let overflow = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(Stop::default());
        let sink = LogSink {
            tx,
            overflow: overflow.clone(),
        };
        let task = tokio::spawn(run(store, settings, rx, overflow, stop.clone()));
        LogWriter { sink, stop, task }
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

async fn run(
    store: Arc<dyn LogStore>,
    settings: LogWriterSettings,
    mut rx: mpsc::Receiver<RequestLog>,
    overflow: Arc<AtomicUsize>,
    stop: Arc<Stop>,
) {
    let stopping = &stop.stopping;
    let mut batch = Vec::with_capacity(settings.batch_size);
    loop {
        tokio::select! {
            received = rx.recv_many(&mut batch, settings.batch_size) => {
                if received == 0 {
                    break;
                }
                fill_until(&mut rx, &mut batch, settings).await;
                metrics::log_queue_depth(rx.len() + overflow.load(Ordering::SeqCst));
                write(&*store, &mut batch, stopping).await;
            }
            () = stop.notify.notified() => break,
        }
    }
    // Drain: everything queued, including rows still waiting for room in the queue.
    loop {
        while let Ok(row) = rx.try_recv() {
            batch.push(row);
            if batch.len() >= settings.batch_size {
                write(&*store, &mut batch, stopping).await;
            }
        }
        write(&*store, &mut batch, stopping).await;
        if overflow.load(Ordering::SeqCst) == 0 && rx.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Tops up a batch for at most the flush interval so busy periods write fewer,
/// larger batches.
async fn fill_until(
    rx: &mut mpsc::Receiver<RequestLog>,
    batch: &mut Vec<RequestLog>,
    settings: LogWriterSettings,
) {
    let deadline = tokio::time::Instant::now() + settings.flush_interval;
    while batch.len() < settings.batch_size {
        let room = settings.batch_size - batch.len();
        match tokio::time::timeout_at(deadline, rx.recv_many(batch, room)).await {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
    }
}

async fn write(store: &dyn LogStore, batch: &mut Vec<RequestLog>, stopping: &AtomicBool) {
    if batch.is_empty() {
        return;
    }
    let mut attempt: u32 = 0;
    let mut attempts_at_shutdown: u32 = 0;
    loop {
        attempt = attempt.saturating_add(1);
        let started = std::time::Instant::now();
        match store.insert_logs(batch).await {
            Ok(()) => {
                metrics::log_batch(batch.len(), started.elapsed().as_secs_f64());
                batch.clear();
                return;
            }
            Err(err) => {
                tracing::warn!(%err, attempt, rows = batch.len(), "writing request logs failed; retrying");
            }
        }
        if stopping.load(Ordering::SeqCst) {
            attempts_at_shutdown += 1;
            if attempts_at_shutdown >= WRITE_ATTEMPTS_AT_SHUTDOWN {
                break;
            }
        }
        let backoff = Duration::from_millis(100 * u64::from(attempt.min(50))).min(MAX_BACKOFF);
        tokio::time::sleep(backoff).await;
    }
    tracing::error!(
        rows = batch.len(),
        "the database is unreachable at shutdown; these request log rows (and their charges) are lost"
    );
    batch.clear();
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use async_trait::async_trait;

    use super::*;
    use crate::error::{GatewayError, Result};
    use crate::store::{LogFilter, UsageGroup, UsageQuery};

    /// A store that fails its first `failures` writes, then keeps what it is given.
    struct Flaky {
        failures: AtomicUsize,
        kept: Mutex<Vec<RequestLog>>,
    }

    #[async_trait]
    impl LogStore for Flaky {
        async fn insert_logs(&self, rows: &[RequestLog]) -> Result<()> {
            if self.failures.load(Ordering::SeqCst) > 0 {
                self.failures.fetch_sub(1, Ordering::SeqCst);
                return Err(GatewayError::Internal("database unreachable".into()));
            }
            self.kept
                .lock()
                .map_err(|_| GatewayError::Internal("poisoned".into()))?
                .extend_from_slice(rows);
            Ok(())
        }
        async fn list_logs(&self, _: &LogFilter) -> Result<Vec<RequestLog>> {
            Ok(Vec::new())
        }
        async fn get_log(&self, _: &str) -> Result<Option<RequestLog>> {
            Ok(None)
        }
        async fn usage(&self, _: &UsageQuery) -> Result<Vec<UsageGroup>> {
            Ok(Vec::new())
        }
        async fn delete_logs_before(&self, _: i64, _: i64) -> Result<u64> {
            Ok(0)
        }
    }

    #[tokio::test(start_paused = true)]
    async fn rows_wait_out_a_database_outage() {
        let store = Arc::new(Flaky {
            failures: AtomicUsize::new(20),
            kept: Mutex::new(Vec::new()),
        });
        let settings = LogWriterSettings {
            queue_capacity: 8,
            batch_size: 4,
            flush_interval: Duration::from_millis(10),
            retention_days: 0,
        };
        let writer = LogWriter::start(store.clone(), settings);
        let sink = writer.sink();
        for i in 0..30 {
            sink.send(RequestLog {
                request_id: format!("r{i}"),
                ..RequestLog::default()
            });
        }
        // 20 failures with backoff (paused clock), then every row arrives.
        tokio::time::sleep(Duration::from_secs(120)).await;
        writer.shutdown().await;
        let kept = store.kept.lock().map(|rows| rows.len()).unwrap_or(0);
        assert_eq!(kept, 30, "no row lost to a passing outage");
    }
}
