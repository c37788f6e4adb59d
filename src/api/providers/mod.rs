//! `/providers`: create, list, read, replace and delete upstream providers.

mod types;

use types::{Provider, ProviderCreated, ProviderInput};

use poem_openapi::OpenApi;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;

use super::ApiTags;
use super::body::JsonBody;
use super::security::SessionAuth;
use super::types::{ApiType, Deleted, PoolStrategy, ResponsesMode};
use crate::app::AppState;
use crate::error::{GatewayError, Result};
use crate::store::{ProviderFields, ProviderRow};
use poem::web::Data;

impl ProviderInput {
    fn into_fields(self) -> Result<ProviderFields> {
        let base_url = self.base_url.trim().trim_end_matches('/').to_string();
        check_base_url(&base_url)?;
        let models_path = self.models_path.unwrap_or_else(|| "/v1/models".into());
        if !models_path.starts_with('/') {
            return Err(GatewayError::bad_param(
                "models_path",
                "models_path must start with /",
            ));
        }
        let responses = self
            .responses
            .unwrap_or_else(|| ResponsesMode::default_for(self.api_type, &base_url));
        if self.api_type == ApiType::Anthropic && responses == ResponsesMode::Native {
            return Err(GatewayError::bad_param(
                "responses",
                "anthropic providers do not speak the Responses API: use \"via_chat\"",
            ));
        }
        Ok(ProviderFields {
            responses: responses.as_str().to_string(),
            name: self.name,
            api_type: self.api_type.as_str().to_string(),
            base_url,
            models_path,
            key_strategy: self
                .key_strategy
                .unwrap_or(PoolStrategy::First)
                .as_str()
                .to_string(),
            enabled: self.enabled.unwrap_or(true),
            priority: self.priority.unwrap_or(0),
            weight: self.weight.unwrap_or(1),
            first_byte_timeout_ms: self.first_byte_timeout_ms,
            idle_timeout_ms: self.idle_timeout_ms,
            total_timeout_ms: self.total_timeout_ms,
        })
    }
}

/// An http(s) URL with a host and nothing secret in it: credentials (`user:pass@`, a
/// key in the query string) are refused, never stored or echoed (keys belong in the
/// provider's key pool, which stores them sealed). The message never repeats the URL.
fn check_base_url(base_url: &str) -> Result<()> {
    let bad = |message: &str| Err(GatewayError::bad_param("base_url", message));
    if !(base_url.starts_with("http://") || base_url.starts_with("https://")) {
        return bad("base_url must start with http:// or https://");
    }
    let Ok(url) = reqwest::Url::parse(base_url) else {
        return bad("base_url is not a valid URL");
    };
    if !url.has_host() {
        return bad("base_url names no host");
    }
    if !url.username().is_empty() || url.password().is_some() {
        return bad(
            "base_url must not contain credentials (user:password@); add the key with \
             POST /providers/{provider}/keys instead",
        );
    }
    if url.query().is_some() || url.fragment().is_some() {
        return bad(
            "base_url must not contain a query string or fragment (request paths are \
             appended to it; keys go in POST /providers/{provider}/keys)",
        );
    }
    Ok(())
}

impl AppState {
    /// A provider row by name, or 404.
    pub async fn provider_by_name(&self, name: &str) -> Result<ProviderRow> {
        self.store
            .get_provider(name)
            .await?
            .ok_or_else(|| GatewayError::NotFound(format!("provider `{name}` not found")))
    }

