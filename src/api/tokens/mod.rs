//! `/tokens`: gateway `sk-` tokens. Users manage their own; admins see and manage
//! everyone's. Another user's token answers 404, never its data.

mod types;

use types::{Token, TokenInput, TokenStatus, TokenWithKey};
use types::{TokenCreated, describe, token_out};

use poem::web::Data;
use poem_openapi::OpenApi;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;

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

impl AppState {
    /// A token as the API shows it, with the live used quota.
    fn token_view(&self, mut row: TokenRow) -> Token {
        if let Some(used) = self.ledger.token_used(row.id) {
            row.quota_used = used;
        }
        token_out(row)
    }

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
        state.ledger.set_token(row.id, row.quota_limit, Some(0));
        let target = format!("token:{}", row.id);
        state
            .audit(
                &auth.0.username,
                "token_create",
                &target,
                describe(&fields, &prefix, &state.clock),
            )
            .await?;
        state.refresh().await?;
        Ok(TokenCreated::Created(Json(TokenWithKey {
            key,
            token: state.token_view(row),
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
        Ok(Json(
            rows.into_iter().map(|row| state.token_view(row)).collect(),
        ))
    }

    /// Read one token (owner or admin; otherwise 404).
    #[oai(path = "/tokens/:id", method = "get", operation_id = "token_get")]
    async fn get(
        &self,
        auth: SessionAuth,
        state: Data<&AppState>,
        id: Path<i64>,
    ) -> Result<Json<Token>> {
        Ok(Json(
            state.token_view(state.visible_token(&auth.0, id.0).await?),
        ))
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
        state.ledger.set_token(row.id, row.quota_limit, None);
        let target = format!("token:{}", row.id);
        state
            .audit(
                &auth.0.username,
                "token_update",
                &target,
                describe(&fields, &row.key_prefix, &state.clock),
            )
            .await?;
        state.refresh().await?;
        Ok(Json(state.token_view(row)))
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
        state.ledger.forget_token(current.id);
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
            token: state.token_view(row),
        }))
    }
}
