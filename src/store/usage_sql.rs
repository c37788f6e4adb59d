//! Usage aggregates over the request log in one scan: sums per (period, key, latency
//! bucket), the latency rounded down to two significant digits.
//! Only `/v1` requests (rows with a token) count. Sums are cast to BIGINT because
//! PostgreSQL sums BIGINTs as NUMERIC.

use super::pool::on_pool;
use super::{SqlStore, UsageBucket, UsageKey, UsageQuery};
use crate::error::Result;

/// The key expression per grouping (fixed strings, never user input).
fn key_sql(key: UsageKey) -> &'static str {
    match key {
        UsageKey::Model => "COALESCE(provider || '/' || upstream_model, requested_model, '')",
        UsageKey::Provider => "COALESCE(provider, '')",
        UsageKey::User => "COALESCE(user_name, '')",
        UsageKey::Token => "COALESCE(token_name, '')",
    }
}

/// The period index: rows in the same local day (or hour) share it; 0 without periods.
const PERIOD_SQL: &str = "CASE WHEN $3 > 0 THEN (ts + $4) / $3 ELSE 0 END";

const WHERE_SQL: &str =
    "WHERE ts >= $1 AND ts < $2 AND token_id IS NOT NULL AND ($5 IS NULL OR user_id = $5)";

/// Latency rounded down to two significant digits.
const BUCKET_SQL: &str = "CASE WHEN latency_ms < 100 THEN latency_ms \
    WHEN latency_ms < 1000 THEN latency_ms / 10 * 10 \
    WHEN latency_ms < 10000 THEN latency_ms / 100 * 100 \
    WHEN latency_ms < 100000 THEN latency_ms / 1000 * 1000 \
    ELSE latency_ms / 10000 * 10000 END";

/// One scan: sums per (period, key, latency bucket); the caller adds up the buckets of
/// a group for its totals and reads its percentiles from them.
pub(super) async fn buckets(store: &SqlStore, q: &UsageQuery) -> Result<Vec<UsageBucket>> {
    let key = key_sql(q.key);
    let sql = format!(
        "SELECT {PERIOD_SQL} AS period, {key} AS key, {BUCKET_SQL} AS bucket, \
         COUNT(*) AS requests, \
         CAST(COALESCE(SUM(prompt_tokens), 0) AS BIGINT) AS prompt_tokens, \
         CAST(COALESCE(SUM(completion_tokens), 0) AS BIGINT) AS completion_tokens, \
         CAST(COALESCE(SUM(cached_tokens), 0) AS BIGINT) AS cached_tokens, \
         CAST(COALESCE(SUM(cache_creation_tokens), 0) AS BIGINT) AS cache_creation_tokens, \
         CAST(COALESCE(SUM(reasoning_tokens), 0) AS BIGINT) AS reasoning_tokens, \
         CAST(COALESCE(SUM(total_tokens), 0) AS BIGINT) AS total_tokens, \
         CAST(COALESCE(SUM(cost), 0) AS BIGINT) AS cost, \
         CAST(COALESCE(SUM(CASE WHEN status >= 400 THEN 1 ELSE 0 END), 0) AS BIGINT) AS errors \
         FROM request_logs {WHERE_SQL} GROUP BY 1, 2, 3"
    );
    Ok(
        on_pool!(&store.pool, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(q.from_ms)
        .bind(q.to_ms)
        .bind(q.period_ms)
        .bind(q.offset_ms)
        .bind(q.user_id)
        .fetch_all(p)
        .await)?,
    )
}
