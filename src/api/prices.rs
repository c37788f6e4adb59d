//! `/prices` (admin): what each model costs, per exact id or pattern, in integer
//! micro-units of the configured currency per 1M tokens. A model with no price (and
//! not marked free) cannot be used.

use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::ApiTags;
use super::body::JsonBody;
use super::security::SessionAuth;
use super::types::Deleted;
use crate::app::AppState;
use crate::error::{GatewayError, Result};
use crate::store::{PriceFields, PriceRow};

/// A price as written by the admin (`POST` creates, `PUT` replaces).
#[derive(Debug, Clone, Object, serde::Deserialize)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
#[oai(example)]
pub struct PriceInput {
    /// `provider/model`, a pattern ending in `*` (`deepseek/*`), or `*` for all.
    #[oai(validator(min_length = 1, max_length = 256))]
    pub model: String,
    /// Per 1M input tokens (micro-units, e.g. 2500000 = 2.50).
    #[oai(validator(minimum(value = "0")))]
    #[serde(default)]
    #[oai(default)]
    pub input_price: i64,
    /// Per 1M output tokens (reasoning tokens are output).
    #[oai(validator(minimum(value = "0")))]
    #[serde(default)]
    #[oai(default)]
    pub output_price: i64,
    /// Per 1M cached input tokens; default: the input price.
    #[oai(validator(minimum(value = "0")))]
    #[oai(nullable)]
    pub cached_input_price: Option<i64>,
    /// Per 1M tokens written to the prompt cache (Anthropic); default: the input price.
    #[oai(validator(minimum(value = "0")))]
    #[oai(nullable)]
    pub cache_write_price: Option<i64>,
    /// Free models are never charged (default false).
    #[serde(default)]
    #[oai(default)]
    pub free: bool,
}

impl poem_openapi::types::Example for PriceInput {
    fn example() -> Self {
        PriceInput {
            model: "openai/gpt-4o".into(),
            input_price: 2_500_000,
            output_price: 10_000_000,
            cached_input_price: Some(1_250_000),
            cache_write_price: None,
            free: false,
        }
    }
}

/// A stored price.
#[derive(Debug, Clone, Object)]
pub struct Price {
    pub id: i64,
    pub model: String,
    pub input_price: i64,
    pub output_price: i64,
    #[oai(nullable)]
    pub cached_input_price: Option<i64>,
    #[oai(nullable)]
    pub cache_write_price: Option<i64>,
    pub free: bool,
    pub created_at: String,
    pub updated_at: String,
}

impl From<PriceRow> for Price {
    fn from(row: PriceRow) -> Self {
        Price {
            id: row.id,
            model: row.model,
            input_price: row.input_price,
            output_price: row.output_price,
            cached_input_price: row.cached_input_price,
            cache_write_price: row.cache_write_price,
            free: row.free,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

#[derive(ApiResponse)]
enum PriceCreated {
    /// The price was created.
    #[oai(status = 201)]
    Created(Json<Price>),
}

impl PriceInput {
    fn into_fields(self) -> Result<PriceFields> {
        let model = self.model.trim().to_string();
        let star = model.find('*');
        if star.is_some_and(|at| at != model.len() - 1) || (model != "*" && !model.contains('/')) {
            return Err(GatewayError::bad_param(
                "model",
                format!(
                    "`{model}` is not a model id or pattern; use provider/model, provider/* or *"
                ),
            ));
        }
        Ok(PriceFields {
            model,
            input_price: self.input_price,
            output_price: self.output_price,
            cached_input_price: self.cached_input_price,
            cache_write_price: self.cache_write_price,
            free: self.free,
        })
    }
}

fn describe(f: &PriceFields) -> String {
    let optional = |v: Option<i64>| v.map_or_else(|| "input".to_string(), |v| v.to_string());
    format!(
        "model={} input={} output={} cached_input={} cache_write={} free={}",
        f.model,
        f.input_price,
        f.output_price,
        optional(f.cached_input_price),
        optional(f.cache_write_price),
        f.free
    )
}

fn not_found(id: i64) -> GatewayError {
    GatewayError::NotFound(format!("price {id} not found"))
}

pub struct PriceApi;

#[OpenApi(tag = "ApiTags::Billing")]
impl PriceApi {
    /// Create a price (admin).
    #[oai(path = "/prices", method = "post", operation_id = "price_create")]
    async fn create(
        &self,
        auth: SessionAuth,
        state: Data<&AppState>,
        body: JsonBody<PriceInput>,
    ) -> Result<PriceCreated> {
        auth.0.require_admin()?;
        let fields = body.0.into_fields()?;
        let row = state.store.create_price(&fields).await?;
        state
            .audit(
                &auth.0.username,
                "price_create",
                &format!("price:{}", row.model),
                describe(&fields),
            )
            .await?;
        state.refresh().await?;
        Ok(PriceCreated::Created(Json(row.into())))
    }

    /// List prices (admin).
    #[oai(path = "/prices", method = "get", operation_id = "price_list")]
    async fn list(&self, auth: SessionAuth, state: Data<&AppState>) -> Result<Json<Vec<Price>>> {
        auth.0.require_admin()?;
        Ok(Json(
            state
                .store
                .list_prices()
                .await?
                .into_iter()
                .map(Price::from)
                .collect(),
        ))
    }

    /// Read one price (admin).
    #[oai(path = "/prices/:id", method = "get", operation_id = "price_get")]
    async fn get(
        &self,
        auth: SessionAuth,
        state: Data<&AppState>,
        id: Path<i64>,
    ) -> Result<Json<Price>> {
        auth.0.require_admin()?;
        let row = state
            .store
            .get_price(id.0)
            .await?
            .ok_or_else(|| not_found(id.0))?;
        Ok(Json(row.into()))
    }

    /// Replace a price (admin).
    #[oai(path = "/prices/:id", method = "put", operation_id = "price_update")]
    async fn update(
        &self,
        auth: SessionAuth,
        state: Data<&AppState>,
        id: Path<i64>,
        body: JsonBody<PriceInput>,
    ) -> Result<Json<Price>> {
        auth.0.require_admin()?;
        let fields = body.0.into_fields()?;
        let row = state
            .store
            .update_price(id.0, &fields)
            .await?
            .ok_or_else(|| not_found(id.0))?;
        state
            .audit(
                &auth.0.username,
                "price_update",
                &format!("price:{}", row.model),
                describe(&fields),
            )
            .await?;
        state.refresh().await?;
        Ok(Json(row.into()))
    }

    /// Delete a price (admin); the model cannot be used until priced again.
    #[oai(path = "/prices/:id", method = "delete", operation_id = "price_delete")]
    async fn delete(
        &self,
        auth: SessionAuth,
        state: Data<&AppState>,
        id: Path<i64>,
    ) -> Result<Json<Deleted>> {
        auth.0.require_admin()?;
        let row = state
            .store
            .delete_price(id.0)
            .await?
            .ok_or_else(|| not_found(id.0))?;
        let target = format!("price:{}", row.model);
        state
            .audit(
                &auth.0.username,
                "price_delete",
                &target,
                format!("id={}", row.id),
            )
            .await?;
        state.refresh().await?;
        Ok(Json(Deleted {
            deleted: target,
            removed: Vec::new(),
        }))
    }
}
