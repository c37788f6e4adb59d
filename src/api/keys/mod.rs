//! `/providers/{provider}/keys`: add, list (optionally revealed), enable / disable and
//! delete provider keys.

mod import;
mod key_list;
mod types;

use poem::web::Data;
use poem_openapi::OpenApi;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;

use types::{KeyInput, KeyStateInput, KeyStatus, ProviderKey};

use super::ApiTags;
use super::body::JsonBody;
use super::security::SessionAuth;
use crate::app::AppState;
use crate::error::{GatewayError, Result};
use crate::store::{KeyHealthChange, KeyRow};
use types::KeysAdded;

impl AppState {
    /// A key as shown; one that cannot be decrypted (the secret file was replaced) is
    /// listed as such, so it can still be seen and deleted.
    fn key_out(&self, provider: &str, row: KeyRow, reveal: bool) -> Result<ProviderKey> {
        let key = match self.vault.open_value(&row.key_value) {
            Ok(plain) if reveal => Some(plain),
            Ok(plain) => self.vault.display(&plain),
            Err(_) => Some(UNREADABLE.to_string()),
        };
        Ok(ProviderKey {
            id: row.id,
            provider: provider.to_string(),
            key,
            status: if row.enabled {
                KeyStatus::Enabled
            } else {
                KeyStatus::Disabled
            },
            disabled_reason: row.disabled_reason,
            disabled_at: row.disabled_at,
            disabled_by: row.disabled_by,
            created_at: row.created_at,
        })
    }

    /// Audits a key enabled or disabled (`actor` is a username or `system`).
    pub async fn audit_key_change(
        &self,
        actor: &str,
        provider: &str,
        key: &ProviderKey,
    ) -> Result<()> {
        let shown = key.key.as_deref().unwrap_or("(hidden)");
        let (action, summary) = match key.status {
            KeyStatus::Enabled => ("key_enable", format!("key {} {shown}", key.id)),
            KeyStatus::Disabled => (
                "key_disable",
                format!(
                    "key {} {shown}: {}",
                    key.id,
                    key.disabled_reason.as_deref().unwrap_or("no reason given")
                ),
            ),
        };
        self.audit(actor, action, &format!("provider:{provider}"), summary)
            .await
    }

    fn key_shown(&self, plain: &str) -> String {
        self.vault
            .display(plain)
            .unwrap_or_else(|| "(hidden)".into())
    }
}

/// Shown instead of a key that cannot be decrypted.
const UNREADABLE: &str = "(cannot be decrypted: wrong secret file)";

pub struct KeyApi;

#[OpenApi(tag = "ApiTags::Keys")]
impl KeyApi {
    /// Add keys to a provider's pool (admin): one `key`, or several `keys` at once
    /// (a list, or a pasted text split on commas, semicolons, spaces and newlines).
    #[oai(
        path = "/providers/:provider/keys",
        method = "post",
        operation_id = "key_create"
    )]
    async fn create(
        &self,
        auth: SessionAuth,
        state: Data<&AppState>,
        provider: Path<String>,
        body: JsonBody<KeyInput>,
    ) -> Result<KeysAdded> {
        auth.0.require_admin()?;
        let row = state.provider_by_name(&provider.0).await?;
        let actor = &auth.0.username;
        match (body.0.key, body.0.keys) {
            (Some(key), None) => Ok(KeysAdded::Created(Json(
                state.add_one(actor, &row, &key).await?,
            ))),
            (None, Some(keys)) => Ok(KeysAdded::Imported(Json(
                state.import_keys(actor, &row, keys).await?,
            ))),
            _ => Err(GatewayError::bad_request(
                "send either `key` (one key) or `keys` (several), not both",
            )),
        }
    }

    /// List a provider's keys (admin). `reveal=true` shows them whole and is audited.
    #[oai(
        path = "/providers/:provider/keys",
        method = "get",
        operation_id = "key_list"
    )]
    async fn list(
        &self,
        auth: SessionAuth,
        state: Data<&AppState>,
        provider: Path<String>,
        /// Show the keys whole (audited).
        reveal: Query<Option<bool>>,
    ) -> Result<Json<Vec<ProviderKey>>> {
        auth.0.require_admin()?;
        let row = state.provider_by_name(&provider.0).await?;
        let reveal = reveal.0.unwrap_or(false);
        let keys = state.store.list_keys(Some(row.id)).await?;
        if reveal {
            let ids: Vec<String> = keys.iter().map(|k| k.id.to_string()).collect();
            let summary = format!("revealed keys [{}]", ids.join(", "));
            state
                .audit(
                    &auth.0.username,
                    "key_reveal",
                    &format!("provider:{}", row.name),
                    summary,
                )
                .await?;
        }
        let shown = keys
            .into_iter()
            .map(|k| state.key_out(&row.name, k, reveal))
            .collect::<Result<Vec<_>>>()?;
        Ok(Json(shown))
    }

    /// Enable or disable one key (admin). A disabled key is skipped by routing until it
    /// is enabled again; setting the state it already has changes nothing.
    #[oai(
        path = "/providers/:provider/keys/:id",
        method = "put",
        operation_id = "key_update"
    )]
    async fn update(
        &self,
        auth: SessionAuth,
        state: Data<&AppState>,
        provider: Path<String>,
        id: Path<i64>,
        body: JsonBody<KeyStateInput>,
    ) -> Result<Json<ProviderKey>> {
        auth.0.require_admin()?;
        let row = state.provider_by_name(&provider.0).await?;
        let change = KeyHealthChange {
            enabled: body.0.enabled,
            reason: body
                .0
                .reason
                .map(|r| r.trim().to_string())
                .filter(|r| !r.is_empty()),
            by: auth.0.username.clone(),
        };
        let changed = state.store.set_key_enabled(row.id, id.0, &change).await?;
        let Some(key_row) = changed else {
            let current = state.store.list_keys(Some(row.id)).await?;
            let key_row = current.into_iter().find(|k| k.id == id.0).ok_or_else(|| {
                GatewayError::NotFound(format!("key {} not found in provider `{}`", id.0, row.name))
            })?;
            return Ok(Json(state.key_out(&row.name, key_row, false)?));
        };
        let out = state.key_out(&row.name, key_row, false)?;
        state
            .audit_key_change(&auth.0.username, &row.name, &out)
            .await?;
        state.refresh().await?;
        Ok(Json(out))
    }

    /// Remove a key from a provider's pool (admin).
    #[oai(
        path = "/providers/:provider/keys/:id",
        method = "delete",
        operation_id = "key_delete"
    )]
    async fn delete(
        &self,
        auth: SessionAuth,
        state: Data<&AppState>,
        provider: Path<String>,
        id: Path<i64>,
    ) -> Result<Json<ProviderKey>> {
        auth.0.require_admin()?;
        let row = state.provider_by_name(&provider.0).await?;
        let key_row = state.store.delete_key(row.id, id.0).await?.ok_or_else(|| {
            GatewayError::NotFound(format!("key {} not found in provider `{}`", id.0, row.name))
        })?;
        let out = state.key_out(&row.name, key_row, false)?;
        let summary = format!(
            "key {} {}",
            out.id,
            out.key.clone().unwrap_or_else(|| "(hidden)".into())
        );
        state
            .audit(
                &auth.0.username,
                "key_delete",
                &format!("provider:{}", row.name),
                summary,
            )
            .await?;
        state.refresh().await?;
        Ok(Json(out))
    }
}
