//! The log and usage queries over real HTTP: filters, aggregates and who may see what.

use serde_json::{Value, json};

use crate::billing_fixture::{Billing, chat_body};
use crate::common::TestResult;

#[tokio::test]
async fn logs_and_usage_queries_are_filtered_and_scoped() -> TestResult {
    let b = Billing::start(1_000_000, json!({"name": "payer-token"})).await?;
    for extra in [
        json!({}),
        json!({"stream": true}),
        json!({"mock": {"status": 429, "error_message": "x"}}),
    ] {
        b.chat(chat_body(extra)).await?;
    }
    // Another user with their own traffic.
    let (other_id, other) = b.app.new_user(&b.admin, "other", &["*"]).await?;
    b.app
        .send(
            "POST",
            &format!("/users/{other_id}/balance"),
            Some(&b.admin),
            Some(json!({"amount": 1000000, "reason": "t"})),
        )
        .await?;
    let other_sk = b
        .app
        .new_token(&other, json!({"name": "other-token"}))
        .await?;
    let response = b
        .app
        .http
        .post(b.app.url("/v1/chat/completions"))
        .bearer_auth(&other_sk)
        .header("content-type", "application/json")
        .body(chat_body(json!({})).to_string())
        .send()
        .await?;
    let other_request = response
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    b.app
        .wait_logs(&b.admin, 4, |r| r["token_id"].is_i64())
        .await?;

    let count = |v: &Value| v["items"].as_array().map_or(0, Vec::len);
    let (_, rows) = b
        .app
        .send(
            "GET",
            "/logs?request_type=chat_stream",
            Some(&b.admin),
            None,
        )
        .await?;
    assert_eq!(count(&rows), 1);
    let (_, rows) = b
        .app
        .send(
            "GET",
            "/logs?status=4xx&provider=mock",
            Some(&b.admin),
            None,
        )
        .await?;
    assert_eq!(count(&rows), 1, "{rows}");
    let (_, rows) = b
        .app
        .send(
            "GET",
            "/logs?errors_only=true&model=mock/gpt-4o",
            Some(&b.admin),
            None,
        )
        .await?;
    assert_eq!(count(&rows), 1);
    let (_, rows) = b
        .app
        .send(
            "GET",
            &format!("/logs?user_id={other_id}"),
            Some(&b.admin),
            None,
        )
        .await?;
    assert!(
        rows["items"]
            .as_array()
            .into_iter()
            .flatten()
            .all(|r| r["user_name"] == "other")
    );
    let (status, body) = b
        .app
        .send("GET", "/logs?status=7xx", Some(&b.admin), None)
        .await?;
    assert_eq!(
        (status, body["error"]["param"].as_str()),
        (400, Some("status"))
    );
    let future = b
        .app
        .server
        .state
        .clock
        .format_ms(gateway::clock::Clock::now_ms() + 3_600_000);
    let (_, rows) = b
        .app
        .send(
            "GET",
            &format!("/logs?from={}", future.replace(' ', "%20")),
            Some(&b.admin),
            None,
        )
        .await?;
    assert_eq!(count(&rows), 0);

    // The payer sees only their rows, and not the other user's single row.
    let (_, mine) = b
        .app
        .send(
            "GET",
            &format!("/logs?limit=500&user_id={other_id}"),
            Some(&b.user),
            None,
        )
        .await?;
    assert!(
        mine["items"]
            .as_array()
            .into_iter()
            .flatten()
            .all(|r| r["user_name"] == "payer"),
        "{mine}"
    );
    let (status, _) = b
        .app
        .send(
            "GET",
            &format!("/logs/{other_request}"),
            Some(&b.user),
            None,
        )
        .await?;
    assert_eq!(status, 404);
    let (status, row) = b
        .app
        .send("GET", &format!("/logs/{other_request}"), Some(&other), None)
        .await?;
    assert_eq!((status, row["user_name"].as_str()), (200, Some("other")));

    // Usage, grouped by user (admin) and scoped (user).
    let (status, report) = b
        .app
        .send(
            "GET",
            "/usage?group_by=user&period=all",
            Some(&b.admin),
            None,
        )
        .await?;
    assert_eq!(status, 200, "{report}");
    let rows = report["rows"].as_array().cloned().unwrap_or_default();
    let payer = rows
        .iter()
        .find(|r| r["key"] == "payer")
        .cloned()
        .unwrap_or_default();
    assert_eq!(payer["requests"], 3);
    assert_eq!(payer["errors"], 1);
    assert!(
        payer["cost"].as_i64().unwrap_or(0) > 0 && payer["total_tokens"].as_i64().unwrap_or(0) > 0
    );
    assert!(
        payer["p95_latency_ms"].as_i64().unwrap_or(-1)
            >= payer["p50_latency_ms"].as_i64().unwrap_or(0)
    );
    let (_, report) = b
        .app
        .send("GET", "/usage?group_by=model", Some(&b.user), None)
        .await?;
    let rows = report["rows"].as_array().cloned().unwrap_or_default();
    assert_eq!(rows.len(), 1, "one day, one model: {report}");
    assert_eq!(rows[0]["key"], "mock/gpt-4o");
    assert_eq!(rows[0]["requests"], 3, "only the payer's own requests");
    assert_eq!(
        rows[0]["period"].as_str().map(|p| p.ends_with("00:00:00")),
        Some(true)
    );
    Ok(())
}
