//! `GET /usage`: requests, tokens by kind, cost, errors and latency percentiles of `/v1`
//! requests, grouped by day or hour and by model, provider, user or token. Admins see
//! everyone's; users only their own.

use std::collections::BTreeMap;

use poem::web::Data;
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use poem_openapi::{Enum, Object, OpenApi};

use super::ApiTags;
use super::security::SessionAuth;
use crate::app::AppState;
use crate::clock::Clock;
use crate::error::{GatewayError, Result};
use crate::store::{BUCKET_BOUNDS_MS, BUCKETS, UsageGroup, UsageKey, UsageQuery};

const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 24 * HOUR_MS;
/// Without `from`, usage covers this many days back.
const DEFAULT_RANGE_MS: i64 = 7 * DAY_MS;

/// Time buckets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum Period {
    Day,
    Hour,
    /// One bucket for the whole range.
    All,
}

/// What to group by besides time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum GroupBy {
    /// `provider/model`.
    Model,
    Provider,
    User,
    Token,
}

/// Usage of one group.
#[derive(Debug, Clone, Object)]
pub struct UsageRow {
    /// Start of the period in the display timezone (absent for `period=all`).
    #[oai(nullable)]
    pub period: Option<String>,
    /// The model, provider, user or token name.
    pub key: String,
    pub requests: i64,
    pub prompt_tokens: i64,
    pub completion_tokens: i64,
    pub cached_tokens: i64,
    pub cache_creation_tokens: i64,
    pub reasoning_tokens: i64,
    pub total_tokens: i64,
    /// Micro-units of the configured currency.
    pub cost: i64,
    /// Requests with status 400 and above.
    pub errors: i64,
    /// Median latency in ms, estimated from 16 latency buckets (placed linearly within
    /// its bucket: 25, 50, 100, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 5000,
    /// 10000, 20000, 60000 ms).
    pub p50_latency_ms: i64,
    /// 95th percentile latency in ms, estimated the same way.
    pub p95_latency_ms: i64,
}

/// The usage report.
#[derive(Debug, Clone, Object)]
pub struct UsageReport {
    pub from: String,
    pub to: String,
    pub rows: Vec<UsageRow>,
}

/// The latency below which `share` of the requests fall, from bucket counts: found in
/// its bucket, then placed linearly between the bucket's bounds.
fn percentile(histogram: &[i64; BUCKETS], share: f64) -> i64 {
    let total: i64 = histogram.iter().sum();
    if total == 0 {
        return 0;
    }
    let rank = ((total as f64) * share).ceil().max(1.0);
    let mut before = 0.0;
    for (i, count) in histogram.iter().enumerate() {
        let count = *count as f64;
        if before + count >= rank && count > 0.0 {
            let lower = if i == 0 { 0 } else { BUCKET_BOUNDS_MS[i - 1] };
            let Some(upper) = BUCKET_BOUNDS_MS.get(i) else {
                return lower;
            };
            let within = (rank - before) / count;
            return lower + ((upper - lower) as f64 * within).round() as i64;
        }
        before += count;
    }
    0
}

pub struct UsageApi;

