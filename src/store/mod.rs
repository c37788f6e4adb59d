//! Persistence: the `ConfigStore` (providers, keys, models, accounts, audit) and
//! `LogStore` (request logs) traits, their row types, and the SQL implementation for
//! SQLite and (with the `postgres` feature) PostgreSQL.

mod account_sql;
mod audit_sql;
mod fault;
mod log_query;
mod log_sql;
mod pool;
mod price_sql;
mod provider_sql;
mod query;
mod rollup;
mod rows;
mod usage_sql;

use async_trait::async_trait;

use crate::error::Result;

pub use fault::{refused_for_content, unavailable};
pub use pool::{SqlStore, connect, sqlite_path};
pub use query::*;
pub use rollup::{BUCKET_BOUNDS_MS, BUCKETS};
pub use rows::*;

/// Providers, their keys and cached models.
#[async_trait]
pub trait ProviderStore: Send + Sync {
    async fn create_provider(&self, fields: &ProviderFields) -> Result<ProviderRow>;
    async fn list_providers(&self) -> Result<Vec<ProviderRow>>;
    async fn get_provider(&self, name: &str) -> Result<Option<ProviderRow>>;
    async fn update_provider(&self, id: i64, fields: &ProviderFields) -> Result<ProviderRow>;
    /// Deletes the provider with its keys and models; returns what was removed.
    async fn delete_provider(&self, id: i64) -> Result<(Vec<KeyRow>, Vec<String>)>;

    /// Adds keys (stored values) in one transaction, in order.
    async fn add_keys(&self, provider_id: i64, stored_values: &[String]) -> Result<Vec<KeyRow>>;
    async fn list_keys(&self, provider_id: Option<i64>) -> Result<Vec<KeyRow>>;
    async fn delete_key(&self, provider_id: i64, key_id: i64) -> Result<Option<KeyRow>>;
    /// Enables or disables a key; `None` when the key does not exist or already was in
    /// that state (so a change is made, and audited, once).
    async fn set_key_enabled(
        &self,
        provider_id: i64,
        key_id: i64,
        change: &KeyHealthChange,
    ) -> Result<Option<KeyRow>>;

    async fn list_models(&self, provider_id: Option<i64>) -> Result<Vec<ModelRow>>;
    async fn upsert_models(&self, provider_id: i64, ids: &[String]) -> Result<CacheChange>;
    async fn remove_models(&self, provider_id: i64, ids: &[String]) -> Result<CacheChange>;
    /// Makes the cache exactly `ids`.
    async fn replace_models(&self, provider_id: i64, ids: &[String]) -> Result<CacheChange>;
}

/// Users, login sessions and gateway tokens.
#[async_trait]
pub trait AccountStore: Send + Sync {
    async fn create_user(&self, user: &NewUser) -> Result<UserRow>;
    async fn list_users(&self) -> Result<Vec<UserRow>>;
    async fn get_user(&self, id: i64) -> Result<Option<UserRow>>;
    async fn get_user_by_name(&self, username: &str) -> Result<Option<UserRow>>;
    async fn update_user(&self, id: i64, fields: &UserFields) -> Result<UserRow>;
    async fn set_password(&self, id: i64, password_hash: &str) -> Result<()>;
    /// Deletes the user with their sessions and tokens; returns the tokens removed.
    async fn delete_user(&self, id: i64) -> Result<Vec<TokenRow>>;
    async fn count_users(&self) -> Result<i64>;
    async fn count_enabled_admins(&self) -> Result<i64>;

    async fn create_session(&self, token_hash: &str, user_id: i64, expires_ms: i64) -> Result<()>;
    /// The user of a live session (expired sessions are not returned).
    async fn session_user(&self, token_hash: &str, now_ms: i64) -> Result<Option<UserRow>>;
    async fn delete_session(&self, token_hash: &str) -> Result<bool>;
    /// Ends every session of a user except `keep` (a session hash), if given.
    async fn delete_user_sessions(&self, user_id: i64, keep: Option<&str>) -> Result<()>;

