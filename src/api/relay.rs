//! The data plane (`/v1/*`): OpenAI-compatible endpoints served from the snapshot.

use poem::web::Data;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};

use super::ApiTags;
use super::security::TokenAuth;
use crate::app::AppState;
use crate::error::Result;

/// One model in the OpenAI list format.
#[derive(Debug, Clone, Object)]
pub struct ModelObject {
    /// `provider/model`, the name clients send.
    pub id: String,
    /// Always `model`.
    pub object: String,
    /// Unix seconds (0: unknown).
    pub created: i64,
    /// The provider name.
    pub owned_by: String,
}

/// `GET /v1/models` answer.
#[derive(Debug, Clone, Object)]
pub struct ModelList {
    /// Always `list`.
    pub object: String,
    pub data: Vec<ModelObject>,
}

pub struct RelayApi;

#[OpenApi(tag = "ApiTags::Relay")]
impl RelayApi {
    /// List the cached models of enabled providers that the token may use, as
    /// `provider/model` ids. Never calls upstream.
    #[oai(path = "/v1/models", method = "get", operation_id = "models_list")]
    async fn models(&self, auth: TokenAuth, state: Data<&AppState>) -> Result<Json<ModelList>> {
        let snapshot = state.snapshot.load();
        let data = snapshot
            .providers_sorted()
            .into_iter()
            .filter(|p| p.row.enabled)
            .flat_map(|p| {
                p.models.iter().map(|model| ModelObject {
                    id: format!("{}/{}", p.row.name, model),
                    object: "model".into(),
                    created: 0,
                    owned_by: p.row.name.clone(),
                })
            })
            .filter(|model| auth.0.allows(&model.id))
            .collect();
        Ok(Json(ModelList {
            object: "list".into(),
            data,
        }))
    }
}
