//! Relay request and answer types for the OpenAPI document: the request keeps its exact
//! bytes (only a typed view of `model`, `stream` and `stream_options` is read), and the
//! answer is whatever the upstream sent (JSON, an event stream, or audio).

use std::marker::PhantomData;

use bytes::Bytes;
use poem::{IntoResponse, Request, RequestBody, Response};
use poem_openapi::ApiResponse;
use poem_openapi::impl_apirequest_for_payload;
use poem_openapi::payload::{ParsePayload, Payload};
use poem_openapi::registry::{
    MetaMediaType, MetaResponse, MetaResponses, MetaSchema, MetaSchemaRef, Registry,
};
use poem_openapi::types::Type;

use crate::api::body::read_limited;
use crate::error::{ErrorBody, GatewayError, error_responses};
use crate::protocol::anthropic::AnthropicErrorBody;
use crate::protocol::openai::RequestView;

/// A relayed request body: the exact bytes and the fields routing needs. `T` only
/// documents the schema.
pub struct RelayRequest<T> {
    pub raw: Bytes,
    pub view: RequestView,
    schema: PhantomData<T>,
}

impl<T: Type> Payload for RelayRequest<T> {
    const CONTENT_TYPE: &'static str = "application/json";

    /// Clients send all sorts of content types (curl: form); the body must be JSON.
    fn check_content_type(_content_type: &str) -> bool {
        true
    }

    fn schema_ref() -> MetaSchemaRef {
        T::schema_ref()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

impl<T: Type> ParsePayload for RelayRequest<T> {
    const IS_REQUIRED: bool = true;

    async fn from_request(request: &Request, body: &mut RequestBody) -> poem::Result<Self> {
        let raw = read_limited(request, body).await?;
        let view = parse_view(&raw)?;
        Ok(RelayRequest {
            raw,
            view,
            schema: PhantomData,
        })
    }
}

impl_apirequest_for_payload!(RelayRequest<T>, T: Type);

/// Reads `model` and `stream` in one pass over the body (which also checks that it is
/// JSON); 400 naming the field when they are missing or wrong.
fn parse_view(raw: &[u8]) -> Result<RequestView, GatewayError> {
    match raw.iter().find(|b| !b.is_ascii_whitespace()) {
        None => {
            return Err(GatewayError::bad_request(
                "request body is empty; a JSON object is expected",
            ));
        }
        Some(b'{') => {}
        Some(_) => {
            return Err(GatewayError::bad_request(
                "request body must be a JSON object",
            ));
        }
    }
    let mut deserializer = serde_json::Deserializer::from_slice(raw);
    let view: RequestView = serde_path_to_error::deserialize(&mut deserializer).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        let text = inner.to_string();
        if inner.is_syntax() || inner.is_eof() {
            GatewayError::bad_request(format!("request body is not valid JSON: {text}"))
        } else if text.starts_with("missing field `model`") {
            GatewayError::bad_param("model", "you must provide a model parameter")
        } else {
            GatewayError::bad_param(&path, format!("invalid `{path}`: {text}"))
        }
    })?;
    deserializer.end().map_err(|err| {
        GatewayError::bad_request(format!("request body is not valid JSON: {err}"))
    })?;
    if view.model.trim().is_empty() {
        return Err(GatewayError::bad_param("model", "model must not be empty"));
    }
    Ok(view)
}

/// The upstream's answer, passed through (or translated) by the relay.
pub struct RelayReply<K>(pub Response, PhantomData<K>);

impl<K> RelayReply<K> {
    pub fn new(response: Response) -> Self {
        RelayReply(response, PhantomData)
    }
}

impl<K: Send> IntoResponse for RelayReply<K> {
    fn into_response(self) -> Response {
        self.0
    }
}

/// Which media types a relayed answer may have, and the shape of its errors.
pub trait ReplyKind {
    const MEDIA: &'static [&'static str];
    const DESCRIPTION: &'static str;

    /// The documented error answers (the OpenAI shape unless overridden).
    fn errors() -> MetaResponses {
        GatewayError::meta()
    }

    fn register_errors(registry: &mut Registry) {
        ErrorBody::register(registry);
    }
}

/// JSON, or an event stream when the request had `"stream": true`.
pub struct JsonOrStream;

impl ReplyKind for JsonOrStream {
    const MEDIA: &'static [&'static str] = &["application/json", "text/event-stream"];
    const DESCRIPTION: &'static str =
        "The upstream's answer, byte for byte: JSON, or server-sent events when `stream` is true.";
}

/// JSON or Messages events, with errors in the Anthropic shape.
pub struct MessagesReply;

impl ReplyKind for MessagesReply {
    const MEDIA: &'static [&'static str] = JsonOrStream::MEDIA;
    const DESCRIPTION: &'static str = JsonOrStream::DESCRIPTION;

    fn errors() -> MetaResponses {
        error_responses(
            "application/json",
            AnthropicErrorBody::schema_ref(),
            ANTHROPIC_ERRORS,
        )
    }

    fn register_errors(registry: &mut Registry) {
        AnthropicErrorBody::register(registry);
    }
}

const ANTHROPIC_ERRORS: [&str; 2] = [
    "Client error in the Anthropic error format (400 invalid_request_error, 401 \
     authentication_error, 402/403 permission_error, 404 not_found_error, 413 too large, \
     429 rate_limit_error)",
    "Server or upstream error in the Anthropic error format (api_error for 502 upstream \
     unreachable or failed, 503 unavailable, 504 upstream timeout)",
];

/// Audio bytes.
pub struct Audio;

impl ReplyKind for Audio {
    const MEDIA: &'static [&'static str] = &["audio/mpeg", "application/octet-stream"];
    const DESCRIPTION: &'static str = "The generated audio, as the upstream sent it.";
}

impl<K: ReplyKind + Send> ApiResponse for RelayReply<K> {
    fn meta() -> MetaResponses {
        let any = MetaSchemaRef::Inline(Box::new(MetaSchema::ANY));
        let mut responses = vec![MetaResponse {
            description: K::DESCRIPTION,
            status: Some(200),
            status_range: None,
            content: K::MEDIA
                .iter()
                .map(|media| MetaMediaType {
                    content_type: media,
                    schema: any.clone(),
                })
                .collect(),
            headers: vec![],
        }];
        responses.extend(K::errors().responses);
        MetaResponses { responses }
    }

    fn register(registry: &mut Registry) {
        K::register_errors(registry);
    }
}
