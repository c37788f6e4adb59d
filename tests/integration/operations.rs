//! Operations: health and readiness (turning false when the database is gone), the
//! Prometheus metrics after a known mix of requests, the metrics token, and log
//! retention deleting exactly the rows older than the limit.

use serde_json::json;

use crate::common::{RelayFixture, TestApp, TestResult, UPSTREAM_KEY};

#[tokio::test]
async fn health_and_readiness() -> TestResult {
    let app = TestApp::start().await?;
    let (status, body) = app.send("GET", "/health", None, None).await?;
    assert_eq!((status, body["status"].as_str()), (200, Some("ok")));
    let (status, body) = app.send("GET", "/ready", None, None).await?;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["database"], true);
    assert_eq!(body["snapshot"], true);
    assert_eq!(body["log_writer"], true);
    // The database goes away: readiness says so, liveness does not.
    app.server.state.store.close().await;
    let (status, body) = app.send("GET", "/ready", None, None).await?;
    assert_eq!(status, 503, "{body}");
    assert_eq!(
        (body["status"].as_str(), body["database"].as_bool()),
        (Some("not_ready"), Some(false))
    );
    let (status, _) = app.send("GET", "/health", None, None).await?;
    assert_eq!(status, 200);
    Ok(())
}

/// The value of the first metric line starting with `prefix` and holding every label.
fn metric(text: &str, name: &str, labels: &[&str]) -> f64 {
    text.lines()
        .filter(|line| line.starts_with(name) && labels.iter().all(|label| line.contains(label)))
        .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

#[tokio::test]
async fn metrics_count_requests_and_tokens() -> TestResult {
    let fx =
        RelayFixture::start_with(&[("telemetry", "metrics_token = \"metrics-secret\"")]).await?;
    // A provider name of its own, so other tests in this process do not add to it.
    let provider = "metricsprov";
    fx.app
        .add_provider(&fx.admin, provider, &fx.mock.base, UPSTREAM_KEY)
        .await?;
    let model = format!("{provider}/gpt-4o");
    let mut prompt = 0;
    let mut completion = 0;
    for _ in 0..3 {
        let (status, _, text) = fx
            .post(
                "/v1/chat/completions",
                json!({"model": model, "messages": [{"role": "user", "content": "hi"}]}),
            )
            .await?;
        assert_eq!(status, 200);
        let usage = serde_json::from_str::<serde_json::Value>(&text)?["usage"].clone();
        prompt += usage["prompt_tokens"].as_i64().unwrap_or(0);
        completion += usage["completion_tokens"].as_i64().unwrap_or(0);
    }
    let (status, _, _) = fx.post("/v1/chat/completions", json!({"model": model, "messages": [], "mock": {"status": 503, "error_message": "down"}})).await?;
    assert_eq!(status, 503);
    fx.post(
        "/v1/embeddings",
        json!({"model": format!("{provider}/text-embedding-3-small"), "input": "x"}),
    )
    .await?;

    let response = fx.app.http.get(fx.app.url("/metrics")).send().await?;
    assert_eq!(response.status(), 401, "the token is required");
    let text = fx
        .app
        .http
        .get(fx.app.url("/metrics"))
        .bearer_auth("metrics-secret")
        .send()
        .await?
        .text()
        .await?;
    let p = format!("provider=\"{provider}\"");
    let m = format!("model=\"{model}\"");
    assert_eq!(
        metric(
            &text,
            "gateway_requests_total",
            &[&p, &m, "request_type=\"chat\"", "status_class=\"2xx\""]
        ),
        3.0,
        "{text}"
    );
    assert_eq!(
        metric(
            &text,
            "gateway_requests_total",
            &[&p, &m, "status_class=\"5xx\""]
        ),
        1.0
    );
    assert_eq!(
        metric(
            &text,
            "gateway_requests_total",
            &[&p, "request_type=\"embeddings\""]
        ),
        1.0
    );
    assert_eq!(
        metric(&text, "gateway_tokens_total", &[&p, &m, "kind=\"prompt\""]),
        prompt as f64
    );
    assert_eq!(
        metric(
            &text,
            "gateway_tokens_total",
            &[&p, &m, "kind=\"completion\""]
        ),
        completion as f64
    );
    assert!(metric(&text, "gateway_upstream_errors_total", &["kind=\"status\""]) >= 1.0);
    for name in [
        "gateway_request_duration_seconds_bucket",
        "gateway_time_to_first_byte_seconds_bucket",
        "gateway_in_flight_requests",
        "gateway_log_rows_written_total",
        "gateway_log_batch_seconds_bucket",
        "gateway_snapshot_reloads_total",
    ] {
        assert!(text.contains(name), "{name} missing");
    }
    Ok(())
}

#[tokio::test]
async fn retention_deletes_exactly_the_old_rows() -> TestResult {
    let app = TestApp::start().await?;
    let now = gateway::clock::Clock::now_ms();
    let day = 24 * 3600 * 1000;
    let rows: Vec<gateway::store::RequestLog> = (0..2500)
        .map(|i| gateway::store::RequestLog {
            ts: if i % 2 == 0 {
                now - 31 * day - i
            } else {
                now - 29 * day
            },
            time: String::new(),
            request_id: format!("old-or-new-{i}"),
            request_type: "seeded".into(),
            method: "POST".into(),
            path: "/v1/chat/completions".into(),
            status: 200,
            ..Default::default()
        })
        .collect();
    app.server.state.logs.insert_logs(&rows).await?;
    let deleted = gateway::retention::sweep(&*app.server.state.logs, now - 30 * day).await?;
    assert_eq!(deleted, 1250);
    let left = crate::common::count_rows(
        &app.db.url,
        "SELECT COUNT(*) FROM request_logs WHERE request_type = 'seeded'",
    )
    .await?;
    assert_eq!(left, 1250);
    let old_left = crate::common::count_rows(
        &app.db.url,
        &format!(
            "SELECT COUNT(*) FROM request_logs WHERE ts < {}",
            now - 30 * day
        ),
    )
    .await?;
    assert_eq!(old_left, 0);
    Ok(())
}
