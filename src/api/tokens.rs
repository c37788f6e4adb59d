//! `/tokens`: gateway `sk-` tokens. Users manage their own; admins see and manage
//! everyone's. Another user's token answers 404, never its data.

use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};

use super::ApiTags;
use super::body::JsonBody;
use super::security::SessionAuth;
use super::types::Deleted;
use crate::accounts::{
    ModelGrants, Principal, new_token_key, parse_models, sha256_hex, token_prefix,
};
use crate::app::AppState;
use crate::clock::Clock;
use crate::error::{GatewayError, Result};
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
    pub quota_limit: Option<i64>,
    /// Expiry in the display timezone (`2025-09-26 15:10:50`); absent: never.
    pub expires_at: Option<String>,
    /// `enabled` (default) or `disabled`.
    pub status: Option<TokenStatus>,
    /// Owner (admins only; default: the caller).
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
    pub quota_limit: Option<i64>,
    pub quota_used: i64,
    pub expires_at: Option<String>,
    pub status: TokenStatus,
    pub created_at: String,
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
enum TokenCreated {
    /// The token was created; `key` is shown only now.
    #[oai(status = 201)]
    Created(Json<TokenWithKey>),
}

fn token_out(row: TokenRow) -> Token {
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

fn describe(f: &TokenFields, prefix: &str) -> String {
    format!(
        "name={} key={prefix} models={} quota_limit={:?} expires_ts={:?} enabled={}",
        f.name, f.models, f.quota_limit, f.expires_ts, f.enabled
    )
}

impl AppState {
    /// The token if it exists and the caller may see it; otherwise 404.
    async fn visible_token(&self, caller: &Principal, id: i64) -> Result<TokenRow> {
        self.store
            .get_token(id)
            .await?
            .filter(|t| caller.is_admin() || t.user_id == caller.user_id)
            .ok_or_else(|| GatewayError::NotFound(format!("token {id} not found")))
    }

    /// Validates input against the owner's grants and turns it into stored fields.
    async fn token_fields(&self, owner_id: i64, input: TokenInput) -> Result<TokenFields> {
        let owner = self.store.get_user(owner_id).await?.ok_or_else(|| {
            GatewayError::bad_param("user_id", format!("user {owner_id} not found"))
        })?;
        let grants = ModelGrants::from_input(input.models, "models")?;
        if let Some(model) = parse_models(&owner.models).first_uncovered(&grants) {
            return Err(GatewayError::bad_param(
                "models",
                format!(
                    "model `{model}` is not within the models user `{}` may use",
                    owner.username
                ),
            ));
        }
        let expires_ts = self.time_param("expires_at", input.expires_at.as_deref())?;
        if expires_ts.is_some_and(|at| at <= Clock::now_ms()) {
            return Err(GatewayError::bad_param(
                "expires_at",
                "expires_at is in the past",
            ));
        }
        let enabled = match input.status.unwrap_or(TokenStatus::Enabled) {
            TokenStatus::Enabled => true,
            TokenStatus::Disabled => false,
            other => {
                return Err(GatewayError::bad_param(
                    "status",
                    format!("status can be set to enabled or disabled, not {other:?}")
                        .to_lowercase(),
                ));
            }
        };
        Ok(TokenFields {
            name: input.name.trim().to_string(),
            models: grants.to_json(),
            quota_limit: input.quota_limit,
            expires_ts,
            enabled,
        })
    }
}

pub struct TokenApi;

#[OpenApi(tag = "ApiTags::Tokens")]
impl TokenApi {
    /// Create a token; the full key is in this answer only. Admins may create one for
    /// another user with `user_id`.
    #[oai(path = "/tokens", method = "post", operation_id = "token_create")]
    async fn create(
        &self,
        auth: SessionAuth,
        state: Data<&AppState>,
        body: JsonBody<TokenInput>,
    ) -> Result<TokenCreated> {
        let owner_id = match body.0.user_id {
            Some(id) if id != auth.0.user_id => {
                auth.0.require_admin()?;
                id
            }
            _ => auth.0.user_id,
        };
        let fields = state.token_fields(owner_id, body.0).await?;
        let key = new_token_key();
        let prefix = token_prefix(&key);
        let row = state
            .store
            .create_token(owner_id, &sha256_hex(&key), &prefix, &fields)
            .await?;
        let target = format!("token:{}", row.id);
        state
            .audit(
                &auth.0.username,
                "token_create",
                &target,
                describe(&fields, &prefix),
            )
            .await?;
        state.refresh().await?;
        Ok(TokenCreated::Created(Json(TokenWithKey {
            key,
            token: token_out(row),
        })))
    }

    /// List tokens: the caller's own; admins see everyone's, optionally one user's.
    #[oai(path = "/tokens", method = "get", operation_id = "token_list")]
    async fn list(
        &self,
        auth: SessionAuth,
        state: Data<&AppState>,
        /// Only this user's tokens (admins); users always see only their own.
        user_id: Query<Option<i64>>,
    ) -> Result<Json<Vec<Token>>> {
        let owner = if auth.0.is_admin() {
            user_id.0
        } else {
            Some(auth.0.user_id)
        };
        let rows = state.store.list_tokens(owner).await?;
        Ok(Json(rows.into_iter().map(token_out).collect()))
    }

    /// Read one token (owner or admin; otherwise 404).
    #[oai(path = "/tokens/:id", method = "get", operation_id = "token_get")]
    async fn get(
        &self,
        auth: SessionAuth,
        state: Data<&AppState>,
        id: Path<i64>,
    ) -> Result<Json<Token>> {
        Ok(Json(token_out(state.visible_token(&auth.0, id.0).await?)))
    }

    /// Replace a token's settings (owner or admin). The key stays the same.
    #[oai(path = "/tokens/:id", method = "put", operation_id = "token_update")]
    async fn update(
        &self,
        auth: SessionAuth,
        state: Data<&AppState>,
        id: Path<i64>,
        body: JsonBody<TokenInput>,
    ) -> Result<Json<Token>> {
        let current = state.visible_token(&auth.0, id.0).await?;
        let fields = state.token_fields(current.user_id, body.0).await?;
        let row = state.store.update_token(current.id, &fields).await?;
        let target = format!("token:{}", row.id);
        state
            .audit(
                &auth.0.username,
                "token_update",
                &target,
                describe(&fields, &row.key_prefix),
            )
            .await?;
        state.refresh().await?;
        Ok(Json(token_out(row)))
    }

    /// Delete a token (owner or admin); it stops working at once.
    #[oai(path = "/tokens/:id", method = "delete", operation_id = "token_delete")]
    async fn delete(
        &self,
        auth: SessionAuth,
        state: Data<&AppState>,
        id: Path<i64>,
    ) -> Result<Json<Deleted>> {
        let current = state.visible_token(&auth.0, id.0).await?;
        state.store.delete_token(current.id).await?;
        let target = format!("token:{}", current.id);
        let summary = format!("name={} key={}", current.name, current.key_prefix);
        state
            .audit(&auth.0.username, "token_delete", &target, summary)
            .await?;
        state.refresh().await?;
        Ok(Json(Deleted {
            deleted: target,
            removed: Vec::new(),
        }))
    }

    /// Issue a new key for the token (owner or admin); the old key stops working. The
    /// new key is in this answer only.
    #[oai(
        path = "/tokens/:id/regenerate",
        method = "post",
        operation_id = "token_regenerate"
    )]
    async fn regenerate(
        &self,
        auth: SessionAuth,
        state: Data<&AppState>,
        id: Path<i64>,
    ) -> Result<Json<TokenWithKey>> {
        let current = state.visible_token(&auth.0, id.0).await?;
        let key = new_token_key();
        let prefix = token_prefix(&key);
        let row = state
            .store
            .set_token_key(current.id, &sha256_hex(&key), &prefix)
            .await?;
        let summary = format!("old key={} new key={prefix}", current.key_prefix);
        state
            .audit(
                &auth.0.username,
                "token_regenerate",
                &format!("token:{}", row.id),
                summary,
            )
            .await?;
        state.refresh().await?;
        Ok(Json(TokenWithKey {
            key,
            token: token_out(row),
        }))
    }
}
