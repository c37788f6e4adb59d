//! Request dispatch: routing, authentication, the shared scenarios and the x-mock-* headers.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use poem::http::header::{HeaderMap, HeaderValue, RETRY_AFTER};
use poem::http::{Method, StatusCode};
use poem::{Endpoint, Request, Response};

use crate::credentials::{EchoedHeaders, authorize, request_key};
use crate::listener::Connections;
use crate::reply::{self, Dialect};
use crate::request::{Ctx, Payload};
use crate::rules::Rules;
use crate::stats::Stats;
use crate::{anthropic, chat, models, openai, responses};

/// Header carrying a scenario as JSON, instead of the body's `mock` object.
const X_MOCK: &str = "x-mock";
/// Where the request counts are served.
const STATS_PATH: &str = "/_mock/stats";

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
    rules: Rules,
    stats: Stats,
}

impl MockUpstream {
    pub fn new(
        model_ids: &[String],
        keys: Vec<String>,
        connections: Connections,
        rules: Rules,
    ) -> serde_json::Result<Self> {
        Ok(Self {
            models_body: models::list_body(model_ids)?,
            keys,
            serial: AtomicU64::new(1),
            connections,
            rules,
            stats: Stats::default(),
        })
    }

    /// Both dialects list models: Anthropic clients send `x-api-key`, OpenAI ones Bearer.
    fn models(&self, headers: &HeaderMap) -> Response {
        let dialect = if headers.contains_key("x-api-key") {
            Dialect::Anthropic
        } else {
            Dialect::OpenAi
        };
        match authorize(&self.keys, dialect, headers) {
            Ok(()) => Response::builder()
                .content_type(reply::JSON)
                .body(self.models_body.clone()),
            Err(denied) => denied.response(dialect),
        }
    }

    async fn serve(&self, api: Api, prefix: Option<&str>, req: Request) -> Response {
        let dialect = Route::Post(api).dialect();
        if let Err(denied) = authorize(&self.keys, dialect, req.headers()) {
            return denied.response(dialect);
        }
        let key = request_key(dialect, req.headers())
            .unwrap_or_default()
            .to_vec();
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
        match self.rules.apply(&key, prefix, &payload.mock) {
            Some(Ok(scenario)) => payload.mock = scenario,
            Some(Err(message)) => return reply::bad_request(dialect, &message),
            None => {}
        }
        let scenario = &payload.mock;
        if let Err(message) = scenario.validate() {
            return reply::bad_request(dialect, &message);
        }
        if scenario.first_byte_delay_ms > 0 {
            tokio::time::sleep(Duration::from_millis(scenario.first_byte_delay_ms)).await;
        }
        if scenario.reset {
            if let Some(switch) = peer.and_then(|peer| self.connections.switch(peer)) {
                switch.reset();
            }
            // Never reaches the client: the connection fails at the first write.
            return Response::builder().status(StatusCode::BAD_GATEWAY).finish();
        }
        if let Some(status) = scenario.status {
            // validate() keeps the status within 400..=599.
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
            let kind = scenario.error_type.as_deref();
            let mut response = reply::error(dialect, status, kind, scenario.error_message());
            if let Some(seconds) = scenario.retry_after {
                response
                    .headers_mut()
                    .insert(RETRY_AFTER, HeaderValue::from(seconds));
            }
            return response;
        }
        if scenario.echo && !payload.is_stream() {
            return Response::builder().content_type(reply::JSON).body(body);
        }
        let serial = self.serial.fetch_add(1, Ordering::Relaxed);
        let cut_switch = match (scenario.cut_after, peer) {
            (Some(_), Some(peer)) => self.connections.switch(peer),
            _ => None,
        };
        if api == Api::Messages
            && let Err(message) = crate::thinking::check(&body)
        {
            return reply::bad_request(dialect, &message);
        }
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
}

impl Endpoint for MockUpstream {
    type Output = Response;

    async fn call(&self, req: Request) -> poem::Result<Response> {
        if req.uri().path() == STATS_PATH {
            return Ok(self.stats.response());
        }
        let (prefix, path) = self.rules.split_path(req.uri().path());
        let route = Route::find(req.method(), path);
        let echoed = EchoedHeaders::capture(req.headers(), route.map(Route::dialect));
        self.stats.count(echoed.key.as_bytes());
        let mut response = match route {
            Some(Route::Models) => self.models(req.headers()),
            Some(Route::Post(api)) => self.serve(api, prefix, req).await,
            None => reply::unknown_url(req.method(), req.uri().path()),
        };
        echoed.apply(response.headers_mut());
        Ok(response)
    }
}

#[cfg(test)]
#[path = "server_tests.rs"]
mod tests;
