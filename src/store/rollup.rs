//! The hourly usage rollup (`usage_hourly`): the log writer folds each batch of `/v1`
//! rows into it, in the same transaction, so usage over long ranges reads a small
//! table. Latency is kept as counts in 16 buckets for percentiles.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use super::RequestLog;

/// Upper bounds (ms) of the first 15 latency buckets; the 16th takes the rest.
pub const BUCKET_BOUNDS_MS: [i64; 15] = [
    25, 50, 100, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 5000, 10000, 20000, 60000,
];
pub const BUCKETS: usize = 16;
const HOUR_MS: i64 = 3_600_000;

pub fn bucket_index(latency_ms: i64) -> usize {
    BUCKET_BOUNDS_MS
        .iter()
        .position(|bound| latency_ms < *bound)
        .unwrap_or(BUCKETS - 1)
}

/// `CASE ... END` giving the bucket index of `latency_ms` in SQL.
pub fn bucket_sql() -> String {
    let arms: String = BUCKET_BOUNDS_MS
        .iter()
        .enumerate()
        .map(|(i, bound)| format!("WHEN latency_ms < {bound} THEN {i} "))
        .collect();
    format!("CASE {arms}ELSE {} END", BUCKETS - 1)
}

/// One rollup row's key: hour, user, token, provider, model.
type Key = (i64, i64, i64, String, String);

/// The sums of one rollup row.
#[derive(Debug, Default)]
pub struct Cell {
    pub user_name: String,
    pub token_name: String,
    pub sums: [i64; 9],
    pub buckets: [i64; BUCKETS],
}

/// Folds a batch of rows into rollup cells (rows without a token are not usage).
pub fn cells(rows: &[RequestLog]) -> BTreeMap<Key, Cell> {
    let mut cells: BTreeMap<Key, Cell> = BTreeMap::new();
    for row in rows {
        let (Some(user_id), Some(token_id)) = (row.user_id, row.token_id) else {
            continue;
        };
        let key = (
            row.ts.div_euclid(HOUR_MS) * HOUR_MS,
            user_id,
            token_id,
            row.provider.clone().unwrap_or_default(),
            row.upstream_model.clone().unwrap_or_default(),
        );
        let cell = cells.entry(key).or_default();
        cell.user_name = row.user_name.clone().unwrap_or_default();
        cell.token_name = row.token_name.clone().unwrap_or_default();
        let add = [
            1,
            row.prompt_tokens,
            row.completion_tokens,
            row.cached_tokens,
            row.cache_creation_tokens,
            row.reasoning_tokens,
            row.total_tokens,
            row.cost,
            i64::from(row.status >= 400),
        ];
        for (sum, value) in cell.sums.iter_mut().zip(add) {
            *sum = sum.saturating_add(value);
        }
        cell.buckets[bucket_index(row.latency_ms)] += 1;
    }
    cells
}

/// The columns summed per cell, in `Cell::sums` order.
pub const SUM_COLUMNS: [&str; 9] = [
    "requests",
    "prompt_tokens",
    "completion_tokens",
    "cached_tokens",
    "cache_creation_tokens",
    "reasoning_tokens",
    "total_tokens",
    "cost",
    "errors",
];

/// Adds a cell to its row, creating the row if needed (SQLite and PostgreSQL alike).
pub static UPSERT: LazyLock<String> = LazyLock::new(|| {
    let added: Vec<String> = SUM_COLUMNS
        .iter()
        .map(|c| c.to_string())
        .chain((0..BUCKETS).map(|i| format!("b{i}")))
        .collect();
    let placeholders: Vec<String> = (1..=7 + added.len()).map(|i| format!("${i}")).collect();
    let updates: Vec<String> = added
        .iter()
        .map(|c| format!("{c} = usage_hourly.{c} + excluded.{c}"))
        .collect();
    format!(
        "INSERT INTO usage_hourly (hour, user_id, token_id, provider, model, user_name, \
         token_name, {}) VALUES ({}) ON CONFLICT (hour, user_id, token_id, provider, model) \
         DO UPDATE SET user_name = excluded.user_name, token_name = excluded.token_name, {}",
        added.join(", "),
        placeholders.join(", "),
        updates.join(", ")
    )
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_and_cells() {
        assert_eq!(bucket_index(0), 0);
        assert_eq!(bucket_index(25), 1);
        assert_eq!(bucket_index(999), 7);
        assert_eq!(bucket_index(1_000_000), 15);
        assert!(bucket_sql().starts_with("CASE WHEN latency_ms < 25 THEN 0 "));
        let row = |ts, latency, status| RequestLog {
            ts,
            latency_ms: latency,
            status,
            user_id: Some(1),
            token_id: Some(2),
            provider: Some("p".into()),
            upstream_model: Some("m".into()),
            prompt_tokens: 10,
            cost: 5,
            ..RequestLog::default()
        };
        let rows = [
            row(HOUR_MS + 1, 10, 200),
            row(HOUR_MS + 2, 400, 500),
            row(2 * HOUR_MS, 10, 200),
            RequestLog::default(),
        ];
        let cells = cells(&rows);
        assert_eq!(
            cells.len(),
            2,
            "two hours; the row without a token is not usage"
        );
        let first = cells
            .values()
            .next()
            .map(|c| (c.sums, c.buckets[0], c.buckets[5]));
        assert_eq!(first, Some(([2, 20, 0, 0, 0, 0, 0, 10, 1], 1, 1)));
        assert_eq!(UPSERT.matches('$').count(), 32);
    }
}
