//! The relay when things go wrong over time: every timeout kind, cut streams, client
//! disconnects, load with a small log batch, and shutdown.

use std::time::Duration;

use futures_util::StreamExt;
use serde_json::{Value, json};

use crate::common::{RelayFixture, TestResult, request_id, sse_data};

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
