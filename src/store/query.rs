//! Query types of the request log: list filters and usage aggregates.

/// Filters and cursor for the request log list.
#[derive(Debug, Clone, Default)]
pub struct LogFilter {
    /// Only rows of this user (always set for non-admin callers).
    pub user_id: Option<i64>,
    pub token_id: Option<i64>,
    pub provider: Option<String>,
    /// Matches the requested or the upstream model.
    pub model: Option<String>,
    pub request_type: Option<String>,
    /// 2, 4 or 5: only 2xx, 4xx or 5xx statuses.
    pub status_class: Option<i64>,
    pub errors_only: bool,
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    pub before_id: Option<i64>,
    pub limit: i64,
}

/// What usage is grouped by besides time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UsageKey {
    Model,
    Provider,
    User,
    Token,
}

/// The time and scope of a usage query.
#[derive(Debug, Clone)]
pub struct UsageQuery {
    pub from_ms: i64,
    pub to_ms: i64,
    /// Bucket width in ms (a day or an hour), or 0 for the whole range.
    pub period_ms: i64,
    /// Offset of the display timezone, so days start at local midnight.
    pub offset_ms: i64,
    pub key: UsageKey,
    pub user_id: Option<i64>,
}

/// Sums over the `/v1` requests of one (period, key) group, with the request counts
/// per latency bucket (`BUCKET_BOUNDS_MS`).
#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct UsageGroup {
    pub period: i64,
    pub key: String,
    pub requests: i64,
    pub prompt_tokens: i64,
    pub completion_tokens: i64,
    pub cached_tokens: i64,
    pub cache_creation_tokens: i64,
    pub reasoning_tokens: i64,
    pub total_tokens: i64,
    pub cost: i64,
    pub errors: i64,
    pub b0: i64,
    pub b1: i64,
    pub b2: i64,
    pub b3: i64,
    pub b4: i64,
    pub b5: i64,
    pub b6: i64,
    pub b7: i64,
    pub b8: i64,
    pub b9: i64,
    pub b10: i64,
    pub b11: i64,
    pub b12: i64,
    pub b13: i64,
    pub b14: i64,
    pub b15: i64,
}

impl UsageGroup {
    pub fn buckets(&self) -> [i64; 16] {
        [
            self.b0, self.b1, self.b2, self.b3, self.b4, self.b5, self.b6, self.b7, self.b8,
            self.b9, self.b10, self.b11, self.b12, self.b13, self.b14, self.b15,
        ]
    }
}
