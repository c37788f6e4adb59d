//! Request dispatch: routing, authentication, the shared scenarios and the x-mock-* headers.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use poem::http::header::{AUTHORIZATION, HeaderMap, HeaderName, HeaderValue};
use poem::http::{Method, StatusCode};
use poem::{Endpoint, Request, Response};

use crate::listener::Connections;
use crate::reply::{self, Dialect};
use crate::request::{Ctx, Payload};
use crate::{anthropic, chat, models, openai, responses};

const X_MOCK_KEY: HeaderName = HeaderName::from_static("x-mock-key");
const X_MOCK_TRACEPARENT: HeaderName = HeaderName::from_static("x-mock-traceparent");
const TRACEPARENT: HeaderName = HeaderName::from_static("traceparent");
const X_API_KEY: HeaderName = HeaderName::from_static("x-api-key");
/// Header carrying a scenario as JSON, instead of the body's `mock` object.
const X_MOCK: &str = "x-mock";
const ANTHROPIC_VERSION: HeaderName = HeaderName::from_static("anthropic-version");

/// An endpoint the mock serves.
#[derive(Clone, Copy, PartialEq)]
enum Route {
    /// GET /v1/models
    Models,
    /// Any POST endpoint, which all take a JSON body.
    Post(Api),
}

#[derive(Clone, Copy, PartialEq)]
enum Api {
    Chat,
    Completions,
    Embeddings,
    Responses,
    Rerank,
    Images,
    Speech,
    Messages,
    CountTokens,
}

impl Route {
    fn find(method: &Method, path: &str) -> Option<Self> {
        if path == "/v1/models" {
            return (method == Method::GET).then_some(Self::Models);
        }
        let api = match path {
            "/v1/chat/completions" => Api::Chat,
            "/v1/completions" => Api::Completions,
            "/v1/embeddings" => Api::Embeddings,
            "/v1/responses" => Api::Responses,
            "/v1/rerank" => Api::Rerank,
            "/v1/images/generations" => Api::Images,
            "/v1/audio/speech" => Api::Speech,
            "/v1/messages" => Api::Messages,
            "/v1/messages/count_tokens" => Api::CountTokens,
            _ => return None,
        };
        (method == Method::POST).then_some(Self::Post(api))
    }

    fn dialect(self) -> Dialect {
        match self {
            Self::Post(Api::Messages | Api::CountTokens) => Dialect::Anthropic,
            _ => Dialect::OpenAi,
        }
    }
}

pub struct MockUpstream {
    models_body: Bytes,
    keys: Vec<String>,
    serial: AtomicU64,
    connections: Connections,
}

impl MockUpstream {
    pub fn new(
        model_ids: &[String],
        keys: Vec<String>,
        connections: Connections,
    ) -> serde_json::Result<Self> {
        Ok(Self {
            models_body: models::list_body(model_ids)?,
            keys,
            serial: AtomicU64::new(1),
            connections,
        })
    }

    /// Both dialects list models: Anthropic clients send `x-api-key`, OpenAI ones Bearer.
    fn models(&self, headers: &HeaderMap) -> Response {
        let dialect = if headers.contains_key(X_API_KEY) {
            Dialect::Anthropic
        } else {
            Dialect::OpenAi
        };
        match self.authorize(dialect, headers) {
            Ok(()) => Response::builder()
                .content_type(reply::JSON)
                .body(self.models_body.clone()),
            Err(denied) => denied.response(dialect),
        }
    }

    async fn serve(&self, api: Api, req: Request) -> Response {
        let dialect = Route::Post(api).dialect();
        if let Err(denied) = self.authorize(dialect, req.headers()) {
            return denied.response(dialect);
        }
        let peer = req.remote_addr().as_socket_addr().copied();
        // A scenario may also come as the `x-mock` header (JSON), for requests the
        // gateway translates (translation drops unknown body fields such as `mock`).
        let header_scenario = req.header(X_MOCK).map(str::to_string);
        let body = match req.into_body().into_bytes().await {
            Ok(body) => body,
            Err(err) => return reply::bad_request(dialect, &format!("cannot read body: {err}")),
        };
        let mut payload: Payload = match serde_json::from_slice(&body) {
            Ok(payload) => payload,
            Err(err) => {
                let message = format!("We could not parse the JSON body of your request: {err}");
                return reply::bad_request(dialect, &message);
            }
        };
        if let Some(text) = header_scenario {
            match serde_json::from_str(&text) {
                Ok(scenario) => payload.mock = scenario,
                Err(err) => return reply::bad_request(dialect, &format!("x-mock header: {err}")),
            }
        }
        let scenario = &payload.mock;
        if let Err(message) = scenario.validate() {
            return reply::bad_request(dialect, &message);
        }
        if scenario.first_byte_delay_ms > 0 {
            tokio::time::sleep(Duration::from_millis(scenario.first_byte_delay_ms)).await;
        }
        if let Some(status) = scenario.status {
            // validate() keeps the status within 400..=599.
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
            let kind = scenario.error_type.as_deref();
            return reply::error(dialect, status, kind, scenario.error_message());
        }
        if scenario.echo && !payload.is_stream() {
            return Response::builder().content_type(reply::JSON).body(body);
        }
        let serial = self.serial.fetch_add(1, Ordering::Relaxed);
        let cut_switch = match (scenario.cut_after, peer) {
            (Some(_), Some(peer)) => self.connections.switch(peer),
            _ => None,
        };
        let ctx = Ctx::new(&payload, body.len(), serial, cut_switch);
        match api {
            Api::Chat => chat::reply(&ctx),
            Api::Completions => openai::completions(&ctx),
            Api::Embeddings => openai::embeddings(&ctx),
            Api::Responses => responses::reply(&ctx),
            Api::Rerank => openai::rerank(&ctx),
            Api::Images => openai::images(&ctx),
            Api::Speech => openai::speech(),
            Api::Messages => anthropic::messages(&ctx),
            Api::CountTokens => anthropic::count_tokens(&ctx),
        }
    }

