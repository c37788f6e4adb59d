//! The data plane (`/v1/*`): the OpenAI-compatible endpoints, served from the snapshot
//! and relayed by `crate::relay`.

mod payload;
mod schemas;

use std::sync::Arc;

use poem::Request;
use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};

use super::ApiTags;
use super::security::TokenAuth;
use crate::app::{AppState, RequestMeta};
use crate::error::{GatewayError, Result};
use crate::relay::{Endpoint, RelayInput, handle};
use payload::{Audio, JsonOrStream, MessagesReply, RelayReply, RelayRequest};
use schemas::{
    ChatCompletionRequest, CountTokensRequest, MessagesRequest, ModelRequest, ResponsesRequest,
};

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

async fn relay<T, K>(
    state: &AppState,
    req: &Request,
    auth: TokenAuth,
    endpoint: Endpoint,
    body: RelayRequest<T>,
) -> RelayReply<K> {
    let meta = req.extensions().get::<Arc<RequestMeta>>();
    let request_id = meta.map(|meta| meta.id.clone()).unwrap_or_default();
    let span = meta.map_or_else(tracing::Span::none, |meta| meta.span.clone());
    let path = req
        .uri()
        .path_and_query()
        .map_or_else(|| endpoint.path().to_string(), |pq| pq.as_str().to_string());
    let input = RelayInput {
        endpoint,
        raw: body.raw,
        view: body.view,
        headers: req.headers().clone(),
        request_id,
        path,
        token: auth.0,
        span,
        slot: meta.and_then(|meta| meta.take_slot()),
    };
    RelayReply::new(handle(state, input).await)
}