    fn provider_out(&self, row: ProviderRow) -> Provider {
        let snapshot = self.snapshot.load();
        let view = snapshot.providers.get(&row.name);
        let count = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
        Provider {
            key_count: view.map_or(0, |v| count(v.keys.len())),
            model_count: view.map_or(0, |v| count(v.models.len())),
            id: row.id,
            api_type: ApiType::parse(&row.api_type).unwrap_or(ApiType::Openai),
            key_strategy: PoolStrategy::parse(&row.key_strategy).unwrap_or(PoolStrategy::First),
            name: row.name,
            base_url: row.base_url,
            models_path: row.models_path,
            enabled: row.enabled,
            priority: row.priority,
            weight: row.weight,
            first_byte_timeout_ms: row.first_byte_timeout_ms,
            idle_timeout_ms: row.idle_timeout_ms,
            total_timeout_ms: row.total_timeout_ms,
            responses: ResponsesMode::parse(&row.responses).unwrap_or(ResponsesMode::ViaChat),
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

fn describe(f: &ProviderFields) -> String {
    format!(
        "api_type={} base_url={} models_path={} key_strategy={} enabled={} priority={} weight={} \
         timeouts_ms(first_byte={:?} idle={:?} total={:?}) responses={}",
        f.api_type,
        f.base_url,
        f.models_path,
        f.key_strategy,
        f.enabled,
        f.priority,
        f.weight,
        f.first_byte_timeout_ms,
        f.idle_timeout_ms,
        f.total_timeout_ms,
        f.responses
    )
}

pub struct ProviderApi;

#[OpenApi(tag = "ApiTags::Providers")]
impl ProviderApi {
    /// Create a provider (admin).
    #[oai(path = "/providers", method = "post", operation_id = "provider_create")]
    async fn create(
        &self,
        auth: SessionAuth,
        state: Data<&AppState>,
        body: JsonBody<ProviderInput>,
    ) -> Result<ProviderCreated> {
        auth.0.require_admin()?;
        let fields = body.0.into_fields()?;
        let row = state.store.create_provider(&fields).await?;
        let target = format!("provider:{}", row.name);
        state
            .audit(
                &auth.0.username,
                "provider_create",
                &target,
                describe(&fields),
            )
            .await?;
        state.refresh().await?;
        Ok(ProviderCreated::Created(Json(state.provider_out(row))))
    }

    /// List providers (admin).
    #[oai(path = "/providers", method = "get", operation_id = "provider_list")]
    async fn list(&self, auth: SessionAuth, state: Data<&AppState>) -> Result<Json<Vec<Provider>>> {
        auth.0.require_admin()?;
        let rows = state.store.list_providers().await?;
        Ok(Json(
            rows.into_iter()
                .map(|row| state.provider_out(row))
                .collect(),
        ))
    }

    /// Read one provider (admin).
    #[oai(
        path = "/providers/:provider",
        method = "get",
        operation_id = "provider_get"
    )]
    async fn get(
        &self,
        auth: SessionAuth,
        state: Data<&AppState>,
        provider: Path<String>,
    ) -> Result<Json<Provider>> {
        auth.0.require_admin()?;
        let row = state.provider_by_name(&provider.0).await?;
        Ok(Json(state.provider_out(row)))
    }

    /// Replace a provider's settings (admin). Its keys and cached models are kept.
    #[oai(
        path = "/providers/:provider",
        method = "put",
        operation_id = "provider_update"
    )]
    async fn update(
        &self,
        auth: SessionAuth,
        state: Data<&AppState>,
        provider: Path<String>,
        body: JsonBody<ProviderInput>,
    ) -> Result<Json<Provider>> {
        auth.0.require_admin()?;
        let current = state.provider_by_name(&provider.0).await?;
        let fields = body.0.into_fields()?;
        let row = state.store.update_provider(current.id, &fields).await?;
        let target = format!("provider:{}", current.name);
        state
            .audit(
                &auth.0.username,
                "provider_update",
                &target,
                describe(&fields),
            )
            .await?;
        state.refresh().await?;
        Ok(Json(state.provider_out(row)))
    }

    /// Delete a provider with its keys and cached models (admin); each removal is audited.
    #[oai(
        path = "/providers/:provider",
        method = "delete",
        operation_id = "provider_delete"
    )]
    async fn delete(
        &self,
        auth: SessionAuth,
        state: Data<&AppState>,
        provider: Path<String>,
    ) -> Result<Json<Deleted>> {
        auth.0.require_admin()?;
        let row = state.provider_by_name(&provider.0).await?;
        let (keys, models) = state.store.delete_provider(row.id).await?;
        let actor = &auth.0.username;
        let target = format!("provider:{}", row.name);
        let mut removed = Vec::new();
        for key in &keys {
            let shown = state.vault.open_value(&key.key_value).ok();
            let shown = shown
                .and_then(|k| state.vault.display(&k))
                .unwrap_or_else(|| "(hidden)".into());
            state
                .audit(
                    actor,
                    "key_delete",
                    &target,
                    format!("key {} {shown} (provider deleted)", key.id),
                )
                .await?;
            removed.push(format!("key:{}", key.id));
        }
        for model in &models {
            state
                .audit(
                    actor,
                    "model_cache_remove",
                    &target,
                    format!("model {model} (provider deleted)"),
                )
                .await?;
            removed.push(format!("model:{model}"));
        }
        state
            .audit(
                actor,
                "provider_delete",
                &target,
                format!("{} keys, {} models removed", keys.len(), models.len()),
            )
            .await?;
        state.refresh().await?;
        Ok(Json(Deleted {
            deleted: target,
            removed,
        }))
    }
}
