//! Request and response types of the token endpoints, and how a row is shown.

use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Enum, Object};

use crate::accounts::parse_models;
use crate::clock::Clock;
use crate::store::{TokenFields, TokenRow};

/// Whether a token works, and if not, why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, serde::Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum TokenStatus {
    Enabled,
    Disabled,
    /// Past its expiry time.
    Expired,
    /// Its quota is used up.
    Exhausted,
}

/// A token as written by its owner or an admin (`POST` creates, `PUT` replaces).
#[derive(Debug, Clone, Object, serde::Deserialize)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct TokenInput {
    #[oai(validator(min_length = 1, max_length = 128))]
    pub name: String,
    /// Models this token may use, within the owner's grants (`provider/model`,
    /// `provider/*`); empty or absent: all of the owner's grants.
    #[serde(default)]
    #[oai(default)]
    pub models: Vec<String>,
    /// Spending limit in micro-units; absent: unlimited.
    #[oai(validator(minimum(value = "0")))]
    #[oai(nullable)]
    pub quota_limit: Option<i64>,
    /// Expiry in the display timezone (`2025-09-26 15:10:50`); absent: never.
    #[oai(nullable)]
    pub expires_at: Option<String>,
    /// `enabled` (default) or `disabled`.
    pub status: Option<TokenStatus>,
    /// Owner (admins only; default: the caller).
    #[oai(nullable)]
    pub user_id: Option<i64>,
}

/// A token as shown by the API; the full key is never shown again after creation.
#[derive(Debug, Clone, Object)]
pub struct Token {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    /// The start and end of the key, e.g. `sk-Ab12c...wxyz`.
    pub key_prefix: String,
    pub models: Vec<String>,
    #[oai(nullable)]
    pub quota_limit: Option<i64>,
    pub quota_used: i64,
    #[oai(nullable)]
    pub expires_at: Option<String>,
    pub status: TokenStatus,
    pub created_at: String,
    #[oai(nullable)]
    pub last_used_at: Option<String>,
}

/// A token with its full key, shown only in this answer.
#[derive(Debug, Clone, Object)]
pub struct TokenWithKey {
    /// The whole key: store it now, it cannot be shown again.
    pub key: String,
    pub token: Token,
}

#[derive(ApiResponse)]
pub(super) enum TokenCreated {
    /// The token was created; `key` is shown only now.
    #[oai(status = 201)]
    Created(Json<TokenWithKey>),
}

pub(super) fn token_out(row: TokenRow) -> Token {
    let status = if !row.enabled {
        TokenStatus::Disabled
    } else if row.expires_ts.is_some_and(|at| at <= Clock::now_ms()) {
        TokenStatus::Expired
    } else if row.quota_limit.is_some_and(|limit| row.quota_used >= limit) {
        TokenStatus::Exhausted
    } else {
        TokenStatus::Enabled
    };
    Token {
        models: parse_models(&row.models).as_slice().to_vec(),
        id: row.id,
        user_id: row.user_id,
        name: row.name,
        key_prefix: row.key_prefix,
        quota_limit: row.quota_limit,
        quota_used: row.quota_used,
        expires_at: row.expires_at,
        status,
        created_at: row.created_at,
        last_used_at: row.last_used_at,
    }
}

pub(super) fn describe(f: &TokenFields, prefix: &str, clock: &Clock) -> String {
    let quota = f
        .quota_limit
        .map_or_else(|| "unlimited".to_string(), |q| q.to_string());
    let expires = f
        .expires_ts
        .map_or_else(|| "never".to_string(), |ms| clock.format_ms(ms));
    format!(
        "name={} key={prefix} models={} quota_limit={quota} expires_at={expires} enabled={}",
        f.name, f.models, f.enabled
    )
}