/// `/v1/models/a/b` -> `/v1/models/a%2Fb`: a model id keeps its `/` when a client
/// sends it unencoded, so it reaches `GET /v1/models/{id}` as one path parameter.
pub fn encode_model_id(mut req: Request) -> Request {
    let Some(id) = req.uri().path().strip_prefix("/v1/models/") else {
        return req;
    };
    if !id.contains('/') {
        return req;
    }
    let mut path = format!("/v1/models/{}", id.replace('/', "%2F"));
    if let Some(query) = req.uri().query() {
        path = format!("{path}?{query}");
    }
    if let Ok(uri) = path.parse() {
        *req.uri_mut() = uri;
    }
    req
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

    /// One model the token may use, in the OpenAI model shape. The id is the
    /// `provider/model` that `GET /v1/models` lists; its `/` may be sent as is
    /// (`/v1/models/mock/gpt-4o`) or encoded (`/v1/models/mock%2Fgpt-4o`, as the
    /// OpenAI SDKs do). 404 for an id that is not listed for this token.
    #[oai(
        path = "/v1/models/:id",
        method = "get",
        operation_id = "models_retrieve"
    )]
    async fn model(
        &self,
        auth: TokenAuth,
        state: Data<&AppState>,
        id: Path<String>,
    ) -> Result<Json<ModelObject>> {
        let snapshot = state.snapshot.load();
        let not_found = || {
            GatewayError::NotFound(format!(
                "model `{}` does not exist or this API key may not use it; see GET /v1/models",
                id.0
            ))
        };
        let (provider, model) = id.0.split_once('/').ok_or_else(not_found)?;
        let listed = snapshot
            .providers
            .get(provider)
            .filter(|p| p.row.enabled && p.models.iter().any(|m| m == model))
            .is_some();
        if !listed || !auth.0.allows(&id.0) {
            return Err(not_found());
        }
        Ok(Json(ModelObject {
            id: id.0.clone(),
            object: "model".into(),
            created: 0,
            owned_by: provider.to_string(),
        }))
    }

    /// Chat Completions, streaming or not, relayed losslessly: only `model` is rewritten.
    #[oai(path = "/v1/chat/completions", method = "post", operation_id = "chat")]
    async fn chat(
        &self,
        auth: TokenAuth,
        state: Data<&AppState>,
        req: &Request,
        body: RelayRequest<ChatCompletionRequest>,
    ) -> RelayReply<JsonOrStream> {
        relay(&state, req, auth, Endpoint::Chat, body).await
    }

    /// Legacy text completions, streaming or not.
    #[oai(
        path = "/v1/completions",
        method = "post",
        operation_id = "completions"
    )]
    async fn completions(
        &self,
        auth: TokenAuth,
        state: Data<&AppState>,
        req: &Request,
        body: RelayRequest<ModelRequest>,
    ) -> RelayReply<JsonOrStream> {
        relay(&state, req, auth, Endpoint::Completions, body).await
    }

    /// Embeddings.
    #[oai(path = "/v1/embeddings", method = "post", operation_id = "embeddings")]
    async fn embeddings(
        &self,
        auth: TokenAuth,
        state: Data<&AppState>,
        req: &Request,
        body: RelayRequest<ModelRequest>,
    ) -> RelayReply<JsonOrStream> {
        relay(&state, req, auth, Endpoint::Embeddings, body).await
    }

    /// The Responses API, streaming or not: forwarded byte for byte to providers that
    /// speak it (`responses: native`), translated to Chat Completions or Anthropic
    /// Messages and back for the others (`via_chat`).
    #[oai(path = "/v1/responses", method = "post", operation_id = "responses")]
    async fn responses(
        &self,
        auth: TokenAuth,
        state: Data<&AppState>,
        req: &Request,
        body: RelayRequest<ResponsesRequest>,
    ) -> RelayReply<JsonOrStream> {
        relay(&state, req, auth, Endpoint::Responses, body).await
    }

    /// Rerank documents against a query.
    #[oai(path = "/v1/rerank", method = "post", operation_id = "rerank")]
    async fn rerank(
        &self,
        auth: TokenAuth,
        state: Data<&AppState>,
        req: &Request,
        body: RelayRequest<ModelRequest>,
    ) -> RelayReply<JsonOrStream> {
        relay(&state, req, auth, Endpoint::Rerank, body).await
    }

    /// Image generation.
    #[oai(
        path = "/v1/images/generations",
        method = "post",
        operation_id = "images"
    )]
    async fn images(
        &self,
        auth: TokenAuth,
        state: Data<&AppState>,
        req: &Request,
        body: RelayRequest<ModelRequest>,
    ) -> RelayReply<JsonOrStream> {
        relay(&state, req, auth, Endpoint::Images, body).await
    }

    /// Text to speech; the answer is audio bytes.
    #[oai(
        path = "/v1/audio/speech",
        method = "post",
        operation_id = "audio_speech"
    )]
    async fn speech(
        &self,
        auth: TokenAuth,
        state: Data<&AppState>,
        req: &Request,
        body: RelayRequest<ModelRequest>,
    ) -> RelayReply<Audio> {
        relay(&state, req, auth, Endpoint::AudioSpeech, body).await
    }

    /// Anthropic Messages (Claude SDKs, Claude Code), streaming or not, for any
    /// provider: forwarded as is to Anthropic providers, translated for OpenAI ones.
    /// Errors come in the Anthropic shape.
    #[oai(path = "/v1/messages", method = "post", operation_id = "messages")]
    async fn messages(
        &self,
        auth: TokenAuth,
        state: Data<&AppState>,
        req: &Request,
        body: RelayRequest<MessagesRequest>,
    ) -> RelayReply<MessagesReply> {
        relay(&state, req, auth, Endpoint::Messages, body).await
    }

    /// Anthropic token counting: forwarded to Anthropic providers; for OpenAI providers
    /// an estimate from the request size (4 bytes a token), marked by the header
    /// `x-gateway-estimate: true`.
    #[oai(
        path = "/v1/messages/count_tokens",
        method = "post",
        operation_id = "messages_count_tokens"
    )]
    async fn count_tokens(
        &self,
        auth: TokenAuth,
        state: Data<&AppState>,
        req: &Request,
        body: RelayRequest<CountTokensRequest>,
    ) -> RelayReply<MessagesReply> {
        relay(&state, req, auth, Endpoint::CountTokens, body).await
    }
}
