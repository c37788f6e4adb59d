//! Token last-use times: recorded in memory on each `/v1` request and written to the
//! database in one batch per second by a background task (and once more at shutdown).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::clock::Clock;
use crate::store::ConfigStore;

const FLUSH_EVERY: Duration = Duration::from_secs(1);

/// Pending last-use times by token id.
#[derive(Default)]
pub struct LastUsed {
    pending: Mutex<HashMap<i64, i64>>,
    stop: tokio::sync::Notify,
}

impl LastUsed {
    /// Notes that a token was just used.
    pub fn record(&self, token_id: i64) {
        let mut pending = self
            .pending
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        pending.insert(token_id, Clock::now_ms());
    }

    /// Writes everything pending.
    pub async fn flush(&self, store: &dyn ConfigStore) {
        let batch: Vec<(i64, i64)> = {
            let mut pending = self
                .pending
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            pending.drain().collect()
        };
        if batch.is_empty() {
            return;
        }
        if let Err(err) = store.touch_tokens(&batch).await {
            tracing::warn!(%err, tokens = batch.len(), "could not record token last-use times");
        }
    }

    /// Flushes every second until `stop`, then once more (never cut mid-write).
    pub fn spawn_flusher(
        self: &Arc<Self>,
        store: Arc<dyn ConfigStore>,
    ) -> tokio::task::JoinHandle<()> {
        let this = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(FLUSH_EVERY);
            loop {
                tokio::select! {
                    _ = tick.tick() => this.flush(&*store).await,
                    () = this.stop.notified() => break,
                }
            }
            this.flush(&*store).await;
        })
    }

    /// Ends the flusher after its last flush.
    pub fn stop(&self) {
        self.stop.notify_one();
    }
}
