//! Log retention: a background task deletes request log rows older than the configured
//! number of days, in small batches so writers are never blocked for long, and reports
//! what it deleted on the console.

use std::sync::Arc;
use std::time::Duration;

use crate::clock::Clock;
use crate::error::Result;
use crate::store::LogStore;

const BATCH: i64 = 1000;
const PAUSE_BETWEEN_BATCHES: Duration = Duration::from_millis(20);
const SWEEP_EVERY: Duration = Duration::from_secs(3600);
const FIRST_SWEEP_AFTER: Duration = Duration::from_secs(30);
const DAY_MS: i64 = 24 * 3600 * 1000;

/// Deletes every row older than `before_ms`, batch by batch; returns how many.
pub async fn sweep(logs: &dyn LogStore, before_ms: i64) -> Result<u64> {
    let mut deleted = 0;
    loop {
        let removed = logs.delete_logs_before(before_ms, BATCH).await?;
        deleted += removed;
        if removed < BATCH as u64 {
            return Ok(deleted);
        }
        tokio::time::sleep(PAUSE_BETWEEN_BATCHES).await;
    }
}

/// Sweeps hourly (the first time shortly after start); `days == 0` keeps logs forever.
pub fn spawn(
    logs: Arc<dyn LogStore>,
    clock: Clock,
    days: u64,
) -> Option<tokio::task::JoinHandle<()>> {
    let keep_ms = i64::try_from(days)
        .ok()?
        .checked_mul(DAY_MS)
        .filter(|ms| *ms > 0)?;
    Some(tokio::spawn(async move {
        tokio::time::sleep(FIRST_SWEEP_AFTER).await;
        loop {
            let before = Clock::now_ms() - keep_ms;
            match sweep(&*logs, before).await {
                Ok(0) => {}
                Ok(deleted) => tracing::info!(
                    deleted,
                    older_than = %clock.format_ms(before),
                    "log retention deleted old request log rows"
                ),
                Err(err) => tracing::warn!(%err, "log retention failed; will retry"),
            }
            tokio::time::sleep(SWEEP_EVERY).await;
        }
    }))
}
