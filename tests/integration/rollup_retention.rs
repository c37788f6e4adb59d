//! Usage outlives the request log rows it was rolled up from: retention deletes rows
//! after `log_writer.retention_days` but keeps the hourly rollup for its own, longer
//! `log_writer.rollup_retention_days`, so `GET /usage` still answers for those hours.

use gateway::clock::Clock;
use gateway::store::RequestLog;
use serde_json::Value;

use crate::common::{TestApp, TestResult, count_rows};

const DAY: i64 = 24 * 3600 * 1000;

fn rows(at: i64, tag: &str) -> Vec<RequestLog> {
    (0..100)
        .map(|i| RequestLog {
            ts: at + i * 1000,
            request_id: format!("{tag}-{i}"),
            request_type: "chat".into(),
            method: "POST".into(),
            path: "/v1/chat/completions".into(),
            provider: Some("p".into()),
            upstream_model: Some("m".into()),
            user_id: Some(1),
            user_name: Some("admin".into()),
            token_id: Some(1),
            token_name: Some("t".into()),
            status: 200,
            prompt_tokens: 10,
            completion_tokens: 5,
            total_tokens: 15,
            ..RequestLog::default()
        })
        .collect()
}

async fn requests_around(app: &TestApp, admin: &str, at: i64) -> TestResult<Value> {
    let clock = app.server.state.clock;
    let query = format!(
        "/usage?period=all&from={}&to={}",
        clock.format_ms(at - DAY).replace(' ', "%20"),
        clock.format_ms(at + DAY).replace(' ', "%20"),
    );
    let (status, body) = app.send("GET", &query, Some(admin), None).await?;
    assert_eq!(status, 200, "{body}");
    Ok(body["rows"][0]["requests"].clone())
}

#[tokio::test]
async fn usage_outlives_the_log_rows_it_was_rolled_up_from() -> TestResult {
    let app = TestApp::start().await?;
    let admin = app.admin().await?;
    let settings = app.server.state.config.log_writer.clone();
    assert_eq!(
        (settings.retention_days, settings.rollup_retention_days),
        (30, 400)
    );
    let now = Clock::now_ms();
    let (month_ago, years_ago) = (now - 40 * DAY, now - 500 * DAY);
    let logs = &*app.server.state.logs;
    logs.insert_logs(&rows(month_ago, "month")).await?;
    logs.insert_logs(&rows(years_ago, "years")).await?;
    assert_eq!(requests_around(&app, &admin, month_ago).await?, 100);
    assert_eq!(requests_around(&app, &admin, years_ago).await?, 100);

    gateway::retention::sweep_all(logs, app.server.state.clock, &settings).await;
    let left = count_rows(
        &app.db.url,
        "SELECT COUNT(*) FROM request_logs WHERE request_type = 'chat'",
    );
    assert_eq!(left.await?, 0, "rows older than 30 days are deleted");
    assert_eq!(
        requests_around(&app, &admin, month_ago).await?,
        100,
        "the rollup stays"
    );
    assert_eq!(
        requests_around(&app, &admin, years_ago).await?,
        Value::Null,
        "until 400 days"
    );
    Ok(())
}
