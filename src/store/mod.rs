//! Persistence: the `ConfigStore` (providers, keys, models, users, sessions, audit) and
//! `LogStore` (request logs) traits, their row types, and the SQL implementation for
//! SQLite and (with the `postgres` feature) PostgreSQL.

mod config_sql;
mod log_sql;
mod pool;

use async_trait::async_trait;
use poem_openapi::Object;
use serde::Serialize;

use crate::error::Result;

pub use pool::{SqlStore, connect, sqlite_path};

/// A provider row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ProviderRow {
    pub id: i64,
    pub name: String,
    pub api_type: String,
    pub base_url: String,
    pub models_path: String,
    pub key_strategy: String,
    pub enabled: bool,
    pub priority: i64,
    pub weight: i64,
    pub created_at: String,
    pub updated_at: String,
}

/// Fields written when a provider is created or replaced.
#[derive(Debug, Clone)]
pub struct ProviderFields {
    pub name: String,
    pub api_type: String,
    pub base_url: String,
    pub models_path: String,
    pub key_strategy: String,
    pub enabled: bool,
    pub priority: i64,
    pub weight: i64,
}

/// A provider key as stored (`key_value` is encrypted unless the strategy is `plain`).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct KeyRow {
    pub id: i64,
    pub provider_id: i64,
    pub key_value: String,
    pub created_at: String,
}

/// A cached model of a provider.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ModelRow {
    pub provider_id: i64,
    pub model_id: String,
    pub created_at: String,
    pub updated_at: String,
}

/// What a cache write changed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct CacheChange {
    pub added: Vec<String>,
    pub updated: Vec<String>,
    pub removed: Vec<String>,
}

/// A user account.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: String,
    pub enabled: bool,
    /// JSON array of `provider/model` ids or patterns the user may use.
    pub models: String,
    pub balance: i64,
    pub created_at: String,
    pub updated_at: String,
}

/// Fields of a new user.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: String,
    pub enabled: bool,
    pub models: String,
}

/// One audit entry to append.
#[derive(Debug, Clone)]
pub struct AuditEntry {
    pub actor: String,
    pub action: String,
    pub target: String,
    pub summary: String,
}

/// A stored audit entry.
#[derive(Debug, Clone, sqlx::FromRow, Object, Serialize)]
pub struct AuditRow {
    pub id: i64,
    /// Time in the display timezone.
    pub time: String,
    /// Username of who did it.
    pub actor: String,
    /// What was done, e.g. `provider_create`, `key_delete`, `key_reveal`.
    pub action: String,
    /// What it was done to, e.g. `provider:openai`.
    pub target: String,
    /// Details; provider keys appear per the key strategy, never a password.
    pub summary: String,
}

/// Filters for the audit list.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub action: Option<String>,
    pub target: Option<String>,
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    pub before_id: Option<i64>,
    pub limit: i64,
}

/// One request log row; written in batches by the log writer.
#[derive(Debug, Clone, Default, sqlx::FromRow, Object, Serialize)]
pub struct RequestLog {
    /// Row id; also the pagination cursor.
    pub id: i64,
    /// Unix milliseconds (for sorting and ranges).
    pub ts: i64,
    /// Time in the display timezone.
    pub time: String,
    pub request_id: String,
    /// What kind of request, e.g. `chat`, `provider_create`, `models_list`.
    pub request_type: String,
    pub method: String,
    /// Full path with the query string.
    pub path: String,
    pub requested_model: Option<String>,
    pub upstream_model: Option<String>,
    pub provider: Option<String>,
    /// Provider key, shown per the key strategy.
    pub provider_key: Option<String>,
    pub user_name: Option<String>,
    pub token_name: Option<String>,
    /// HTTP status sent to the client (499 when the client went away).
    pub status: i64,
    pub prompt_tokens: i64,
    pub completion_tokens: i64,
    pub total_tokens: i64,
    pub cached_tokens: i64,
    pub reasoning_tokens: i64,
    /// Cost in micro-units of the configured currency.
    pub cost: i64,
    pub latency_ms: i64,
    /// Time to the first upstream byte, for relayed requests.
    pub ttfb_ms: Option<i64>,
    /// Error text (the upstream's own text for upstream failures).
    pub error: Option<String>,
}

/// Filters and cursor for the request log list.
#[derive(Debug, Clone, Default)]
pub struct LogFilter {
    pub before_id: Option<i64>,
    pub limit: i64,
}

/// Providers, keys, cached models, users, sessions and the audit log.
#[async_trait]
pub trait ConfigStore: Send + Sync {
    async fn create_provider(&self, fields: &ProviderFields) -> Result<ProviderRow>;
    async fn list_providers(&self) -> Result<Vec<ProviderRow>>;
    async fn get_provider(&self, name: &str) -> Result<Option<ProviderRow>>;
    async fn update_provider(&self, id: i64, fields: &ProviderFields) -> Result<ProviderRow>;
    /// Deletes the provider with its keys and models; returns what was removed.
    async fn delete_provider(&self, id: i64) -> Result<(Vec<KeyRow>, Vec<String>)>;

    async fn add_key(&self, provider_id: i64, stored_value: &str) -> Result<KeyRow>;
    async fn list_keys(&self, provider_id: Option<i64>) -> Result<Vec<KeyRow>>;
    async fn delete_key(&self, provider_id: i64, key_id: i64) -> Result<Option<KeyRow>>;

    async fn list_models(&self, provider_id: Option<i64>) -> Result<Vec<ModelRow>>;
    async fn upsert_models(&self, provider_id: i64, ids: &[String]) -> Result<CacheChange>;
    async fn remove_models(&self, provider_id: i64, ids: &[String]) -> Result<CacheChange>;
    /// Makes the cache exactly `ids`.
    async fn replace_models(&self, provider_id: i64, ids: &[String]) -> Result<CacheChange>;

    async fn create_user(&self, user: &NewUser) -> Result<UserRow>;
    async fn get_user(&self, id: i64) -> Result<Option<UserRow>>;
    async fn get_user_by_name(&self, username: &str) -> Result<Option<UserRow>>;
    async fn count_users(&self) -> Result<i64>;

    async fn create_session(&self, token_hash: &str, user_id: i64, expires_ms: i64) -> Result<()>;
    /// The user of a live session (expired sessions are not returned).
    async fn session_user(&self, token_hash: &str, now_ms: i64) -> Result<Option<UserRow>>;
    async fn delete_session(&self, token_hash: &str) -> Result<bool>;

    async fn append_audit(&self, entry: &AuditEntry) -> Result<()>;
    async fn list_audit(&self, filter: &AuditFilter) -> Result<Vec<AuditRow>>;

    /// Cheap round trip used by readiness checks.
    async fn ping(&self) -> Result<()>;
}

/// Request logs.
#[async_trait]
pub trait LogStore: Send + Sync {
    async fn insert_logs(&self, rows: &[RequestLog]) -> Result<()>;
    async fn list_logs(&self, filter: &LogFilter) -> Result<Vec<RequestLog>>;
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
