//! Usage aggregates: whole hours come from the `usage_hourly` rollup, the partial hours
//! at the edges of the range from the request log itself, so any range is exact and
//! a range of months reads a few thousand rows. Only `/v1` requests count. Sums are
//! cast to BIGINT because PostgreSQL sums BIGINTs as NUMERIC.

use super::pool::on_pool;
use super::rollup::{BUCKETS, SUM_COLUMNS, bucket_sql};
use super::{SqlStore, UsageGroup, UsageKey, UsageQuery};
use crate::error::Result;

const HOUR_MS: i64 = 3_600_000;

/// Where a group's rows come from.
#[derive(Clone, Copy)]
enum Source {
    Rollup,
    Log,
}

/// The key expression per grouping (fixed strings, never user input).
fn key_sql(key: UsageKey, source: Source) -> &'static str {
    match (key, source) {
        (UsageKey::Model, Source::Rollup) => {
            "CASE WHEN provider = '' THEN '' ELSE provider || '/' || model END"
        }
        (UsageKey::Model, Source::Log) => {
            "CASE WHEN provider IS NULL THEN '' ELSE provider || '/' || COALESCE(upstream_model, '') END"
        }
        (UsageKey::Provider, _) => "COALESCE(provider, '')",
        (UsageKey::User, _) => "COALESCE(user_name, '')",
        (UsageKey::Token, _) => "COALESCE(token_name, '')",
    }
}

fn select_sql(key: UsageKey, source: Source) -> String {
    let (time, table, sums, buckets) = match source {
        Source::Rollup => (
            "hour",
            "usage_hourly",
            SUM_COLUMNS
                .map(|c| format!("CAST(SUM({c}) AS BIGINT) AS {c}"))
                .join(", "),
            (0..BUCKETS)
                .map(|i| format!("CAST(SUM(b{i}) AS BIGINT) AS b{i}"))
                .collect::<Vec<_>>()
                .join(", "),
        ),
        Source::Log => {
            let bucket = bucket_sql();
            (
                "ts",
                "request_logs",
                "COUNT(*) AS requests, CAST(SUM(prompt_tokens) AS BIGINT) AS prompt_tokens, \
                 CAST(SUM(completion_tokens) AS BIGINT) AS completion_tokens, \
                 CAST(SUM(cached_tokens) AS BIGINT) AS cached_tokens, \
                 CAST(SUM(cache_creation_tokens) AS BIGINT) AS cache_creation_tokens, \
                 CAST(SUM(reasoning_tokens) AS BIGINT) AS reasoning_tokens, \
                 CAST(SUM(total_tokens) AS BIGINT) AS total_tokens, \
                 CAST(SUM(cost) AS BIGINT) AS cost, \
                 CAST(SUM(CASE WHEN status >= 400 THEN 1 ELSE 0 END) AS BIGINT) AS errors"
                    .to_string(),
                (0..BUCKETS)
                    .map(|i| format!("CAST(SUM(CASE WHEN {bucket} = {i} THEN 1 ELSE 0 END) AS BIGINT) AS b{i}"))
                    .collect::<Vec<_>>()
                    .join(", "),
            )
        }
    };
    let only_usage = match source {
        Source::Rollup => "",
        Source::Log => "AND token_id IS NOT NULL AND user_id IS NOT NULL",
    };
    format!(
        "SELECT CASE WHEN $3 > 0 THEN ({time} + $4) / $3 ELSE 0 END AS period, {key} AS key, \
         {sums}, {buckets} FROM {table} WHERE {time} >= $1 AND {time} < $2 {only_usage} \
         AND ($5 IS NULL OR user_id = $5) GROUP BY 1, 2",
        key = key_sql(key, source)
    )
}

async fn query(
    store: &SqlStore,
    q: &UsageQuery,
    source: Source,
    from: i64,
    to: i64,
) -> Result<Vec<UsageGroup>> {
    if from >= to {
        return Ok(Vec::new());
    }
    let sql = select_sql(q.key, source);
    Ok(
        on_pool!(&store.pool, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(from)
        .bind(to)
        .bind(q.period_ms)
        .bind(q.offset_ms)
        .bind(q.user_id)
        .fetch_all(p)
        .await)?,
    )
}

/// Groups over `[from, to)`: rollup for the whole hours, the log for the edges. With a
/// display timezone a whole number of hours from UTC, every rollup hour falls in
/// exactly one hour or day period, so the parts of a group add up exactly; with a
/// half-hour offset (+05:30) rollup hours straddle periods, so the log is read instead.
pub(super) async fn groups(store: &SqlStore, q: &UsageQuery) -> Result<Vec<UsageGroup>> {
    if q.period_ms > 0 && q.offset_ms % HOUR_MS != 0 {
        return query(store, q, Source::Log, q.from_ms, q.to_ms).await;
    }
    let first_hour = (q.from_ms + HOUR_MS - 1).div_euclid(HOUR_MS) * HOUR_MS;
    let end_hour = q.to_ms.div_euclid(HOUR_MS) * HOUR_MS;
    if first_hour >= end_hour {
        return query(store, q, Source::Log, q.from_ms, q.to_ms).await;
    }
    let mut groups = query(store, q, Source::Rollup, first_hour, end_hour).await?;
    groups.extend(query(store, q, Source::Log, q.from_ms, first_hour).await?);
    groups.extend(query(store, q, Source::Log, end_hour, q.to_ms).await?);
    Ok(groups)
}
