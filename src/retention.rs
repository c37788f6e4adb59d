//! Retention: a background task deletes request log rows older than
//! `log_writer.retention_days`, in small batches so writers are never blocked for long,
//! and the hourly usage rollup older than its own, longer
//! `log_writer.rollup_retention_days` (usage stays answerable after its rows are gone),
//! and reports what it deleted on the console.

use std::sync::Arc;
use std::time::Duration;

use crate::clock::Clock;
use crate::config::LogWriterSettings;
use crate::error::Result;
use crate::store::LogStore;

const BATCH: i64 = 1000;
const PAUSE_BETWEEN_BATCHES: Duration = Duration::from_millis(20);
const SWEEP_EVERY: Duration = Duration::from_secs(3600);
const FIRST_SWEEP_AFTER: Duration = Duration::from_secs(30);
const DAY_MS: i64 = 24 * 3600 * 1000;

/// Deletes every log row older than `before_ms`, batch by batch; returns how many.
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

/// `days` back from now in ms; `None` for 0 (kept forever).
fn keep_ms(days: u64) -> Option<i64> {
    i64::try_from(days)
        .ok()?
        .checked_mul(DAY_MS)
        .filter(|ms| *ms > 0)
}

/// Days the rollup is kept: as long as the logs at least (forever when they are).
fn rollup_days(settings: &LogWriterSettings) -> u64 {
    match (settings.retention_days, settings.rollup_retention_days) {
        (0, _) | (_, 0) => 0,
        (logs, rollup) => rollup.max(logs),
    }
}

/// One pass: logs past their retention, then rollup hours past theirs.
pub async fn sweep_all(logs: &dyn LogStore, clock: Clock, settings: &LogWriterSettings) {
    let now = Clock::now_ms();
    if let Some(keep) = keep_ms(settings.retention_days) {
        let before = now - keep;
        match sweep(logs, before).await {
            Ok(0) => {}
            Ok(deleted) => tracing::info!(
                deleted,
                older_than = %clock.format_ms(before),
                "log retention deleted old request log rows"
            ),
            Err(err) => tracing::warn!(%err, "log retention failed; will retry"),
        }
    }
    if let Some(keep) = keep_ms(rollup_days(settings)) {
        let before = now - keep;
        match logs.delete_rollup_before(before).await {
            Ok(0) => {}
            Ok(deleted) => tracing::info!(
                deleted,
                older_than = %clock.format_ms(before),
                "usage rollup retention deleted old hours"
            ),
            Err(err) => tracing::warn!(%err, "usage rollup retention failed; will retry"),
        }
    }
}

/// Sweeps hourly (the first time shortly after start); nothing to do when logs are
/// kept forever (the rollup then is too).
pub fn spawn(
    logs: Arc<dyn LogStore>,
    clock: Clock,
    settings: LogWriterSettings,
) -> Option<tokio::task::JoinHandle<()>> {
    keep_ms(settings.retention_days)?;
    Some(tokio::spawn(async move {
        tokio::time::sleep(FIRST_SWEEP_AFTER).await;
        loop {
            sweep_all(&*logs, clock, &settings).await;
            tokio::time::sleep(SWEEP_EVERY).await;
        }
    }))
}
