//! Traces end to end: the gateway binary exports by OTLP/HTTP to a receiver in this test
//! that decodes the real protobuf payloads. Checks the span tree, the GenAI attributes,
//! `traceparent` in (from the client) and out (seen by mock-upstream), the absence of
//! prompt text and keys, and that requests do not suffer when the collector is down.

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

type Spans = Arc<Mutex<Vec<Span>>>;

#[handler]
async fn receive(body: poem::Body, Data(spans): Data<&Spans>) -> poem::Result<()> {
    let bytes = body.into_bytes().await?;
    let request = ExportTraceServiceRequest::decode(bytes).map_err(poem::error::BadRequest)?;
    let mut all = spans
        .lock()
        .map_err(|_| poem::error::InternalServerError(std::fmt::Error))?;
    for resource in request.resource_spans {
        for scope in resource.scope_spans {
            all.extend(scope.spans);
        }
    }
    Ok(())
}

/// An OTLP/HTTP receiver on 127.0.0.1; returns its address and the spans it got.
async fn receiver() -> TestResult<(String, Spans)> {
    let spans: Spans = Arc::default();
    let acceptor = gateway::listener::NoDelayAcceptor::bind("127.0.0.1:0".parse()?).await?;
    let addr = acceptor.local_addr();
    let app = Route::new()
        .at("/v1/traces", post(receive))
        .data(spans.clone());
    tokio::spawn(Server::new_with_acceptor(acceptor).run(app));
    Ok((format!("http://{addr}/v1/traces"), spans))
}

