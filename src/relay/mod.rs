//! The data-plane pipeline for one relayed request. The steps, in order:
//!
//! 1. `api::relay` kept the exact request bytes and read `model` / `stream`
//!    (`RelayRequest`); `TokenAuth` checked the `sk-` token in memory.
//! 2. `routing::resolve` turns the model name into a provider and upstream model from
//!    the snapshot; the token's grants are checked on the `provider/model` id (403).
//! 3. `routing::pick_key` picks the provider key per its pool strategy.
//! 4. `plan` pairs the client's protocol with the provider's: the same protocol is a
//!    passthrough (`model` rewritten in place, stream usage asked for when the client
//!    did not), a different one is translated (`protocol::*::from_*`).
//!    The reservation is read from that outgoing body (`billing::estimate`: its output
//!    limit and prompt size) and held by the ledger, or refused with 402/429.
//! 5. `forward` swaps the client's key for the provider's and sends with the connect
//!    and first-byte timeouts.
//! 6. The answer: an upstream error keeps its status in the client's error shape; a
//!    whole answer is returned byte for byte or translated (`answer`; an event stream is
//!    aggregated for a non-streaming client); a stream goes event by event through the
//!    pair's `StreamTranslate` (`stream`).
//! 7. `finish::Finish` writes exactly one log row, whatever happened, in the place the
//!    request held in the log queue since it arrived (`RelayInput::slot`).

mod answer;
mod finish;
mod forward;
mod plan;
mod reserve;
mod stream;

use std::sync::Arc;

use bytes::Bytes;
use poem::Response;
use poem::http::{HeaderMap, StatusCode};

use crate::app::{AppState, LoggedByHandler};
use crate::billing::estimate;
use crate::error::{GatewayError, Result};
use crate::logsink::Slot;
use crate::protocol::ClientProtocol;
use crate::protocol::openai::RequestView;
use crate::routing::{Resolved, pick_key, resolve};
use crate::snapshot::TokenEntry;
use crate::telemetry::trace;
use finish::Finish;
use forward::Limits;
use plan::Pair;

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
    /// Anthropic Messages.
    Messages,
    /// Anthropic token counting.
    CountTokens,
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
            Endpoint::Messages => "/v1/messages",
            Endpoint::CountTokens => "/v1/messages/count_tokens",
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
            (Endpoint::Messages, false) => "messages",
            (Endpoint::Messages, true) => "messages_stream",
            (Endpoint::CountTokens, _) => "messages_count_tokens",
        }
    }

    /// The GenAI semantic-convention operation name.
    fn operation(self) -> &'static str {
        match self {
            Endpoint::Chat | Endpoint::Messages | Endpoint::Responses => "chat",
            Endpoint::Completions => "text_completion",
            Endpoint::Embeddings => "embeddings",
            Endpoint::Rerank => "rerank",
            Endpoint::Images => "image_generation",
            Endpoint::AudioSpeech => "speech",
            Endpoint::CountTokens => "count_tokens",
        }
    }

    /// Endpoints whose answers are generated text (estimated when usage is missing).
    fn generates_text(self) -> bool {
        matches!(
            self,
            Endpoint::Chat | Endpoint::Completions | Endpoint::Responses | Endpoint::Messages
        )
    }

    /// The protocol clients of this endpoint speak.
    pub fn client_protocol(self) -> ClientProtocol {
        match self {
            Endpoint::Messages | Endpoint::CountTokens => ClientProtocol::Anthropic,
            _ => ClientProtocol::OpenAi,
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
    /// The request's server span (a no-op unless tracing is configured).
    pub span: tracing::Span,
    /// The place held in the log queue for the request's row.
    pub slot: Option<Slot>,
}

/// Runs the pipeline; always answers (errors in the client's shape) and always logs once.
pub async fn handle(state: &AppState, mut input: RelayInput) -> Response {
    let slot = input.slot.take();
    let mut finish = Finish::start(state, &input, slot);
    let mut response = match run(state, &input, &mut finish).await {
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
            input.endpoint.client_protocol().error_response(&err)
        }
    };
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
    let pair = Pair::new(input.endpoint, &provider.row);
    let price = if input.endpoint == Endpoint::CountTokens {
        // Counting tokens costs nothing and is not billed.
        if !pair.anthropic_upstream() {
            return Ok(Outcome::Answered(estimated_count(input)));
        }
        None
    } else {
        Some(reserve::price_of(&snapshot, &model_id)?)
    };
    let key = pick_key(&provider)?;
    finish.set_route(&provider.row.name, &upstream_model, key.display.clone());
    let client_span = trace::client_span(
        &input.span,
        input.endpoint.operation(),
        &provider.row.name,
        &upstream_model,
    );
    finish.trace(input, client_span.clone());
    let outgoing = plan::outgoing(
        pair,
        input,
        &upstream_model,
        state.config.anthropic_max_tokens,
    )?;
    let prompt_tokens = match price {
        Some(price) => reserve::hold(state, &input.token, price, &outgoing.body, finish)?,
        None => None,
    };
    finish.sending(outgoing.body.clone(), prompt_tokens);
    let injected_usage = outgoing.injected_usage;
    let echo = outgoing.echo.clone();
    let limits = Limits::for_provider(state, &provider);
    let name = provider.row.name.as_str();
    let upstream = forward::send(
        state,
        &provider,
        &key.secret,
        outgoing,
        &input.headers,
        &limits,
        &client_span,
    )
    .await?;
    finish.first_byte();
    let status =
        StatusCode::from_u16(upstream.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
    if !status.is_success() {
        let (response, text) = answer::upstream_error(upstream, &limits, name, pair).await;
        return Ok(Outcome::Failed(response, text));
    }
    let headers = upstream.headers().clone();
    let event_stream = answer::is_event_stream(&headers);
    if input.view.stream && event_stream {
        let translate = plan::translator(pair, input, &upstream_model, injected_usage, echo);
        let body = stream::relay_body(upstream, limits, name, translate, finish.hand_over());
        let mut head = answer::response_head(status, &headers);
        if pair.translates() {
            head = head.content_type("text/event-stream");
        }
        return Ok(Outcome::Streaming(head.body(body)));
    }
    let body = answer::read_body(upstream, &limits, name).await?;
    let translated = event_stream || pair.translates();
    let (body, usage) = answer::client_answer(pair, input.endpoint, body, event_stream, echo)?;
    finish.observe_answer(&body);
    match usage {
        Some(usage) => finish.usage(&usage),
        // An answer without usage is still paid for: estimated from its size.
        None if input.endpoint.generates_text() => finish.estimate_completion(body.len()),
        None => {}
    }
    let mut head = answer::response_head(status, &headers);
    if translated {
        head = head.content_type("application/json");
    }
    Ok(Outcome::Answered(head.body(body)))
}

/// `count_tokens` for a provider without one: an estimate from the request size.
fn estimated_count(input: &RelayInput) -> Response {
    let tokens = estimate::prompt_tokens(&input.raw);
    Response::builder()
        .content_type("application/json")
        .header("x-gateway-estimate", "true")
        .body(format!("{{\"input_tokens\":{tokens}}}"))
}
