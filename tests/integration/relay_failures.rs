//! The relay when things go wrong: bad input, routing failures, upstream errors, every
//! timeout kind, cut streams, client disconnects, load and shutdown.

use std::time::Duration;

use futures_util::StreamExt;
use serde_json::{Value, json};

use crate::common::{RelayFixture, TestResult, UPSTREAM_KEY, sse_data};

fn request_id(headers: &reqwest::header::HeaderMap) -> String {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn bad_input_is_rejected_before_anything_goes_upstream() -> TestResult {
    let fx = RelayFixture::start_with(&[("server", "max_body_bytes = 2048")]).await?;
    let cases: [(&str, u16, &str, Option<&str>); 6] = [
        ("{not json", 400, "not valid JSON", None),
        ("", 400, "empty", None),
        (r#"{"messages": []}"#, 400, "model", Some("model")),
        (
            r#"{"model": 4, "messages": []}"#,
            400,
            "model",
            Some("model"),
        ),
        (
            r#"{"model": "", "messages": []}"#,
            400,
            "model",
            Some("model"),
        ),
        (r#"["model"]"#, 400, "JSON object", None),
    ];
    for (body, status, needle, param) in cases {
        let response = fx.post_raw("/v1/chat/completions", body).await?;
        assert_eq!(response.status(), status, "{body}");
        let answer: Value = serde_json::from_slice(&response.bytes().await?)?;
        let message = answer["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains(needle), "{body}: {message}");
        assert_eq!(answer["error"]["param"].as_str(), param, "{body}");
    }
    let big =
        json!({"model": "gpt-4o", "messages": [{"role": "user", "content": "x".repeat(4096)}]});
    let (status, _, text) = fx.post("/v1/chat/completions", big).await?;
    assert_eq!(status, 413, "{text}");
    // Chunked upload without a length is limited too.
    let chunks =
        futures_util::stream::iter((0..10).map(|_| Ok::<_, std::io::Error>(vec![b' '; 512])));
    let response = fx
        .post_raw("/v1/chat/completions", reqwest::Body::wrap_stream(chunks))
        .await?;
    assert_eq!(response.status(), 413);
    Ok(())
}

#[tokio::test]
async fn routing_failures_name_the_thing() -> TestResult {
    let fx = RelayFixture::start().await?;
    let admin = &fx.admin;
    fx.app
        .send(
            "POST",
            "/providers",
            Some(admin),
            Some(json!({"name": "nokeys", "api_type": "openai", "base_url": fx.mock.base})),
        )
        .await?;
    fx.app.send("POST", "/providers", Some(admin), Some(json!({"name": "off", "api_type": "openai", "base_url": fx.mock.base, "enabled": false}))).await?;
    fx.app
        .send(
            "POST",
            "/providers/off/keys",
            Some(admin),
            Some(json!({"key": UPSTREAM_KEY})),
        )
        .await?;
    let cases = [
        ("no-such-model", 404, "no-such-model"),
        ("ghost/gpt-4o", 404, "ghost/gpt-4o"),
        ("nokeys/gpt-4o", 503, "nokeys"),
        ("off/gpt-4o", 503, "off"),
    ];
    for (model, status, needle) in cases {
        let (got, _, text) = fx
            .post(
                "/v1/chat/completions",
                json!({"model": model, "messages": []}),
            )
            .await?;
        assert_eq!(got, status, "{model}: {text}");
        let answer: Value = serde_json::from_str(&text)?;
        assert!(
            answer["error"]["message"]
                .as_str()
                .unwrap_or_default()
                .contains(needle),
            "{text}"
        );
    }
    // Grants: a token limited to embeddings may not chat.
    let narrow = fx
        .app
        .new_token(
            admin,
            json!({"name": "emb", "models": ["mock/text-embedding-3-small"]}),
        )
        .await?;
    let response = fx
        .app
        .http
        .post(fx.app.url("/v1/chat/completions"))
        .bearer_auth(&narrow)
        .header("content-type", "application/json")
        .body(r#"{"model":"gpt-4o","messages":[]}"#)
        .send()
        .await?;
    assert_eq!(response.status(), 403);
    let answer: Value = serde_json::from_slice(&response.bytes().await?)?;
    assert!(
        answer["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("mock/gpt-4o")
    );
    Ok(())
}

#[tokio::test]
async fn upstream_errors_keep_their_status_and_text() -> TestResult {
    let fx = RelayFixture::start().await?;
    for (status, message) in [
        (429u16, "slow down please"),
        (500, "the upstream broke"),
        (400, "bad messages"),
    ] {
        for stream in [false, true] {
            let body = json!({"model": "gpt-4o", "stream": stream, "messages": [], "mock": {"status": status, "error_message": message}});
            let (got, headers, text) = fx.post("/v1/chat/completions", body).await?;
            assert_eq!(got, status, "{text}");
            let answer: Value = serde_json::from_str(&text)?;
            assert_eq!(answer["error"]["message"], message);
            if status == 429 {
                assert_eq!(
                    headers.get("retry-after").and_then(|v| v.to_str().ok()),
                    Some("1")
                );
            }
            let row = fx.log_row(&request_id(&headers)).await?;
            assert_eq!(row["status"], status);
            assert!(
                row["error"].as_str().unwrap_or_default().contains(message),
                "upstream text logged: {row}"
            );
        }
    }
    // Connection refused: 502.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?;
    fx.app
        .add_provider(&fx.admin, "dead", &format!("http://{closed}"), UPSTREAM_KEY)
        .await?;
    let (status, _, text) = fx
        .post(
            "/v1/chat/completions",
            json!({"model": "dead/m", "messages": []}),
        )
        .await?;
    assert_eq!(status, 502, "{text}");
    assert!(text.contains("dead"), "{text}");
    Ok(())
}

#[tokio::test]
async fn each_timeout_kind() -> TestResult {
    let fx = RelayFixture::start_with(&[
        ("upstream", "first_byte_timeout_ms = 300"),
        ("upstream", "idle_timeout_ms = 300"),
    ])
    .await?;
    // First byte: non-stream 504.
    let (status, headers, text) = fx
        .post(
            "/v1/chat/completions",
            json!({"model": "gpt-4o", "messages": [], "mock": {"first_byte_delay_ms": 1500}}),
        )
        .await?;
    assert_eq!(status, 504, "{text}");
    assert!(
        fx.log_row(&request_id(&headers)).await?["error"]
            .as_str()
            .unwrap_or_default()
            .contains("300 ms")
    );
    // Idle gap in a stream: the stream ends with an error event.
    let body = json!({"model": "gpt-4o", "stream": true, "messages": [], "mock": {"chunks": 4, "chunk_delay_ms": 1000}});
    let (status, headers, text) = fx.post("/v1/chat/completions", body).await?;
    assert_eq!(status, 200);
    let events = sse_data(&text);
    let last: Value = serde_json::from_str(events.last().map(String::as_str).unwrap_or("{}"))?;
    assert_eq!(last["error"]["type"], "timeout_error", "{text}");
    let row = fx.log_row(&request_id(&headers)).await?;
    assert_eq!(row["status"], 504);
    // Idle gap in a non-stream body read.
    let body = json!({"model": "gpt-4o", "messages": [], "mock": {"sse_for_non_stream": true, "chunks": 3, "chunk_delay_ms": 1000}});
    let (status, _, text) = fx.post("/v1/chat/completions", body).await?;
    assert_eq!(status, 504, "{text}");

    // Total: a per-provider override shorter than the stream.
    let update = json!({"name": "mock", "api_type": "openai", "base_url": fx.mock.base, "total_timeout_ms": 700, "idle_timeout_ms": 5000});
    let (status, _) = fx
        .app
        .send("PUT", "/providers/mock", Some(&fx.admin), Some(update))
        .await?;
    assert_eq!(status, 200);
    let started = std::time::Instant::now();
    let body = json!({"model": "gpt-4o", "stream": true, "messages": [], "mock": {"chunks": 20, "chunk_delay_ms": 200}});
    let (_, headers, text) = fx.post("/v1/chat/completions", body).await?;
    assert!(
        started.elapsed() < Duration::from_millis(2500),
        "stopped at the total deadline"
    );
    assert!(text.contains("timeout_error"), "{text}");
    assert_eq!(fx.log_row(&request_id(&headers)).await?["status"], 504);
    Ok(())
}

#[tokio::test]
async fn cut_stream_and_client_disconnect_are_logged_with_partial_usage() -> TestResult {
    let fx = RelayFixture::start().await?;
    let body = json!({"model": "gpt-4o", "stream": true, "messages": [{"role": "user", "content": "hello there"}], "mock": {"chunks": 10, "cut_after": 4}});
    let (status, headers, text) = fx.post("/v1/chat/completions", body).await?;
    assert_eq!(status, 200);
    assert!(
        text.contains("upstream_error"),
        "an error event ends the cut stream: {text}"
    );
    assert!(!text.contains("[DONE]"));
    let row = fx.log_row(&request_id(&headers)).await?;
    assert_eq!(row["status"], 502, "{row}");
    assert_eq!(row["usage_estimated"], true);
    assert!(
        row["completion_tokens"].as_i64().unwrap_or(0) > 0,
        "estimated from the text seen: {row}"
    );
    assert!(row["prompt_tokens"].as_i64().unwrap_or(0) > 0);

    // The client reads two events, then hangs up.
    let body = json!({"model": "gpt-4o", "stream": true, "messages": [], "mock": {"chunks": 50, "chunk_delay_ms": 100}});
    let response = fx
        .post_raw("/v1/chat/completions", body.to_string())
        .await?;
    let id = request_id(response.headers());
    let mut stream = response.bytes_stream();
    let mut seen = 0;
    while let Some(chunk) = stream.next().await {
        seen += chunk?.len();
        if seen > 300 {
            break;
        }
    }
    drop(stream);
    let row = fx.log_row(&id).await?;
    assert_eq!(row["status"], 499, "{row}");
    assert!(
        row["error"]
            .as_str()
            .unwrap_or_default()
            .contains("client disconnected")
    );
    assert!(row["completion_tokens"].as_i64().unwrap_or(0) > 0, "{row}");
    Ok(())
}

#[tokio::test]
async fn no_rows_lost_under_load_with_a_small_batch() -> TestResult {
    let fx = RelayFixture::start_with(&[
        ("log_writer", "batch_size = 16"),
        ("log_writer", "queue_capacity = 64"),
    ])
    .await?;
    let total = 10_000;
    let concurrency = 32;
    let body = bytes::Bytes::from(r#"{"model":"text-embedding-3-small","input":"x"}"#);
    let mut workers = Vec::new();
    for w in 0..concurrency {
        let http = fx.app.http.clone();
        let url = fx.app.url("/v1/embeddings");
        let sk = fx.sk.clone();
        let body = body.clone();
        workers.push(tokio::spawn(async move {
            let mut ok = 0usize;
            for _ in (w..total).step_by(concurrency) {
                let response = http
                    .post(&url)
                    .bearer_auth(&sk)
                    .header("content-type", "application/json")
                    .body(body.clone())
                    .send()
                    .await?;
                ok += usize::from(response.status() == 200);
                response.bytes().await?;
            }
            anyhow::Ok(ok)
        }));
    }
    let mut ok = 0;
    for worker in workers {
        ok += worker.await??;
    }
    assert_eq!(ok, total);
    let crate::common::RelayFixture { app, .. } = fx;
    let db = {
        let crate::common::TestApp { server, db, .. } = app;
        server.shutdown().await?;
        db
    };
    let stored = crate::common::count_rows(
        &db.url,
        "SELECT COUNT(*) FROM request_logs WHERE request_type = 'embeddings'",
    )
    .await?;
    assert_eq!(stored, total as i64);
    Ok(())
}

#[tokio::test]
async fn shutdown_lets_a_running_stream_finish() -> TestResult {
    let fx = RelayFixture::start().await?;
    let body = json!({"model": "gpt-4o", "stream": true, "messages": [], "mock": {"chunks": 8, "chunk_delay_ms": 100}});
    let response = fx
        .post_raw("/v1/chat/completions", body.to_string())
        .await?;
    let id = request_id(response.headers());
    let crate::common::RelayFixture { app, mock, .. } = fx;
    let crate::common::TestApp { server, db, .. } = app;
    let stopping = tokio::spawn(server.shutdown());
    let text = response.text().await?;
    assert!(text.contains("[DONE]"), "the stream finished: {text}");
    stopping.await??;
    drop(mock);
    let rows = crate::common::count_rows(
        &db.url,
        &format!("SELECT COUNT(*) FROM request_logs WHERE request_id = '{id}' AND status = 200"),
    )
    .await?;
    assert_eq!(rows, 1);
    Ok(())
}
