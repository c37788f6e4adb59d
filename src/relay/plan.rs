//! Which protocols meet on a request, and what is sent upstream: the client's bytes
//! with `model` rewritten (passthrough), or the request translated to the upstream's
//! protocol; plus the stream translator for the pair.

use bytes::Bytes;
use serde_json::Value;

use super::{Endpoint, RelayInput};
use crate::error::{GatewayError, Result};
use crate::protocol::anthropic::{AnthropicPassthrough, from_openai};
use crate::protocol::json_edit::{set_top_level, top_level_value};
use crate::protocol::openai::{OpenAiPassthrough, from_anthropic};
use crate::protocol::responses::{self, Echo, Target, ViaChat};
use crate::protocol::{ClientProtocol, StreamTranslate};
use crate::store::ProviderRow;

/// Client protocol and upstream protocol of one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pair {
    /// OpenAI client, OpenAI upstream: passthrough.
    OpenAi,
    /// Anthropic client, Anthropic upstream: passthrough.
    Anthropic,
    /// OpenAI client, Anthropic upstream: translated both ways.
    OpenAiToAnthropic,
    /// Anthropic client, OpenAI upstream: translated both ways.
    AnthropicToOpenAi,
    /// Responses client, OpenAI upstream that speaks only Chat Completions.
    ResponsesViaChat,
    /// Responses client, Anthropic upstream (through the chat translator).
    ResponsesViaMessages,
}

impl Pair {
    pub fn new(endpoint: Endpoint, provider: &ProviderRow) -> Pair {
        let anthropic = provider.api_type == "anthropic";
        let responses = endpoint == Endpoint::Responses;
        match (endpoint.client_protocol(), anthropic) {
            (ClientProtocol::OpenAi, false) if responses && provider.responses != "native" => {
                Pair::ResponsesViaChat
            }
            (ClientProtocol::OpenAi, false) => Pair::OpenAi,
            (ClientProtocol::OpenAi, true) if responses => Pair::ResponsesViaMessages,
            (ClientProtocol::OpenAi, true) => Pair::OpenAiToAnthropic,
            (ClientProtocol::Anthropic, true) => Pair::Anthropic,
            (ClientProtocol::Anthropic, false) => Pair::AnthropicToOpenAi,
        }
    }

    /// The protocol the client speaks.
    pub fn client(self) -> ClientProtocol {
        match self {
            Pair::Anthropic | Pair::AnthropicToOpenAi => ClientProtocol::Anthropic,
            _ => ClientProtocol::OpenAi,
        }
    }

    /// Whether the upstream speaks Anthropic.
    pub fn anthropic_upstream(self) -> bool {
        matches!(
            self,
            Pair::Anthropic | Pair::OpenAiToAnthropic | Pair::ResponsesViaMessages
        )
    }

    /// Whether the answer is translated (not the upstream's bytes).
    pub fn translates(self) -> bool {
        !matches!(self, Pair::OpenAi | Pair::Anthropic)
    }
}

/// The upstream request.
pub struct Outgoing {
    pub path: &'static str,
    pub body: Bytes,
    /// We asked for stream usage the client did not ask for.
    pub injected_usage: bool,
    /// A translated Responses request: what its answer repeats of it.
    pub echo: Option<Echo>,
}

fn parse(raw: &[u8]) -> Result<Value> {
    serde_json::from_slice(raw)
        .map_err(|err| GatewayError::bad_request(format!("request body is not valid JSON: {err}")))
}

fn to_bytes(value: &Value) -> Result<Bytes> {
    serde_json::to_vec(value)
        .map(Bytes::from)
        .map_err(|err| GatewayError::Internal(err.to_string()))
}

fn not_an_object() -> GatewayError {
    GatewayError::bad_request("request body must be a JSON object")
}

/// The client's bytes with only the `model` value replaced (untouched when equal).
fn with_model(input: &RelayInput, upstream_model: &str) -> Result<Bytes> {
    if input.view.model == upstream_model {
        return Ok(input.raw.clone());
    }
    let model = serde_json::to_vec(upstream_model)
        .map_err(|err| GatewayError::Internal(err.to_string()))?;
    set_top_level(&input.raw, "model", &model).ok_or_else(not_an_object)
}

