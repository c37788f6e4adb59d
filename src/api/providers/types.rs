//! Request and response types of the provider endpoints.

use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object};

use crate::api::types::{ApiType, PoolStrategy, ResponsesMode};

/// A provider as written by the admin (`POST` creates, `PUT` replaces).
#[derive(Debug, Clone, Object, serde::Deserialize)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
#[oai(example)]
pub struct ProviderInput {
    /// Unique name; clients address its models as `name/model`. Letters, digits, `-`,
    /// `_` and `.`.
    #[oai(validator(pattern = r"^[A-Za-z0-9._-]{1,64}$"))]
    pub name: String,
    /// Wire protocol of the upstream.
    pub api_type: ApiType,
    /// Base URL without the `/v1/...` path, e.g. `https://api.openai.com`. No
    /// credentials (`user:password@`), query string or fragment: keys go in the
    /// provider's key pool.
    #[oai(validator(max_length = 2048))]
    pub base_url: String,
    /// Path of the models endpoint, default `/v1/models`.
    #[oai(nullable)]
    pub models_path: Option<String>,
    /// Key pool strategy, default `first`.
    pub key_strategy: Option<PoolStrategy>,
    /// Default true.
    #[oai(nullable)]
    pub enabled: Option<bool>,
    /// Higher is tried first when several providers serve a model; default 0.
    #[oai(nullable)]
    pub priority: Option<i64>,
    /// Weighted choice among providers of equal priority; default 1.
    #[oai(validator(minimum(value = "0")))]
    #[oai(nullable)]
    pub weight: Option<i64>,
    /// Overrides `upstream.first_byte_timeout_ms` for this provider.
    #[oai(validator(minimum(value = "1")))]
    #[oai(nullable)]
    pub first_byte_timeout_ms: Option<i64>,
    /// Overrides `upstream.idle_timeout_ms` for this provider.
    #[oai(validator(minimum(value = "1")))]
    #[oai(nullable)]
    pub idle_timeout_ms: Option<i64>,
    /// Overrides `upstream.total_timeout_ms` for this provider.
    #[oai(validator(minimum(value = "1")))]
    #[oai(nullable)]
    pub total_timeout_ms: Option<i64>,
    /// How `/v1/responses` is served: `native` (forwarded as is) or `via_chat`
    /// (translated). Default: `native` for `https://api.openai.com`, `via_chat` for
    /// every other provider; `anthropic` providers are always `via_chat`.
    pub responses: Option<ResponsesMode>,
}

impl poem_openapi::types::Example for ProviderInput {
    fn example() -> Self {
        ProviderInput {
            name: "openai".into(),
            api_type: ApiType::Openai,
            base_url: "https://api.openai.com".into(),
            models_path: None,
            key_strategy: Some(PoolStrategy::RoundRobin),
            enabled: None,
            priority: None,
            weight: None,
            first_byte_timeout_ms: None,
            idle_timeout_ms: None,
            total_timeout_ms: None,
            responses: None,
        }
    }
}

/// A provider as stored.
#[derive(Debug, Clone, Object)]
pub struct Provider {
    pub id: i64,
    pub name: String,
    pub api_type: ApiType,
    pub base_url: String,
    pub models_path: String,
    pub key_strategy: PoolStrategy,
    pub enabled: bool,
    pub priority: i64,
    pub weight: i64,
    /// Per-provider timeout overrides (absent: the config file's values).
    #[oai(nullable)]
    pub first_byte_timeout_ms: Option<i64>,
    #[oai(nullable)]
    pub idle_timeout_ms: Option<i64>,
    #[oai(nullable)]
    pub total_timeout_ms: Option<i64>,
    /// How `/v1/responses` is served.
    pub responses: ResponsesMode,
    /// Number of keys in its pool.
    pub key_count: i64,
    /// Number of cached models.
    pub model_count: i64,
    /// Display timezone, `2025-09-26 15:10:50`.
    pub created_at: String,
    pub updated_at: String,
}

#[derive(ApiResponse)]
pub(super) enum ProviderCreated {
    /// The provider was created.
    #[oai(status = 201)]
    Created(Json<Provider>),
}
