//! The request log writer: a bounded channel drained by one background task that
//! inserts rows in batches. The request path never waits on it, no row is dropped, and
//! `shutdown` flushes everything still queued.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::{Notify, mpsc};
use tokio::task::JoinHandle;

use crate::config::LogWriterSettings;
use crate::store::{LogStore, RequestLog};
use crate::telemetry::metrics;

const WRITE_ATTEMPTS: u32 = 5;

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
    stop: Arc<Notify>,
    task: JoinHandle<()>,
}

impl LogWriter {
    pub fn start(store: Arc<dyn LogStore>, settings: LogWriterSettings) -> LogWriter {
        let (tx, rx) = mpsc::channel(settings.queue_capacity);
        let overflow = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(Notify::new());
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
        self.stop.notify_one();
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
    stop: Arc<Notify>,
) {
    let mut batch = Vec::with_capacity(settings.batch_size);
    loop {
        tokio::select! {
            received = rx.recv_many(&mut batch, settings.batch_size) => {
                if received == 0 {
                    break;
                }
                fill_until(&mut rx, &mut batch, settings).await;
                metrics::log_queue_depth(rx.len() + overflow.load(Ordering::SeqCst));
                write(&*store, &mut batch).await;
            }
            () = stop.notified() => break,
        }
    }
    // Drain: everything queued, including rows still waiting for room in the queue.
    loop {
        while let Ok(row) = rx.try_recv() {
            batch.push(row);
            if batch.len() >= settings.batch_size {
                write(&*store, &mut batch).await;
            }
        }
        write(&*store, &mut batch).await;
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

async fn write(store: &dyn LogStore, batch: &mut Vec<RequestLog>) {
    if batch.is_empty() {
        return;
    }
    for attempt in 1..=WRITE_ATTEMPTS {
        let started = std::time::Instant::now();
        match store.insert_logs(batch).await {
            Ok(()) => {
                metrics::log_batch(batch.len(), started.elapsed().as_secs_f64());
                batch.clear();
                return;
            }
            Err(err) => {
                tracing::warn!(%err, attempt, rows = batch.len(), "writing request logs failed");
                tokio::time::sleep(Duration::from_millis(100 * u64::from(attempt))).await;
            }
        }
    }
    tracing::error!(
        rows = batch.len(),
        "request log rows could not be written and are lost"
    );
    batch.clear();
}