    /// OpenAI endpoints take `Authorization: Bearer KEY`; Anthropic ones `x-api-key: KEY`
    /// plus an `anthropic-version` header.
    fn authorize(&self, dialect: Dialect, headers: &HeaderMap) -> Result<(), Denied> {
        let key = match dialect {
            Dialect::OpenAi => bearer(headers),
            Dialect::Anthropic => headers.get(X_API_KEY).map(HeaderValue::as_bytes),
        };
        let key = key.filter(|key| !key.is_empty()).ok_or(Denied::NoKey)?;
        if !self.keys.is_empty() && !self.keys.iter().any(|known| known.as_bytes() == key) {
            return Err(Denied::WrongKey);
        }
        if dialect == Dialect::Anthropic && !headers.contains_key(ANTHROPIC_VERSION) {
            return Err(Denied::NoVersion);
        }
        Ok(())
    }
}

/// Why a request was turned away before its body was read.
enum Denied {
    NoKey,
    WrongKey,
    NoVersion,
}

impl Denied {
    fn response(self, dialect: Dialect) -> Response {
        let message = match (self, dialect) {
            (Self::NoKey, Dialect::OpenAi) => {
                "You didn't provide an API key (Authorization: Bearer KEY)."
            }
            (Self::NoKey, Dialect::Anthropic) => "x-api-key header is required",
            (Self::WrongKey, Dialect::OpenAi) => "Incorrect API key provided.",
            (Self::WrongKey, Dialect::Anthropic) => "invalid x-api-key",
            (Self::NoVersion, _) => {
                return reply::bad_request(dialect, "anthropic-version: header is required");
            }
        };
        reply::error(dialect, StatusCode::UNAUTHORIZED, None, message)
    }
}

impl Endpoint for MockUpstream {
    type Output = Response;

    async fn call(&self, req: Request) -> poem::Result<Response> {
        let route = Route::find(req.method(), req.uri().path());
        let echoed = EchoedHeaders::capture(req.headers(), route.map(Route::dialect));
        let mut response = match route {
            Some(Route::Models) => self.models(req.headers()),
            Some(Route::Post(api)) => self.serve(api, req).await,
            None => reply::unknown_url(req.method(), req.uri().path()),
        };
        echoed.apply(response.headers_mut());
        Ok(response)
    }
}

/// The request headers that every response reports back.
struct EchoedHeaders {
    key: HeaderValue,
    traceparent: Option<HeaderValue>,
}

impl EchoedHeaders {
    /// The key is read from the header the endpoint's dialect uses, falling back to the
    /// other one, so a test can see what was sent even when it was sent wrongly.
    fn capture(headers: &HeaderMap, dialect: Option<Dialect>) -> Self {
        let api_key = || headers.get(X_API_KEY).map(HeaderValue::as_bytes);
        let key = match dialect {
            Some(Dialect::Anthropic) => api_key().or_else(|| bearer(headers)),
            _ => bearer(headers).or_else(api_key),
        };
        let key = key
            .and_then(|key| HeaderValue::from_bytes(key).ok())
            .unwrap_or(HeaderValue::from_static(""));
        Self {
            key,
            traceparent: headers.get(TRACEPARENT).cloned(),
        }
    }

    fn apply(self, headers: &mut HeaderMap) {
        headers.insert(X_MOCK_KEY, self.key);
        if let Some(traceparent) = self.traceparent {
            headers.insert(X_MOCK_TRACEPARENT, traceparent);
        }
    }
}

/// The KEY of an `Authorization: Bearer KEY` header (scheme case-insensitive).
fn bearer(headers: &HeaderMap) -> Option<&[u8]> {
    let value = headers.get(AUTHORIZATION)?.as_bytes();
    let (scheme, key) = value.split_at_checked(7)?;
    scheme
        .eq_ignore_ascii_case(b"bearer ")
        .then(|| key.trim_ascii())
}

#[cfg(test)]
#[path = "server_tests.rs"]
mod tests;
