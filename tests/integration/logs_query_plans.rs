//! The `/logs` filters read through indexes on both databases: the query the store runs
//! for each filter is explained over 20,000 analysed rows (SQLite `EXPLAIN QUERY PLAN`,
//! PostgreSQL `EXPLAIN`) and must use that filter's index, never a full table scan.

use gateway::store::{LogFilter, RequestLog};

use crate::common::{TestApp, TestResult};

const ROWS: i64 = 20_000;

/// 20,000 rows, a minute apart; every filtered value is rare (about 0.2% of the rows),
/// as one user, model or provider is in a large log.
fn seeded_rows(now: i64) -> Vec<RequestLog> {
    (0..ROWS)
        .map(|i| RequestLog {
            ts: now - (ROWS - i) * 60_000,
            request_id: format!("plan-{i}"),
            request_type: format!("type-{}", i % 300),
            method: "POST".into(),
            path: "/v1/chat/completions".into(),
            provider: Some(format!("provider-{}", i % 400)),
            requested_model: Some(format!("model-{}", i % 450)),
            upstream_model: Some(format!("upstream-{}", i % 450)),
            user_id: Some(i % 500),
            token_id: Some(i % 700),
            status: match i % 1000 {
                0 => 500,
                1 => 429,
                _ => 200,
            },
            ..RequestLog::default()
        })
        .collect()
}

/// Each filter alone, with the indexes its plan must name (`a|b`: either). The newest
/// page from a time on is read backwards on the primary key, which stops after one page.
fn cases(now: i64) -> Vec<(&'static str, LogFilter, &'static [&'static str])> {
    let base = LogFilter {
        limit: 50,
        ..LogFilter::default()
    };
    let with = |change: &dyn Fn(&mut LogFilter)| {
        let mut filter = base.clone();
        change(&mut filter);
        filter
    };
    vec![
        (
            "user",
            with(&|f| f.user_id = Some(7)),
            &["idx_request_logs_user_id"],
        ),
        (
            "token",
            with(&|f| f.token_id = Some(7)),
            &["idx_request_logs_token_id"],
        ),
        (
            "provider",
            with(&|f| f.provider = Some("provider-3".into())),
            &["idx_request_logs_provider_id"],
        ),
        (
            "model",
            with(&|f| f.model = Some("model-3".into())),
            &[
                "idx_request_logs_requested_model_id",
                "idx_request_logs_upstream_model_id",
            ],
        ),
        (
            "type",
            with(&|f| f.request_type = Some("type-3".into())),
            &["idx_request_logs_request_type_id"],
        ),
        (
            "status",
            with(&|f| f.status_class = Some(5)),
            &["idx_request_logs_errors"],
        ),
        (
            "errors",
            with(&|f| f.errors_only = true),
            &["idx_request_logs_errors"],
        ),
        (
            "from",
            with(&|f| f.from_ms = Some(now - 3_600_000)),
            &["idx_request_logs_ts"],
        ),
        (
            "range",
            with(&|f| {
                f.from_ms = Some(now - 10 * 3_600_000);
                f.to_ms = Some(now - 9 * 3_600_000);
            }),
            &["idx_request_logs_ts"],
        ),
    ]
}

async fn sqlite_plan(url: &str, filter: &LogFilter) -> TestResult<String> {
    let pool = sqlx::SqlitePool::connect(url).await?;
    sqlx::query("ANALYZE").execute(&pool).await?;
    let rows: Vec<(i64, i64, i64, String)> = filter
        .list_query::<sqlx::Sqlite>("EXPLAIN QUERY PLAN ")
        .build_query_as()
        .fetch_all(&pool)
        .await?;
    pool.close().await;
    let plan: Vec<String> = rows.into_iter().map(|row| row.3).collect();
    anyhow::ensure!(
        !plan
            .iter()
            .any(|line| line.starts_with("SCAN request_logs") && !line.contains("INDEX")),
        "full scan: {plan:?}"
    );
    Ok(plan.join("\n"))
}

#[cfg(feature = "postgres")]
async fn postgres_plan(url: &str, filter: &LogFilter) -> TestResult<String> {
    let pool = sqlx::PgPool::connect(url).await?;
    sqlx::query("ANALYZE request_logs").execute(&pool).await?;
    let rows: Vec<(String,)> = filter
        .list_query::<sqlx::Postgres>("EXPLAIN ")
        .build_query_as()
        .fetch_all(&pool)
        .await?;
    pool.close().await;
    let plan: Vec<String> = rows.into_iter().map(|row| row.0).collect();
    anyhow::ensure!(
        !plan.iter().any(|line| line.contains("Seq Scan")),
        "full scan: {plan:?}"
    );
    Ok(plan.join("\n"))
}

#[cfg(not(feature = "postgres"))]
async fn postgres_plan(_url: &str, _filter: &LogFilter) -> TestResult<String> {
    anyhow::bail!("PostgreSQL tests need --features postgres")
}

#[tokio::test]
async fn every_log_filter_uses_its_index() -> TestResult {
    let app = TestApp::start().await?;
    let now = gateway::clock::Clock::now_ms();
    app.server.state.logs.insert_logs(&seeded_rows(now)).await?;
    for (name, filter, indexes) in cases(now) {
        let plan = if app.db.url.starts_with("sqlite:") {
            sqlite_plan(&app.db.url, &filter).await?
        } else {
            postgres_plan(&app.db.url, &filter).await?
        };
        for index in indexes {
            let used = index.split('|').any(|one| plan.contains(one));
            assert!(used, "{name}: `{index}` not used:\n{plan}");
        }
        // The store runs this same query: the filter really selects what it says.
        let listed = app.server.state.logs.list_logs(&filter).await?;
        assert!(!listed.is_empty(), "{name}: no rows");
    }
    Ok(())
}
