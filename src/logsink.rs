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
/// After this many failed tries, a batch is tried row by row, in case one row (not the
/// database) is the problem.
const POISON_CHECK_EVERY: u32 = 10;

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
    pub fn send(&self, mut row: RequestLog) {
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
    // The writer wakes on a timer, not on every row: a row handed over never wakes
    // another thread, which keeps the request path free of cross-thread wake-ups.
    let mut tick = tokio::time::interval(settings.flush_interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            () = stop.notify.notified() => break,
        }
        metrics::log_queue_depth(rx.len() + overflow.load(Ordering::SeqCst));
        loop {
            while batch.len() < settings.batch_size {
                match rx.try_recv() {
                    Ok(row) => batch.push(row),
                    Err(_) => break,
                }
            }
            let full = batch.len() >= settings.batch_size;
            write(&*store, &mut batch, stopping).await;
            if !full {
                break;
            }
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

/// Writes the rows one at a time. If some go in, the database works and the rows that
/// do not are refused for what they hold: they are reported and dropped so they cannot
/// block the others forever. Returns whether the batch is done.
async fn write_one_by_one(store: &dyn LogStore, batch: &mut Vec<RequestLog>) -> bool {
    let mut refused = Vec::new();
    let mut written = 0;
    for row in batch.drain(..) {
        match store.insert_logs(std::slice::from_ref(&row)).await {
            Ok(()) => written += 1,
            Err(_) => refused.push(row),
        }
    }
    if written == 0 {
        *batch = refused;
        return false;
    }
    for row in &refused {
        tracing::error!(request_id = %row.request_id, cost = row.cost, "request log row refused by the database and dropped");
    }
    true
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
        if attempt.is_multiple_of(POISON_CHECK_EVERY)
            && batch.len() > 1
            && write_one_by_one(store, batch).await
        {
            return;
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
mod tests;
