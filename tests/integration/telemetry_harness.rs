//! Telemetry test harness: an OTLP/HTTP receiver that decodes the real protobuf payloads,
//! the gateway binary exporting to it, and span attribute helpers.

use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value as Any;
use opentelemetry_proto::tonic::trace::v1::Span;
use poem::{EndpointExt, Route, Server, handler, post, web::Data};
use prost::Message;
use serde_json::{Value, json};

use crate::common::{ADMIN_PASSWORD, MockUpstream, TestResult, UPSTREAM_KEY};

pub type Spans = Arc<Mutex<Vec<Span>>>;
/// The resource of every export, as `(key, value)` pairs.
pub type Resources = Arc<Mutex<Vec<Vec<(String, String)>>>>;

#[handler]
async fn receive(
    body: poem::Body,
    Data(spans): Data<&Spans>,
    Data(resources): Data<&Resources>,
) -> poem::Result<()> {
    let bytes = body.into_bytes().await?;
    let request = ExportTraceServiceRequest::decode(bytes).map_err(poem::error::BadRequest)?;
    let poisoned = || poem::error::InternalServerError(std::fmt::Error);
    let mut all = spans.lock().map_err(|_| poisoned())?;
    let mut seen = resources.lock().map_err(|_| poisoned())?;
    for resource in request.resource_spans {
        let attributes = resource.resource.map(|r| r.attributes).unwrap_or_default();
        seen.push(
            attributes
                .iter()
                .map(|kv| {
                    let value = match kv.value.as_ref().and_then(|v| v.value.as_ref()) {
                        Some(Any::StringValue(s)) => s.clone(),
                        other => format!("{other:?}"),
                    };
                    (kv.key.clone(), value)
                })
                .collect(),
        );
        for scope in resource.scope_spans {
            all.extend(scope.spans);
        }
    }
    Ok(())
}

/// An OTLP/HTTP receiver on 127.0.0.1; returns its address and the spans it got.
pub async fn receiver() -> TestResult<(String, Spans)> {
    let (endpoint, spans, _) = receiver_with_resources().await?;
    Ok((endpoint, spans))
}

/// [`receiver`], also keeping the resource attributes of each export.
pub async fn receiver_with_resources() -> TestResult<(String, Spans, Resources)> {
    let spans: Spans = Arc::default();
    let resources: Resources = Arc::default();
    let acceptor = gateway::listener::NoDelayAcceptor::bind("127.0.0.1:0".parse()?).await?;
    let addr = acceptor.local_addr();
    let app = Route::new()
        .at("/v1/traces", post(receive))
        .data(spans.clone())
        .data(resources.clone());
    tokio::spawn(Server::new_with_acceptor(acceptor).run(app));
    Ok((format!("http://{addr}/v1/traces"), spans, resources))
}

/// The gateway binary with telemetry on; killed on drop.
pub struct Gateway {
    child: Child,
    pub base: String,
    _dir: tempfile::TempDir,
}

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub async fn gateway(endpoint: &str) -> TestResult<Gateway> {
    gateway_with(endpoint, &[]).await
}

/// The gateway binary exporting to `endpoint` (the settings file's `otlp_endpoint`),
/// with `env` set in its environment.
pub async fn gateway_with(endpoint: &str, env: &[(&str, &str)]) -> TestResult<Gateway> {
    let dir = tempfile::tempdir()?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let config = format!(
        "[server]\nlisten = \"127.0.0.1:{port}\"\n[database]\nurl = \"sqlite://{db}\"\n[admin]\npassword = \"{ADMIN_PASSWORD}\"\n\
         [telemetry]\notlp_endpoint = \"{endpoint}\"\nservice_name = \"gateway-test\"\n\
         [telemetry.resource_attributes]\n\"deployment.environment\" = \"test\"\n",
        db = dir.path().join("gateway.db").display()
    );
    let path = dir.path().join("custom-config.toml");
    std::fs::write(&path, config)?;
    let child = Command::new(env!("CARGO_BIN_EXE_gateway"))
        .arg("--config")
        .arg(&path)
        .envs(env.iter().copied())
        .env("OTEL_BSP_SCHEDULE_DELAY", "100")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let gateway = Gateway {
        child,
        base: format!("http://127.0.0.1:{port}"),
        _dir: dir,
    };
    let http = reqwest::Client::new();
    for _ in 0..100 {
        if http
            .get(format!("{}/health", gateway.base))
            .send()
            .await
            .is_ok()
        {
            return Ok(gateway);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    anyhow::bail!("gateway did not start")
}

pub async fn call(
    http: &reqwest::Client,
    method: reqwest::Method,
    url: String,
    token: &str,
    body: Option<Value>,
) -> TestResult<(u16, reqwest::header::HeaderMap, String)> {
    let mut request = http.request(method, url).bearer_auth(token);
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(body.to_string());
    }
    let response = request.send().await?;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    Ok((status, headers, response.text().await?))
}

/// Logs in, registers the mock, prices everything free, returns (session, sk token).
pub async fn set_up(gw: &Gateway, mock: &MockUpstream) -> TestResult<(String, String)> {
    let http = reqwest::Client::new();
    let post = reqwest::Method::POST;
    let (_, _, login) = call(
        &http,
        post.clone(),
        format!("{}/auth/login", gw.base),
        "",
        Some(json!({"username": "admin", "password": ADMIN_PASSWORD})),
    )
    .await?;
    let session = serde_json::from_str::<Value>(&login)?["token"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    for (path, body) in [
        (
            "/providers",
            json!({"name": "mock", "api_type": "openai", "base_url": mock.base}),
        ),
        ("/providers/mock/keys", json!({"key": UPSTREAM_KEY})),
        ("/models/mock/cache", json!({"ids": ["gpt-4o"]})),
        ("/prices", json!({"model": "*", "free": true})),
    ] {
        let (status, _, text) = call(
            &http,
            post.clone(),
            format!("{}{path}", gw.base),
            &session,
            Some(body),
        )
        .await?;
        anyhow::ensure!(status < 300, "{path}: {text}");
    }
    let (_, _, created) = call(
        &http,
        post,
        format!("{}/tokens", gw.base),
        &session,
        Some(json!({"name": "traced"})),
    )
    .await?;
    let sk = serde_json::from_str::<Value>(&created)?["key"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    Ok((session, sk))
}

pub fn attr(span: &Span, key: &str) -> Option<String> {
    let value = span
        .attributes
        .iter()
        .find(|kv| kv.key == key)?
        .value
        .as_ref()?
        .value
        .as_ref()?;
    Some(match value {
        Any::StringValue(s) => s.clone(),
        Any::IntValue(i) => i.to_string(),
        Any::DoubleValue(d) => d.to_string(),
        Any::BoolValue(b) => b.to_string(),
        Any::ArrayValue(a) => format!(
            "{:?}",
            a.values
                .iter()
                .filter_map(|v| match &v.value {
                    Some(Any::StringValue(s)) => Some(s.clone()),
                    _ => None,
                })
                .collect::<Vec<_>>()
        ),
        other => format!("{other:?}"),
    })
}

pub async fn wait_for(spans: &Spans, pred: impl Fn(&[Span]) -> bool) -> TestResult<Vec<Span>> {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let seen = spans
            .lock()
            .map_err(|_| anyhow::anyhow!("poisoned"))?
            .clone();
        if pred(&seen) {
            return Ok(seen);
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "spans did not arrive; got {}",
            seen.len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
