//! Row types read from and written to the database, shared by both backends.

use poem_openapi::Object;
use serde::{Deserialize, Serialize};

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
    pub first_byte_timeout_ms: Option<i64>,
    pub idle_timeout_ms: Option<i64>,
    pub total_timeout_ms: Option<i64>,
    /// `native` or `via_chat`: how `/v1/responses` is served.
    pub responses: String,
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
    pub first_byte_timeout_ms: Option<i64>,
    pub idle_timeout_ms: Option<i64>,
    pub total_timeout_ms: Option<i64>,
    pub responses: String,
}

/// A provider key as stored (`key_value` is encrypted unless the strategy is `plain`).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct KeyRow {
    pub id: i64,
    pub provider_id: i64,
    pub key_value: String,
    pub created_at: String,
    /// False: routing skips the key until an admin enables it again.
    pub enabled: bool,
    /// Why, when and by whom it was disabled (all NULL while enabled).
    pub disabled_reason: Option<String>,
    pub disabled_at: Option<String>,
    pub disabled_by: Option<String>,
}

/// A key being enabled, or disabled by `by` (a username, or `system`) for `reason`.
#[derive(Debug, Clone)]
pub struct KeyHealthChange {
    pub enabled: bool,
    pub reason: Option<String>,
    pub by: String,
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

/// One request log row; written in batches by the log writer (and kept as JSON in the
/// request journal until then).
#[derive(Debug, Clone, Default, sqlx::FromRow, Object, Serialize, Deserialize)]
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
    #[oai(nullable)]
    pub requested_model: Option<String>,
    #[oai(nullable)]
    pub upstream_model: Option<String>,
    #[oai(nullable)]
    pub provider: Option<String>,
    /// Provider key, shown per the key strategy.
    #[oai(nullable)]
    pub provider_key: Option<String>,
    #[oai(nullable)]
    pub user_name: Option<String>,
    #[oai(nullable)]
    pub token_name: Option<String>,
    /// HTTP status sent to the client (499 when the client went away).
    pub status: i64,
    pub prompt_tokens: i64,
    pub completion_tokens: i64,
    pub total_tokens: i64,
    pub cached_tokens: i64,
    /// Tokens written to the prompt cache (Anthropic), billed at the cache-write price.
    pub cache_creation_tokens: i64,
    pub reasoning_tokens: i64,
    /// Cost in micro-units of the configured currency.
    pub cost: i64,
    /// Amount held for the request before it ran (its estimate, capped by what was
    /// left); the charge may exceed it by what the request used beyond the estimate.
    pub reserved: i64,
    pub latency_ms: i64,
    /// Time to the first upstream byte, for relayed requests.
    #[oai(nullable)]
    pub ttfb_ms: Option<i64>,
    /// Error text (the upstream's own text for upstream failures).
    #[oai(nullable)]
    pub error: Option<String>,
    /// Id of the user who made the call, when known.
    #[oai(nullable)]
    pub user_id: Option<i64>,
    /// Id of the gateway token used, for `/v1` calls.
    #[oai(nullable)]
    pub token_id: Option<i64>,
    /// True when the upstream reported no usage (a cut stream) and the token counts
    /// were estimated from the text seen.
    pub usage_estimated: bool,
}

/// Fields an admin replaces on a user (`password_hash` only when a new one is set).
#[derive(Debug, Clone)]
pub struct UserFields {
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub enabled: bool,
    pub models: String,
    pub password_hash: Option<String>,
}

/// A gateway token (`sk-...`); only the hash of the key is stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TokenRow {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    pub key_hash: String,
    pub key_prefix: String,
    /// JSON array of allowed model ids or patterns; empty means the owner's grants.
    pub models: String,
    pub quota_limit: Option<i64>,
    pub quota_used: i64,
    pub expires_ts: Option<i64>,
    pub expires_at: Option<String>,
    pub enabled: bool,
    pub created_at: String,
    pub updated_at: String,
    pub last_used_ts: Option<i64>,
    pub last_used_at: Option<String>,
}

/// Fields written when a token is created or replaced.
#[derive(Debug, Clone)]
pub struct TokenFields {
    pub name: String,
    pub models: String,
    pub quota_limit: Option<i64>,
    pub expires_ts: Option<i64>,
    pub enabled: bool,
}

/// A price per model id (`openai/gpt-4o`) or pattern (`deepseek/*`, `*`), in integer
/// micro-units of the configured currency per 1M tokens.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PriceRow {
    pub id: i64,
    pub model: String,
    pub input_price: i64,
    pub output_price: i64,
    pub cached_input_price: Option<i64>,
    pub cache_write_price: Option<i64>,
    pub free: bool,
    pub created_at: String,
    pub updated_at: String,
}

/// Fields written when a price is created or replaced.
#[derive(Debug, Clone)]
pub struct PriceFields {
    pub model: String,
    pub input_price: i64,
    pub output_price: i64,
    pub cached_input_price: Option<i64>,
    pub cache_write_price: Option<i64>,
    pub free: bool,
}
