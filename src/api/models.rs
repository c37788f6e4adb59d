//! `/models/{provider}`: ask the upstream for its models (never stored), and manage the
//! provider's model cache, which is all `GET /v1/models` and routing ever read.

use std::collections::BTreeSet;

use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};

use super::ApiTags;
use super::body::JsonBody;
use super::security::SessionAuth;
use super::types::ModelIds;
use crate::app::AppState;
use crate::error::{GatewayError, Result};
use crate::store::{CacheChange, ProviderRow};
use crate::upstream::discover_models;

/// The models the upstream offers right now.
#[derive(Debug, Clone, Object)]
pub struct UpstreamModels {
    pub provider: String,
    /// Upstream ids, sorted.
    pub ids: Vec<String>,
}

/// Ids to leave out when replacing the cache with the upstream list.
#[derive(Debug, Clone, Object, serde::Deserialize)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct ExcludeIds {
    /// Upstream ids not to cache.
    #[oai(default)]
    #[serde(default)]
    pub exclude: Vec<String>,
}

/// What a cache operation did.
#[derive(Debug, Clone, Default, Object)]
pub struct CacheSummary {
    pub provider: String,
    /// Newly cached ids.
    pub added: Vec<String>,
    /// Ids that were cached already (their update time was refreshed).
    pub updated: Vec<String>,
    /// Ids removed from the cache.
    pub removed: Vec<String>,
    /// Upstream ids left out because they were excluded.
    pub filtered: Vec<String>,
    /// Ids that were asked for but are not there (not cached, or not offered upstream).
    pub not_found: Vec<String>,
}

impl CacheSummary {
    fn from_change(provider: &str, change: CacheChange) -> Self {
        CacheSummary {
            provider: provider.to_string(),
            added: change.added,
            updated: change.updated,
            removed: change.removed,
            ..CacheSummary::default()
        }
    }

    fn describe(&self) -> String {
        format!(
            "added {:?} updated {:?} removed {:?} filtered {:?} not_found {:?}",
            self.added, self.updated, self.removed, self.filtered, self.not_found
        )
    }
}

/// Trimmed, non-empty, de-duplicated ids in their first order; 400 when none remain.
fn clean_ids(ids: Vec<String>, field: &str) -> Result<Vec<String>> {
    let mut seen = BTreeSet::new();
    let cleaned: Vec<String> = ids
        .into_iter()
        .map(|id| id.trim().to_string())
        .filter(|id| !id.is_empty() && seen.insert(id.clone()))
        .collect();
    if cleaned.is_empty() {
        return Err(GatewayError::bad_param(
            field,
            format!("{field} must list at least one model id"),
        ));
    }
    Ok(cleaned)
}

impl AppState {
    async fn upstream_models(&self, row: &ProviderRow) -> Result<Vec<String>> {
        let snapshot = self.snapshot.load();
        let view = snapshot
            .providers
            .get(&row.name)
            .ok_or_else(|| GatewayError::NotFound(format!("provider `{}` not found", row.name)))?;
        let timeout = view
            .row
            .first_byte_timeout_ms
            .and_then(|ms| u64::try_from(ms).ok())
            .map_or(
                self.config.timeouts.first_byte,
                std::time::Duration::from_millis,
            );
        discover_models(&self.http, view, timeout).await
    }

    async fn finish_cache_change(
        &self,
        actor: &str,
        action: &str,
        summary: &CacheSummary,
    ) -> Result<()> {
        let target = format!("provider:{}", summary.provider);
        self.audit(actor, action, &target, summary.describe())
            .await?;
        self.refresh().await
    }
}

pub struct ModelApi;

#[OpenApi(tag = "ApiTags::Models")]
impl ModelApi {
    /// Ask the provider's models endpoint now and return its ids without storing them
    /// (admin). Upstream errors give 502, timeouts 504, with the upstream's message.
    #[oai(
        path = "/models/:provider",
        method = "get",
        operation_id = "provider_models"
    )]
    async fn discover(
        &self,
        auth: SessionAuth,
        state: Data<&AppState>,
        provider: Path<String>,
    ) -> Result<Json<UpstreamModels>> {
        auth.0.require_admin()?;
        let row = state.provider_by_name(&provider.0).await?;
        let ids = state.upstream_models(&row).await?;
        Ok(Json(UpstreamModels {
            provider: row.name,
            ids,
        }))
    }

    /// Add ids to the provider's model cache, or refresh them if cached (admin).
    #[oai(
        path = "/models/:provider/cache",
        method = "post",
        operation_id = "model_cache_add"
    )]
    async fn cache_add(
        &self,
        auth: SessionAuth,
        state: Data<&AppState>,
        provider: Path<String>,
        body: JsonBody<ModelIds>,
    ) -> Result<Json<CacheSummary>> {
        auth.0.require_admin()?;
        let row = state.provider_by_name(&provider.0).await?;
        let ids = clean_ids(body.0.ids, "ids")?;
        let change = state.store.upsert_models(row.id, &ids).await?;
        let summary = CacheSummary::from_change(&row.name, change);
        state
            .finish_cache_change(&auth.0.username, "model_cache_add", &summary)
            .await?;
        Ok(Json(summary))
    }

    /// Remove ids from the provider's model cache; ids that were not cached are
    /// reported in `not_found` (admin).
    #[oai(
        path = "/models/:provider/cache",
        method = "delete",
        operation_id = "model_cache_remove"
    )]
    async fn cache_remove(
        &self,
        auth: SessionAuth,
        state: Data<&AppState>,
        provider: Path<String>,
        body: JsonBody<ModelIds>,
    ) -> Result<Json<CacheSummary>> {
        auth.0.require_admin()?;
        let row = state.provider_by_name(&provider.0).await?;
        let ids = clean_ids(body.0.ids, "ids")?;
        let change = state.store.remove_models(row.id, &ids).await?;
        let mut summary = CacheSummary::from_change(&row.name, change);
        summary.not_found = ids
            .into_iter()
            .filter(|id| !summary.removed.contains(id))
            .collect();
        state
            .finish_cache_change(&auth.0.username, "model_cache_remove", &summary)
            .await?;
        Ok(Json(summary))
    }

    /// Replace the provider's model cache with the upstream list minus `exclude`
    /// (admin). Excluded ids the upstream does not offer are reported in `not_found`.
    #[oai(
        path = "/models/:provider/cache",
        method = "put",
        operation_id = "model_cache_replace"
    )]
    async fn cache_replace(
        &self,
        auth: SessionAuth,
        state: Data<&AppState>,
        provider: Path<String>,
        body: JsonBody<ExcludeIds>,
    ) -> Result<Json<CacheSummary>> {
        auth.0.require_admin()?;
        let row = state.provider_by_name(&provider.0).await?;
        let upstream = state.upstream_models(&row).await?;
        let exclude: BTreeSet<String> = body
            .0
            .exclude
            .into_iter()
            .map(|id| id.trim().to_string())
            .collect();
        let (filtered, kept): (Vec<String>, Vec<String>) = upstream
            .iter()
            .cloned()
            .partition(|id| exclude.contains(id));
        let change = state.store.replace_models(row.id, &kept).await?;
        let mut summary = CacheSummary::from_change(&row.name, change);
        summary.not_found = exclude
            .into_iter()
            .filter(|id| !upstream.contains(id))
            .collect();
        summary.filtered = filtered;
        state
            .finish_cache_change(&auth.0.username, "model_cache_replace", &summary)
            .await?;
        Ok(Json(summary))
    }
}