/// The gateway binary with telemetry on; killed on drop.
struct Gateway {
    child: Child,
    base: String,
    _dir: tempfile::TempDir,
}

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn gateway(endpoint: &str) -> TestResult<Gateway> {
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

async fn call(
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
async fn set_up(gw: &Gateway, mock: &MockUpstream) -> TestResult<(String, String)> {
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

fn attr(span: &Span, key: &str) -> Option<String> {
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

async fn wait_for(spans: &Spans, pred: impl Fn(&[Span]) -> bool) -> TestResult<Vec<Span>> {
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

#[tokio::test]
async fn relay_and_admin_requests_are_traced() -> TestResult {
    let (endpoint, spans) = receiver().await?;
    let mock = MockUpstream::start(&[UPSTREAM_KEY], &[])?;
    let gw = gateway(&endpoint).await?;
    let (_session, sk) = set_up(&gw, &mock).await?;
    let http = reqwest::Client::new();
    let url = format!("{}/v1/chat/completions", gw.base);
    let trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
    let prompt = "secret prompt text";
    let response = http.post(&url).bearer_auth(&sk).header("content-type", "application/json")
        .header("traceparent", format!("00-{trace_id}-00f067aa0ba902b7-01"))
        .body(json!({"model": "mock/gpt-4o", "temperature": 0.5, "max_tokens": 20, "messages": [{"role": "user", "content": prompt}]}).to_string())
        .send().await?;
    assert_eq!(response.status(), 200);
    let upstream_saw = response
        .headers()
        .get("x-mock-traceparent")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let chat_id = serde_json::from_str::<Value>(&response.text().await?)?["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let (status, _, _) = call(&http, reqwest::Method::POST, url.clone(), &sk, Some(json!({"model": "mock/gpt-4o", "stream": true, "messages": [{"role": "user", "content": "hi"}]}))).await?;
    assert_eq!(status, 200);
    let (status, _, _) = call(&http, reqwest::Method::POST, url.clone(), &sk, Some(json!({"model": "mock/gpt-4o", "messages": [], "mock": {"status": 500, "error_message": "boom"}}))).await?;
    assert_eq!(status, 500);

    let spans = wait_for(&spans, |s| {
        s.iter().filter(|s| s.name.starts_with("chat ")).count() >= 3
    })
    .await?;
    let hex = |bytes: &[u8]| bytes.iter().map(|b| format!("{b:02x}")).collect::<String>();
    // Non-stream chat: server span under the client's trace, client span under it.
    let server = spans
        .iter()
        .find(|s| hex(&s.trace_id) == trace_id && s.kind == 2)
        .ok_or_else(|| anyhow::anyhow!("no server span in the client's trace"))?;
    assert_eq!(
        hex(&server.parent_span_id),
        "00f067aa0ba902b7",
        "child of the client's traceparent"
    );
    assert_eq!(server.name, "POST /v1/chat/completions");
    let client = spans
        .iter()
        .find(|s| s.kind == 3 && s.parent_span_id == server.span_id)
        .ok_or_else(|| anyhow::anyhow!("no client span under the server span"))?;
    assert_eq!(client.name, "chat gpt-4o");
    // The upstream got the client span's context.
    assert_eq!(
        upstream_saw,
        format!("00-{trace_id}-{}-01", hex(&client.span_id))
    );
    for span in [server, client] {
        assert_eq!(attr(span, "gen_ai.operation.name").as_deref(), Some("chat"));
        assert_eq!(attr(span, "gen_ai.provider.name").as_deref(), Some("mock"));
        assert_eq!(
            attr(span, "gen_ai.response.model").as_deref(),
            Some("gpt-4o")
        );
        assert_eq!(
            attr(span, "gen_ai.response.id").as_deref(),
            Some(chat_id.as_str())
        );
        assert_eq!(
            attr(span, "gen_ai.response.finish_reasons").as_deref(),
            Some("[\"stop\"]")
        );
        assert_eq!(
            attr(span, "gen_ai.request.temperature").as_deref(),
            Some("0.5")
        );
        assert_eq!(
            attr(span, "gen_ai.request.max_tokens").as_deref(),
            Some("20")
        );
        assert!(attr(span, "gen_ai.usage.input_tokens").is_some_and(|v| v != "0"));
        assert_eq!(
            attr(span, "gen_ai.usage.output_tokens").as_deref(),
            Some("5")
        );
        for key in [
            "gateway.request_type",
            "gateway.token",
            "gateway.user",
            "gateway.usage.cached_tokens",
            "gateway.usage.reasoning_tokens",
            "gateway.ttfb_ms",
        ] {
            assert!(attr(span, key).is_some(), "{key} missing on {}", span.name);
        }
    }
    assert_eq!(
        attr(server, "gen_ai.request.model").as_deref(),
        Some("mock/gpt-4o")
    );
    assert_eq!(
        attr(client, "gen_ai.request.model").as_deref(),
        Some("gpt-4o")
    );
    assert_eq!(
        attr(server, "gateway.request_type").as_deref(),
        Some("chat")
    );
    assert_eq!(
        attr(server, "http.response.status_code").as_deref(),
        Some("200")
    );
    assert!(attr(server, "gateway.request_id").is_some_and(|id| id.len() == 24));
    // The stream's spans carry its usage (recorded when the stream ended).
    let stream = spans
        .iter()
        .find(|s| s.kind == 2 && attr(s, "gateway.request_type").as_deref() == Some("chat_stream"))
        .ok_or_else(|| anyhow::anyhow!("no stream span"))?;
    assert_eq!(
        attr(stream, "gen_ai.usage.output_tokens").as_deref(),
        Some("5")
    );
    // The upstream error marks both spans as errors.
    let failed: Vec<&Span> = spans
        .iter()
        .filter(|s| attr(s, "http.response.status_code").as_deref() == Some("500"))
        .collect();
    assert!(failed.len() >= 2, "server and client spans of the 500");
    for span in failed {
        assert_eq!(
            span.status.as_ref().map(|s| s.code),
            Some(2),
            "status ERROR on {}",
            span.name
        );
    }
    // No prompt text and no key anywhere.
    let everything = format!("{spans:?}");
    for secret in [prompt, UPSTREAM_KEY, sk.as_str()] {
        assert!(
            !everything.contains(secret),
            "`{secret}` leaked into a span"
        );
    }

    // Admin calls get server spans too.
    let admin = wait_for(&std::sync::Arc::new(Mutex::new(spans.clone())), |s| {
        s.iter().any(|s| s.name == "POST /providers")
    })
    .await?;
    let create = admin
        .iter()
        .find(|s| s.name == "POST /providers")
        .ok_or_else(|| anyhow::anyhow!("no admin span"))?;
    assert_eq!(create.kind, 2);
    assert_eq!(
        attr(create, "http.response.status_code").as_deref(),
        Some("201")
    );
    assert_eq!(
        attr(create, "gateway.request_type").as_deref(),
        Some("provider_create")
    );
    Ok(())
}

#[tokio::test]
async fn requests_do_not_suffer_when_the_collector_is_down() -> TestResult {
    let closed = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?;
    let mock = MockUpstream::start(&[UPSTREAM_KEY], &[])?;
    let gw = gateway(&format!("http://{closed}/v1/traces")).await?;
    let (_, sk) = set_up(&gw, &mock).await?;
    let http = reqwest::Client::new();
    for _ in 0..20 {
        let started = Instant::now();
        let (status, _, _) = call(
            &http,
            reqwest::Method::POST,
            format!("{}/v1/chat/completions", gw.base),
            &sk,
            Some(json!({"model": "mock/gpt-4o", "messages": []})),
        )
        .await?;
        assert_eq!(status, 200);
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "export failures never slow a request"
        );
    }
    Ok(())
}
