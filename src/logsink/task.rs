//! The writer task: wakes on its timer (or when a batch is ready or requests wait for
//! room), takes rows from the queue in batches and writes them; at shutdown drains the
//! queue, and deletes the journal files whose rows are all written.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use tokio::sync::mpsc;

use super::dead_letter::DeadLetter;
use super::journal::Journal;
use super::write::{Patience, write};
use super::{DRAIN_WAIT, Shared, Stop, WRITE_ATTEMPTS_AT_SHUTDOWN};
use crate::config::LogWriterSettings;
use crate::store::{LogStore, RequestLog};

/// What the writer task works with.
pub(super) struct Writer {
    pub(super) store: Arc<dyn LogStore>,
    pub(super) settings: LogWriterSettings,
    pub(super) shared: Arc<Shared>,
    pub(super) journal: Option<Arc<Journal>>,
    pub(super) dead: DeadLetter,
    pub(super) stop: Arc<Stop>,
    /// Rows taken from the queue and written or set aside, in queue order.
    pub(super) done: u64,
}

impl Writer {
    pub(super) async fn run(mut self, mut rx: mpsc::Receiver<RequestLog>) {
        let mut batch = Vec::with_capacity(self.settings.batch_size);
        // The writer wakes on a timer, not on every row: a row handed over never wakes
        // another thread, which keeps the request path free of cross-thread wake-ups.
        let mut tick = tokio::time::interval(self.settings.flush_interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut written = true;
        while written {
            tokio::select! {
                _ = tick.tick() => {}
                () = self.shared.wake.notified() => {}
                () = self.stop.notify.notified() => break,
            }
            self.report_drops();
            loop {
                while batch.len() < self.settings.batch_size {
                    match rx.try_recv() {
                        Ok(row) => batch.push(row),
                        Err(_) => break,
                    }
                }
                let full = batch.len() >= self.settings.batch_size;
                written = self.write(&mut batch).await;
                if !full || !written {
                    break;
                }
            }
        }
        // Drain: everything queued, and the rows of requests still holding a place.
        rx.close();
        while written {
            match tokio::time::timeout(DRAIN_WAIT, rx.recv()).await {
                Ok(Some(row)) => {
                    batch.push(row);
                    if batch.len() >= self.settings.batch_size {
                        written = self.write(&mut batch).await;
                    }
                }
                Ok(None) => break,
                Err(_) => {
                    tracing::warn!(
                        "requests still hold places in the log queue at shutdown; not waiting for their rows"
                    );
                    break;
                }
            }
        }
        if written && self.write(&mut batch).await {
            if let Some(journal) = &self.journal {
                journal.finish(self.done);
            }
            return;
        }
        while let Ok(row) = rx.try_recv() {
            batch.push(row);
        }
        match &self.journal {
            Some(_) => tracing::warn!(
                rows = batch.len(),
                "the database is unreachable at shutdown; these request log rows stay in the journal and are written at the next start"
            ),
            None => tracing::error!(
                rows = batch.len(),
                "the database is unreachable at shutdown and the journal is off; these request log rows (and their charges) are lost"
            ),
        }
    }

    /// Writes a batch taken from the queue; false when the writer gave up on it.
    async fn write(&mut self, batch: &mut Vec<RequestLog>) -> bool {
        let rows = batch.len();
        let before = self.shared.queued.fetch_sub(rows, Ordering::Relaxed);
        self.shared.depth.set(before.saturating_sub(rows) as f64);
        let stop = &self.stop;
        let patience = || match stop.stopping.load(Ordering::SeqCst) {
            true => Patience::Attempts(WRITE_ATTEMPTS_AT_SHUTDOWN),
            false => Patience::Unbounded,
        };
        if !write(&*self.store, &self.dead, batch, patience).await {
            return false;
        }
        self.done += rows as u64;
        if let Some(journal) = &self.journal {
            journal.written(self.done);
        }
        true
    }

    fn report_drops(&self) {
        let dropped = self.shared.dropped.swap(0, Ordering::Relaxed);
        if dropped > 0 {
            tracing::warn!(
                rows = dropped,
                "rows of unauthenticated requests not logged: the log queue is over half full"
            );
        }
    }
}
