//! The data-plane pipeline for one relayed request. The steps, in order:
//!
//! 1. `api::relay` kept the exact request bytes and read `model` / `stream`
//!    (`RelayRequest`); `TokenAuth` checked the `sk-` token in memory.
//! 2. `routing::resolve` turns the model name into a provider and upstream model from
//!    the snapshot; the token's grants are checked on the `provider/model` id (403).
//! 3. `routing::pick_key` picks the provider key per its pool strategy.
//! 4. `forward` rewrites `model` in place (and asks for stream usage when the client did
//!    not), swaps the client's key for the provider's and sends with the connect and
//!    first-byte timeouts.
//! 5. The answer: an upstream error becomes an OpenAI-format error with its status;
//!    JSON is read whole and returned byte for byte (`answer`), an event stream is
//!    aggregated for a non-streaming client, or relayed event by event (`stream`).
//! 6. `finish::Finish` writes exactly one log row, whatever happened.

mod answer;
mod finish;
mod forward;
mod stream;

use std::sync::Arc;

use bytes::Bytes;
use poem::http::{HeaderMap, StatusCode};
use poem::{IntoResponse, Response};

use crate::app::{AppState, LoggedByHandler};
use crate::error::{GatewayError, Result};
use crate::protocol::openai::{RequestView, usage_of};
use crate::routing::{Resolved, pick_key, resolve};
use crate::snapshot::TokenEntry;
use finish::Finish;
use forward::Limits;

/// The OpenAI endpoints the relay serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    Chat,
    Completions,
    Embeddings,
    Responses,
    Rerank,
    Images,
    AudioSpeech,
}

impl Endpoint {
    pub fn path(self) -> &'static str {
        match self {
            Endpoint::Chat => "/v1/chat/completions",
            Endpoint::Completions => "/v1/completions",
            Endpoint::Embeddings => "/v1/embeddings",
            Endpoint::Responses => "/v1/responses",
            Endpoint::Rerank => "/v1/rerank",
            Endpoint::Images => "/v1/images/generations",
            Endpoint::AudioSpeech => "/v1/audio/speech",
        }
    }

    /// The log's request_type.
    pub fn request_type(self, stream: bool) -> &'static str {
        match (self, stream) {
            (Endpoint::Chat, false) => "chat",
            (Endpoint::Chat, true) => "chat_stream",
            (Endpoint::Completions, false) => "completions",
            (Endpoint::Completions, true) => "completions_stream",
            (Endpoint::Responses, false) => "responses",
            (Endpoint::Responses, true) => "responses_stream",
            (Endpoint::Embeddings, _) => "embeddings",
            (Endpoint::Rerank, _) => "rerank",
            (Endpoint::Images, _) => "images",
            (Endpoint::AudioSpeech, _) => "audio_speech",
        }
    }

    /// Endpoints whose streams report usage only when `stream_options.include_usage`.
    fn reports_stream_usage(self) -> bool {
        matches!(self, Endpoint::Chat | Endpoint::Completions)
    }
}

/// One request as the API layer hands it over.
pub struct RelayInput {
    pub endpoint: Endpoint,
    pub raw: Bytes,
    pub view: RequestView,
    pub headers: HeaderMap,
    pub request_id: String,
    pub path: String,
    pub token: Arc<TokenEntry>,
}

/// Runs the pipeline; always answers (errors in the OpenAI format) and always logs once.
pub async fn handle(state: &AppState, input: RelayInput) -> Response {
    let mut finish = Finish::start(state, &input);
    let response = match run(state, &input, &mut finish).await {
        Ok(Outcome::Streaming(response)) => response,
        Ok(Outcome::Answered(response)) => {
            finish.done(response.status().as_u16(), None);
            response
        }
        Ok(Outcome::Failed(response, text)) => {
            finish.done(response.status().as_u16(), Some(text));
            response
        }
        Err(err) => {
            finish.done(err.status().as_u16(), Some(err.to_string()));
            err.into_response()
        }
    };
    let mut response = response;
    response.set_data(LoggedByHandler);
    response
}

enum Outcome {
    /// A whole answer; the row is written now.
    Answered(Response),
    /// A stream; the row is written when it ends (the `Finish` moved into the body).
    Streaming(Response),
    /// The upstream's error answer, with its own text for the log.
    Failed(Response, String),
}

async fn run(state: &AppState, input: &RelayInput, finish: &mut Finish) -> Result<Outcome> {
    let snapshot = state.snapshot.load();
    let Resolved {
        provider,
        upstream_model,
    } = resolve(&snapshot, &input.view.model)?;
    let model_id = format!("{}/{}", provider.row.name, upstream_model);
    if !input.token.allows(&model_id) {
        return Err(GatewayError::Forbidden(format!(
            "model `{model_id}` is not allowed for this API key"
        )));
    }
    let key = pick_key(&provider)?;
    finish.set_route(&provider.row.name, &upstream_model, key.display.clone());
    if provider.row.api_type != "openai" {
        return Err(GatewayError::bad_param(
            "model",
            format!(
                "provider `{}` speaks the {} protocol, which {} does not serve",
                provider.row.name,
                provider.row.api_type,
                input.endpoint.path()
            ),
        ));
    }
    let (body, injected) =
        forward::outgoing_body(input.endpoint, &input.raw, &input.view, &upstream_model)?;
    let limits = Limits::for_provider(state, &provider);
    let name = provider.row.name.as_str();
    let upstream = forward::send(
        state,
        &provider,
        &key.secret,
        input.endpoint,
        body,
        &input.headers,
        &limits,
    )
    .await?;
    finish.first_byte();
    let status =
        StatusCode::from_u16(upstream.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
    if !status.is_success() {
        let (response, text) = answer::upstream_error(upstream, &limits, name).await;
        return Ok(Outcome::Failed(response, text));
    }
    let headers = upstream.headers().clone();
    let event_stream = answer::is_event_stream(&headers);
    if input.view.stream && event_stream {
        let taken = finish.hand_over();
        let body = stream::relay_body(upstream, limits, name, injected, taken);
        return Ok(Outcome::Streaming(
            answer::response_head(status, &headers).body(body),
        ));
    }
    let body = answer::read_body(upstream, &limits, name).await?;
    let (body, headers) = if event_stream && input.endpoint == Endpoint::Chat {
        let mut json_headers = headers.clone();
        json_headers.insert(
            "content-type",
            poem::http::HeaderValue::from_static("application/json"),
        );
        (answer::aggregate_chat(&body), json_headers)
    } else {
        (body, headers)
    };
    if let Some(usage) = usage_of(&body) {
        finish.usage(&usage);
    }
    Ok(Outcome::Answered(
        answer::response_head(status, &headers).body(body),
    ))
}
