//! Traces end to end: the gateway binary exports by OTLP/HTTP to a receiver (see
//! `telemetry_harness`) that decodes the real protobuf payloads. Checks the span tree, the GenAI attributes,
//! `traceparent` in (from the client) and out (seen by mock-upstream), the absence of
//! prompt text and keys, and that requests do not suffer when the collector is down.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use opentelemetry_proto::tonic::trace::v1::Span;
use serde_json::{Value, json};

use crate::common::{MockUpstream, TestResult, UPSTREAM_KEY};
use crate::telemetry_harness::{attr, call, gateway, receiver, set_up, wait_for};

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
