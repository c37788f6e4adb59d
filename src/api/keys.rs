//! `/providers/{provider}/keys`: add, list (optionally revealed) and delete provider keys.

use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::ApiTags;
use super::body::JsonBody;
use super::security::SessionAuth;
use crate::app::AppState;
use crate::error::{GatewayError, Result};
use crate::store::KeyRow;

/// A key to add to a provider's pool.
#[derive(Debug, Clone, Object, serde::Deserialize)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
#[oai(example)]
pub struct KeyInput {
    /// The provider API key.
    #[oai(validator(min_length = 1, max_length = 4096))]
    pub key: String,
}

impl poem_openapi::types::Example for KeyInput {
    fn example() -> Self {
        KeyInput {
            key: "sk-proj-0123456789abcdef".into(),
        }
    }
}

/// A provider key as shown by the API.
#[derive(Debug, Clone, Object)]
pub struct ProviderKey {
    pub id: i64,
    /// Provider name.
    pub provider: String,
    /// The key per the key strategy (`none`: absent, `masked`: `sk-p...cdef`,
    /// `plain`: whole), or whole with `reveal=true`.
    #[oai(nullable)]
    pub key: Option<String>,
    pub created_at: String,
}

#[derive(ApiResponse)]
enum KeyCreated {
    /// The key was added.
    #[oai(status = 201)]
    Created(Json<ProviderKey>),
}

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
            created_at: row.created_at,
        })
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
    /// Add a key to a provider's pool (admin).
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
    ) -> Result<KeyCreated> {
        auth.0.require_admin()?;
        let row = state.provider_by_name(&provider.0).await?;
        let key = body.0.key.trim().to_string();
        if key.is_empty() {
            return Err(GatewayError::bad_param("key", "key must not be blank"));
        }
        let stored = state.vault.seal(&key)?;
        let key_row = state.store.add_key(row.id, &stored).await?;
        let summary = format!("key {} {}", key_row.id, state.key_shown(&key));
        state
            .audit(
                &auth.0.username,
                "key_create",
                &format!("provider:{}", row.name),
                summary,
            )
            .await?;
        state.refresh().await?;
        Ok(KeyCreated::Created(Json(
            state.key_out(&row.name, key_row, false)?,
        )))
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
