//! `LogStore` on SQL: batched inserts of request log rows and the paginated list.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashSet};

use async_trait::async_trait;

use super::pool::on_pool;
use super::{LogFilter, LogStore, RequestLog, SqlStore, UsageGroup, UsageQuery, rollup};
use crate::error::Result;

const INSERT_LOGS: &str = "INSERT INTO request_logs (ts, time, request_id, request_type, method, \
    path, requested_model, upstream_model, provider, provider_key, user_name, token_name, \
    status, prompt_tokens, completion_tokens, total_tokens, cached_tokens, reasoning_tokens, \
    cost, latency_ms, ttfb_ms, error, user_id, token_id, usage_estimated, cache_creation_tokens, \
    reserved) ";

/// Rows per INSERT statement: 27 values each, well under SQLite's and PostgreSQL's limits
/// on bound values.
const ROWS_PER_INSERT: usize = 500;

#[async_trait]
impl LogStore for SqlStore {
    async fn insert_logs(&self, rows: &[RequestLog]) -> Result<()> {
        on_pool!(&self.pool, p => {
            let mut tx = p.begin().await?;
            // One multi-row INSERT per chunk: far fewer round trips than a row each. A
            // request id already stored is skipped, and only new rows are charged.
            let mut inserted: Vec<String> = Vec::with_capacity(rows.len());
            for chunk in rows.chunks(ROWS_PER_INSERT) {
                let mut insert = sqlx::QueryBuilder::new(INSERT_LOGS);
                insert.push_values(chunk, |mut values, r| {
                    values
                        .push_bind(r.ts)
                        .push_bind(r.time.as_str())
                        .push_bind(r.request_id.as_str())
                        .push_bind(r.request_type.as_str())
                        .push_bind(r.method.as_str())
                        .push_bind(r.path.as_str())
                        .push_bind(r.requested_model.as_deref())
                        .push_bind(r.upstream_model.as_deref())
                        .push_bind(r.provider.as_deref())
                        .push_bind(r.provider_key.as_deref())
                        .push_bind(r.user_name.as_deref())
                        .push_bind(r.token_name.as_deref())
                        .push_bind(r.status)
                        .push_bind(r.prompt_tokens)
                        .push_bind(r.completion_tokens)
                        .push_bind(r.total_tokens)
                        .push_bind(r.cached_tokens)
                        .push_bind(r.reasoning_tokens)
                        .push_bind(r.cost)
                        .push_bind(r.latency_ms)
                        .push_bind(r.ttfb_ms)
                        .push_bind(r.error.as_deref())
                        .push_bind(r.user_id)
                        .push_bind(r.token_id)
                        .push_bind(r.usage_estimated)
                        .push_bind(r.cache_creation_tokens)
                        .push_bind(r.reserved);
                });
                insert.push(" ON CONFLICT (request_id) DO NOTHING RETURNING request_id");
                // Not cached: a statement per batch size would stay prepared on every
                // connection (hundreds of large statements).
                let ids: Vec<String> = insert
                    .build_query_scalar()
                    .persistent(false)
                    .fetch_all(&mut *tx)
                    .await?;
                inserted.extend(ids);
            }
            let new_rows = only_inserted(rows, &inserted);
            for (user_id, cost) in sum_costs(&new_rows, |r| r.user_id) {
                sqlx::query("UPDATE users SET balance = balance - $1 WHERE id = $2")
                    .bind(cost)
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?;
            }
            for (token_id, cost) in sum_costs(&new_rows, |r| r.token_id) {
                sqlx::query("UPDATE tokens SET quota_used = quota_used + $1 WHERE id = $2")
                    .bind(cost)
                    .bind(token_id)
                    .execute(&mut *tx)
                    .await?;
            }
            for ((hour, user_id, token_id, provider, model), cell) in rollup::cells(&new_rows) {
                let mut upsert = sqlx::query(sqlx::AssertSqlSafe(rollup::UPSERT.as_str()))
                    .bind(hour)
                    .bind(user_id)
                    .bind(token_id)
                    .bind(provider)
                    .bind(model)
                    .bind(cell.user_name)
                    .bind(cell.token_name);
                for value in cell.sums.into_iter().chain(cell.buckets) {
                    upsert = upsert.bind(value);
                }
                upsert.execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }

    async fn list_logs(&self, f: &LogFilter) -> Result<Vec<RequestLog>> {
        Ok(on_pool!(&self.pool, p => {
            let mut query = f.list_query("");
            query.build_query_as().fetch_all(p).await
        })?)
    }

    async fn get_log(&self, request_id: &str) -> Result<Option<RequestLog>> {
        let sql = "SELECT * FROM request_logs WHERE request_id = $1 ORDER BY id DESC LIMIT 1";
        Ok(on_pool!(&self.pool, p => sqlx::query_as(sql).bind(request_id).fetch_optional(p).await)?)
    }

    async fn usage(&self, q: &UsageQuery) -> Result<Vec<UsageGroup>> {
        super::usage_sql::groups(self, q).await
    }

    async fn delete_logs_before(&self, before_ms: i64, limit: i64) -> Result<u64> {
        let sql = "DELETE FROM request_logs WHERE id IN \
                   (SELECT id FROM request_logs WHERE ts < $1 ORDER BY id LIMIT $2)";
        Ok(on_pool!(&self.pool, p => sqlx::query(sql)
            .bind(before_ms)
            .bind(limit)
            .execute(p)
            .await
            .map(|done| done.rows_affected()))?)
    }

    async fn delete_rollup_before(&self, before_ms: i64) -> Result<u64> {
        let sql = "DELETE FROM usage_hourly WHERE hour + 3600000 <= $1";
        Ok(on_pool!(&self.pool, p => sqlx::query(sql)
            .bind(before_ms)
            .execute(p)
            .await
            .map(|done| done.rows_affected()))?)
    }
}

/// The rows whose request ids the database just inserted (all of them, unless some
/// were stored before: a retried batch or a replayed journal).
fn only_inserted<'a>(rows: &'a [RequestLog], inserted: &[String]) -> Cow<'a, [RequestLog]> {
    if inserted.len() == rows.len() {
        return Cow::Borrowed(rows);
    }
    let mut inserted: HashSet<&str> = inserted.iter().map(String::as_str).collect();
    Cow::Owned(
        rows.iter()
            .filter(|r| inserted.remove(r.request_id.as_str()))
            .cloned()
            .collect(),
    )
}

/// The total cost of a batch per user or token (one UPDATE each, not one per row).
fn sum_costs(rows: &[RequestLog], key: impl Fn(&RequestLog) -> Option<i64>) -> BTreeMap<i64, i64> {
    let mut sums = BTreeMap::new();
    for row in rows.iter().filter(|r| r.cost != 0) {
        if let Some(id) = key(row) {
            let sum: &mut i64 = sums.entry(id).or_default();
            *sum = sum.saturating_add(row.cost);
        }
    }
    sums
}