#[OpenApi(tag = "ApiTags::Billing")]
impl UsageApi {
    /// Usage aggregates over a time range (default: the last 7 days). Admins see
    /// everyone's; users only their own.
    #[allow(clippy::too_many_arguments)]
    #[oai(path = "/usage", method = "get", operation_id = "usage")]
    async fn usage(
        &self,
        auth: SessionAuth,
        state: Data<&AppState>,
        /// From this time (inclusive), display timezone: `2025-09-26 00:00:00`.
        from: Query<Option<String>>,
        /// Before this time (exclusive), display timezone; default now.
        to: Query<Option<String>>,
        /// `day` (default), `hour` or `all`.
        period: Query<Option<Period>>,
        /// `model` (default), `provider`, `user` or `token`.
        group_by: Query<Option<GroupBy>>,
        /// Only this user (admins).
        user_id: Query<Option<i64>>,
    ) -> Result<Json<UsageReport>> {
        let to_ms = state
            .time_param("to", to.0.as_deref())?
            .unwrap_or_else(|| Clock::now_ms() + 1000);
        let from_ms = state
            .time_param("from", from.0.as_deref())?
            .unwrap_or(to_ms - DEFAULT_RANGE_MS);
        if from_ms >= to_ms {
            return Err(GatewayError::bad_param("from", "from must be before to"));
        }
        let period_ms = match period.0.unwrap_or(Period::Day) {
            Period::Day => DAY_MS,
            Period::Hour => HOUR_MS,
            Period::All => 0,
        };
        let key = match group_by.0.unwrap_or(GroupBy::Model) {
            GroupBy::Model => UsageKey::Model,
            GroupBy::Provider => UsageKey::Provider,
            GroupBy::User => UsageKey::User,
            GroupBy::Token => UsageKey::Token,
        };
        let offset_ms = i64::from(state.config.timezone.local_minus_utc()) * 1000;
        let query = UsageQuery {
            from_ms,
            to_ms,
            period_ms,
            offset_ms,
            key,
            user_id: if auth.0.is_admin() {
                user_id.0
            } else {
                Some(auth.0.user_id)
            },
        };
        // A group may come in parts (rollup hours and the raw edges): add them up.
        let mut groups: BTreeMap<(i64, String), (UsageGroup, [i64; BUCKETS])> = BTreeMap::new();
        for part in state.logs.usage(&query).await? {
            let (sum, histogram) = groups.entry((part.period, part.key.clone())).or_default();
            for (count, add) in histogram.iter_mut().zip(part.buckets()) {
                *count += add;
            }
            sum.requests += part.requests;
            sum.prompt_tokens = sum.prompt_tokens.saturating_add(part.prompt_tokens);
            sum.completion_tokens = sum.completion_tokens.saturating_add(part.completion_tokens);
            sum.cached_tokens = sum.cached_tokens.saturating_add(part.cached_tokens);
            sum.cache_creation_tokens = sum
                .cache_creation_tokens
                .saturating_add(part.cache_creation_tokens);
            sum.reasoning_tokens = sum.reasoning_tokens.saturating_add(part.reasoning_tokens);
            sum.total_tokens = sum.total_tokens.saturating_add(part.total_tokens);
            sum.cost = sum.cost.saturating_add(part.cost);
            sum.errors += part.errors;
        }
        let rows = groups
            .into_iter()
            .map(|((period_index, key), (s, histogram))| UsageRow {
                period: (period_ms > 0)
                    .then(|| state.clock.format_ms(period_index * period_ms - offset_ms)),
                p50_latency_ms: percentile(&histogram, 0.50),
                p95_latency_ms: percentile(&histogram, 0.95),
                key,
                requests: s.requests,
                prompt_tokens: s.prompt_tokens,
                completion_tokens: s.completion_tokens,
                cached_tokens: s.cached_tokens,
                cache_creation_tokens: s.cache_creation_tokens,
                reasoning_tokens: s.reasoning_tokens,
                total_tokens: s.total_tokens,
                cost: s.cost,
                errors: s.errors,
            })
            .collect();
        Ok(Json(UsageReport {
            from: state.clock.format_ms(from_ms),
            to: state.clock.format_ms(to_ms),
            rows,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_from_buckets() {
        let mut histogram = [0; BUCKETS];
        histogram[0] = 50; // under 25 ms
        histogram[1] = 45; // 25..50 ms
        histogram[8] = 5; // 1000..1500 ms
        assert_eq!(percentile(&histogram, 0.50), 25);
        assert_eq!(percentile(&histogram, 0.95), 50);
        assert_eq!(percentile(&histogram, 0.99), 1400);
        assert_eq!(percentile(&[0; BUCKETS], 0.5), 0);
        let mut slow = [0; BUCKETS];
        slow[BUCKETS - 1] = 3;
        assert_eq!(percentile(&slow, 0.5), 60_000);
    }
}
