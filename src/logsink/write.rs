//! Writing one batch: retried for as long as the database is away (a few attempts only
//! once the gateway is stopping or starting); when the database refuses the batch for
//! what it holds, the rows are tried one by one and only those it refuses go to the
//! dead-letter file.

use std::time::{Duration, Instant};

use super::dead_letter::DeadLetter;
use crate::store::{LogStore, RequestLog, refused_for_content};
use crate::telemetry::metrics;

const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// How long a batch is retried while the database is away.
#[derive(Debug, Clone, Copy)]
pub enum Patience {
    /// Until the database takes it (while serving: rows carry charges).
    Unbounded,
    /// This many attempts (at start and at shutdown).
    Attempts(u32),
}

/// Writes `batch`, leaving it empty when every row is written or set aside. Returns
/// false when patience ran out with rows still in it.
pub async fn write(
    store: &dyn LogStore,
    dead: &DeadLetter,
    batch: &mut Vec<RequestLog>,
    patience: impl Fn() -> Patience,
) -> bool {
    let mut attempt: u32 = 0;
    while !batch.is_empty() {
        attempt = attempt.saturating_add(1);
        let started = Instant::now();
        match store.insert_logs(batch).await {
            Ok(()) => {
                metrics::log_batch(batch.len(), started.elapsed().as_secs_f64());
                batch.clear();
                return true;
            }
            Err(err) => match refused_for_content(&err) {
                Some(_) => {
                    one_by_one(store, dead, batch).await;
                    if batch.is_empty() {
                        return true;
                    }
                }
                None => tracing::warn!(
                    %err,
                    attempt,
                    rows = batch.len(),
                    "writing request logs failed (database unavailable?); retrying"
                ),
            },
        }
        if let Patience::Attempts(limit) = patience()
            && attempt >= limit
        {
            return false;
        }
        let backoff = Duration::from_millis(100 * u64::from(attempt.min(50))).min(MAX_BACKOFF);
        tokio::time::sleep(backoff).await;
    }
    true
}

/// After a refusal: each row alone. Refused rows are set aside, written rows leave the
/// batch; from the first failure of another kind on, the rest stays to be retried.
async fn one_by_one(store: &dyn LogStore, dead: &DeadLetter, batch: &mut Vec<RequestLog>) {
    let mut rest = Vec::new();
    for row in batch.drain(..) {
        if !rest.is_empty() {
            rest.push(row);
            continue;
        }
        let started = Instant::now();
        match store.insert_logs(std::slice::from_ref(&row)).await {
            Ok(()) => metrics::log_batch(1, started.elapsed().as_secs_f64()),
            Err(err) => match refused_for_content(&err) {
                Some(reason) => dead.row(&row, &reason),
                None => rest.push(row),
            },
        }
    }
    *batch = rest;
}