    async fn create_token(
        &self,
        user_id: i64,
        key_hash: &str,
        key_prefix: &str,
        fields: &TokenFields,
    ) -> Result<TokenRow>;
    async fn list_tokens(&self, user_id: Option<i64>) -> Result<Vec<TokenRow>>;
    async fn get_token(&self, id: i64) -> Result<Option<TokenRow>>;
    async fn update_token(&self, id: i64, fields: &TokenFields) -> Result<TokenRow>;
    async fn set_token_key(&self, id: i64, key_hash: &str, key_prefix: &str) -> Result<TokenRow>;
    async fn delete_token(&self, id: i64) -> Result<Option<TokenRow>>;
    /// Records last-use times (token id, unix ms) collected in memory.
    async fn touch_tokens(&self, used: &[(i64, i64)]) -> Result<()>;
}

/// Prices and balances.
#[async_trait]
pub trait PriceStore: Send + Sync {
    async fn create_price(&self, fields: &PriceFields) -> Result<PriceRow>;
    async fn list_prices(&self) -> Result<Vec<PriceRow>>;
    async fn get_price(&self, id: i64) -> Result<Option<PriceRow>>;
    async fn update_price(&self, id: i64, fields: &PriceFields) -> Result<Option<PriceRow>>;
    async fn delete_price(&self, id: i64) -> Result<Option<PriceRow>>;
    /// Adds `delta` to a user's stored balance; returns the stored balance after it.
    async fn adjust_balance(&self, user_id: i64, delta: i64) -> Result<Option<i64>>;
}

/// The audit log, plus the readiness ping.
#[async_trait]
pub trait AuditStore: Send + Sync {
    async fn append_audit(&self, entry: &AuditEntry) -> Result<()>;
    async fn list_audit(&self, filter: &AuditFilter) -> Result<Vec<AuditRow>>;
    /// Cheap round trip used by readiness checks.
    async fn ping(&self) -> Result<()>;
    /// Closes the connections (at shutdown; afterwards every query fails).
    async fn close(&self);
}

/// Everything the control plane stores: providers, accounts, prices and the audit log.
pub trait ConfigStore: ProviderStore + AccountStore + PriceStore + AuditStore {}

impl<T: ProviderStore + AccountStore + PriceStore + AuditStore> ConfigStore for T {}

/// Request logs.
#[async_trait]
pub trait LogStore: Send + Sync {
    /// Inserts the rows and, in the same transaction, applies their costs to the
    /// users' balances and the tokens' used quota.
    async fn insert_logs(&self, rows: &[RequestLog]) -> Result<()>;
    async fn list_logs(&self, filter: &LogFilter) -> Result<Vec<RequestLog>>;
    async fn get_log(&self, request_id: &str) -> Result<Option<RequestLog>>;
    /// Token, cost and error sums and latency buckets of `/v1` requests per (period,
    /// key); a group may come in several parts (rollup and raw edges) to be added up.
    async fn usage(&self, query: &UsageQuery) -> Result<Vec<UsageGroup>>;
    /// Deletes up to `limit` of the oldest rows older than `before_ms`; returns how many.
    async fn delete_logs_before(&self, before_ms: i64, limit: i64) -> Result<u64>;
    /// Deletes the hourly usage rollup of hours wholly before `before_ms`; returns how
    /// many rollup rows.
    async fn delete_rollup_before(&self, before_ms: i64) -> Result<u64>;
}

/// A unique-constraint violation becomes `Conflict` with `what` in its message.
pub(crate) fn conflict_on_unique(err: sqlx::Error, what: &str) -> crate::error::GatewayError {
    match &err {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            crate::error::GatewayError::Conflict(format!("{what} already exists"))
        }
        _ => err.into(),
    }
}
