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
    // Only cached (or aliased) models are metric labels.
    let ids = json!({"ids": ["gpt-4o", "text-embedding-3-small"]});
    let cache = format!("/models/{provider}/cache");
    fx.app
        .send("POST", &cache, Some(&fx.admin), Some(ids))
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

#[tokio::test]
async fn usage_over_rollup_hours_and_raw_edges_adds_up_exactly() -> TestResult {
    let app = TestApp::start().await?;
    let admin = app.admin().await?;
    let hour = 3_600_000;
    let now = gateway::clock::Clock::now_ms();
    // 600 rows over the last 10 hours, two tokens, latencies 10..3000 ms.
    let rows: Vec<gateway::store::RequestLog> = (0..600i64)
        .map(|i| gateway::store::RequestLog {
            ts: now - 10 * hour + i * (10 * hour / 600),
            request_id: format!("seed-{i}"),
            request_type: "chat".into(),
            provider: Some("p".into()),
            upstream_model: Some(if i % 2 == 0 { "a" } else { "b" }.into()),
            user_id: Some(1),
            user_name: Some("admin".into()),
            token_id: Some(1 + i % 2),
            token_name: Some(format!("t{}", i % 2)),
            status: if i % 10 == 0 { 500 } else { 200 },
            prompt_tokens: i,
            completion_tokens: 2 * i,
            total_tokens: 3 * i,
            cost: i % 7,
            latency_ms: 10 + (i * 5) % 3000,
            ..Default::default()
        })
        .collect();
    // Written in batches, as the log writer does, so the rollup is folded batch by batch.
    for batch in rows.chunks(64) {
        app.server.state.logs.insert_logs(batch).await?;
    }
    let clock = app.server.state.clock;
    // A range that starts and ends mid-hour: rollup for the middle, raw rows at the edges.
    let from = clock
        .format_ms(now - 9 * hour - hour / 3)
        .replace(' ', "%20");
    let to = clock.format_ms(now - hour / 2).replace(' ', "%20");
    let (status, report) = app
        .send(
            "GET",
            &format!("/usage?period=all&group_by=model&from={from}&to={to}"),
            Some(&admin),
            None,
        )
        .await?;
    assert_eq!(status, 200, "{report}");
    let from_ms = clock
        .parse_text(&from.replace("%20", " "))
        .unwrap_or_default();
    let to_ms = clock
        .parse_text(&to.replace("%20", " "))
        .unwrap_or_default();
    for model in ["a", "b"] {
        let expected: Vec<&gateway::store::RequestLog> = rows
            .iter()
            .filter(|r| {
                r.ts >= from_ms && r.ts < to_ms && r.upstream_model.as_deref() == Some(model)
            })
            .collect();
        let row = report["rows"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|r| r["key"] == format!("p/{model}"))
            .cloned()
            .unwrap_or_default();
        assert_eq!(row["requests"], expected.len() as i64, "{model}: {report}");
        assert_eq!(
            row["prompt_tokens"],
            expected.iter().map(|r| r.prompt_tokens).sum::<i64>()
        );
        assert_eq!(row["cost"], expected.iter().map(|r| r.cost).sum::<i64>());
        assert_eq!(
            row["errors"],
            expected.iter().filter(|r| r.status >= 400).count() as i64
        );
        let mut latencies: Vec<i64> = expected.iter().map(|r| r.latency_ms).collect();
        latencies.sort_unstable();
        let true_p50 = latencies[latencies.len() / 2];
        let p50 = row["p50_latency_ms"].as_i64().unwrap_or(-1);
        assert!(
            (p50 - true_p50).abs() <= 500,
            "p50 {p50} near {true_p50} (bucket width)"
        );
    }
    // Per hour, per token: every hour's requests add up to the total.
    let (_, hourly) = app
        .send(
            "GET",
            &format!("/usage?period=hour&group_by=token&from={from}&to={to}"),
            Some(&admin),
            None,
        )
        .await?;
    let total: i64 = hourly["rows"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["requests"].as_i64())
        .sum();
    let expected = rows
        .iter()
        .filter(|r| r.ts >= from_ms && r.ts < to_ms)
        .count() as i64;
    assert_eq!(total, expected);
    Ok(())
}