/// `stream_options.include_usage: true`, keeping any other stream options the client set.
fn with_stream_usage(body: &Bytes) -> Result<Bytes> {
    let mut options = serde_json::Map::new();
    if let Some(range) = top_level_value(body, "stream_options")
        && let Ok(Value::Object(existing)) = serde_json::from_slice(&body[range])
    {
        options = existing;
    }
    options.insert("include_usage".into(), Value::Bool(true));
    let options =
        serde_json::to_vec(&options).map_err(|err| GatewayError::Internal(err.to_string()))?;
    set_top_level(body, "stream_options", &options).ok_or_else(not_an_object)
}

/// Builds the upstream request for `pair`.
pub fn outgoing(
    pair: Pair,
    input: &RelayInput,
    upstream_model: &str,
    max_tokens: u64,
) -> Result<Outgoing> {
    let endpoint = input.endpoint;
    match pair {
        Pair::OpenAi => {
            let body = with_model(input, upstream_model)?;
            let view = &input.view;
            // Usage for the log: asked for on the client's behalf, hidden again later.
            let injected_usage =
                view.stream && endpoint.reports_stream_usage() && !view.wants_usage();
            let body = if injected_usage {
                with_stream_usage(&body)?
            } else {
                body
            };
            Ok(Outgoing {
                path: endpoint.path(),
                body,
                injected_usage,
                echo: None,
            })
        }
        Pair::Anthropic => Ok(Outgoing {
            path: endpoint.path(),
            body: with_model(input, upstream_model)?,
            injected_usage: false,
            echo: None,
        }),
        Pair::OpenAiToAnthropic => {
            if endpoint != Endpoint::Chat {
                return Err(GatewayError::bad_param(
                    "model",
                    format!(
                        "this model's provider speaks the Anthropic protocol; only /v1/chat/completions and /v1/responses are translated for it, not {}",
                        endpoint.path()
                    ),
                ));
            }
            let options = from_openai::Options {
                default_max_tokens: max_tokens,
            };
            let body = from_openai::request(&parse(&input.raw)?, upstream_model, &options)?;
            Ok(translated(Endpoint::Messages, &body, None)?)
        }
        Pair::AnthropicToOpenAi => {
            let body = from_anthropic::request(&parse(&input.raw)?, upstream_model)?;
            Ok(translated(Endpoint::Chat, &body, None)?)
        }
        Pair::ResponsesViaChat => {
            let request = responses::parse(&input.raw)?;
            let body = responses::chat_request(&request, upstream_model, Target::Chat)?;
            translated(Endpoint::Chat, &body, Some(Echo::of(&request)))
        }
        Pair::ResponsesViaMessages => {
            let request = responses::parse(&input.raw)?;
            let chat = responses::chat_request(&request, upstream_model, Target::Anthropic)?;
            let options = from_openai::Options {
                default_max_tokens: max_tokens,
            };
            let body = from_openai::request(&chat, upstream_model, &options)?;
            translated(Endpoint::Messages, &body, Some(Echo::of(&request)))
        }
    }
}

/// A translated request to `endpoint`.
fn translated(endpoint: Endpoint, body: &Value, echo: Option<Echo>) -> Result<Outgoing> {
    Ok(Outgoing {
        path: endpoint.path(),
        body: to_bytes(body)?,
        injected_usage: false,
        echo,
    })
}

/// The stream translator of the pair (`echo`: of a translated Responses request).
pub fn translator(
    pair: Pair,
    input: &RelayInput,
    upstream_model: &str,
    injected_usage: bool,
    echo: Option<Echo>,
) -> Box<dyn StreamTranslate> {
    let echo = || echo.unwrap_or_default();
    match pair {
        Pair::OpenAi => Box::new(OpenAiPassthrough::new(injected_usage)),
        Pair::Anthropic => Box::new(AnthropicPassthrough::default()),
        Pair::OpenAiToAnthropic => {
            Box::new(from_openai::StreamTranslator::new(input.view.wants_usage()))
        }
        Pair::AnthropicToOpenAi => Box::new(from_anthropic::StreamTranslator::new(upstream_model)),
        Pair::ResponsesViaChat => Box::new(ViaChat::new(
            Box::new(OpenAiPassthrough::new(false)),
            echo(),
        )),
        Pair::ResponsesViaMessages => Box::new(ViaChat::new(
            Box::new(from_openai::StreamTranslator::new(true)),
            echo(),
        )),
    }
}
