//! A request id is stored once: writing the same row again (a retried batch, a replayed
//! journal) neither adds a row nor charges twice, and the migration that makes the id
//! unique keeps rows that shared an id before.

use gateway::store::RequestLog;

use crate::common::{TestApp, TestDb, TestResult, count_rows};

fn charged_row(request_id: &str, user_id: i64) -> RequestLog {
    RequestLog {
        ts: 1_700_000_000_000,
        time: "2023-11-15 06:13:20".into(),
        request_id: request_id.into(),
        request_type: "chat".into(),
        method: "POST".into(),
        path: "/v1/chat/completions".into(),
        status: 200,
        cost: 700,
        user_id: Some(user_id),
        ..RequestLog::default()
    }
}

#[tokio::test]
async fn a_row_written_twice_is_stored_and_charged_once() -> TestResult {
    let app = TestApp::start().await?;
    let url = app.db.url.clone();
    let admin_id = count_rows(&url, "SELECT id FROM users WHERE username = 'admin'").await?;
    let balance = "SELECT balance FROM users WHERE username = 'admin'";
    let before = count_rows(&url, balance).await?;
    let logs = app.server.state.logs.clone();
    let first = charged_row("req-twice-0000000000001", admin_id);
    let other = charged_row("req-twice-0000000000002", admin_id);
    logs.insert_logs(std::slice::from_ref(&first)).await?;
    // The same row again, alone and in a batch with a new one (and twice in one batch).
    logs.insert_logs(std::slice::from_ref(&first)).await?;
    logs.insert_logs(&[first.clone(), other.clone(), other.clone()])
        .await?;
    let rows = "SELECT COUNT(*) FROM request_logs WHERE request_id LIKE 'req-twice-%'";
    assert_eq!(count_rows(&url, rows).await?, 2, "one row per request id");
    assert_eq!(
        before - count_rows(&url, balance).await?,
        1400,
        "each request charged once"
    );
    Ok(())
}

/// Rows sharing an id before migration 0007 are all kept; the later ones are renamed.
#[tokio::test]
async fn the_unique_id_migration_keeps_earlier_duplicates() -> TestResult {
    let db = TestDb::new().await?;
    let insert = "INSERT INTO request_logs (ts, time, request_id, request_type, method, path, \
                  status, latency_ms) VALUES (1, 't', 'dup-id', 'chat', 'POST', '/v1', 200, 1)";
    migrate_to_0006_and_run(&db.url, &[insert, insert, insert]).await?;
    let app = TestApp::start_on(db, &[]).await?;
    let url = &app.db.url;
    let total = "SELECT COUNT(*) FROM request_logs WHERE request_id LIKE 'dup-id%'";
    assert_eq!(count_rows(url, total).await?, 3, "no row deleted");
    let kept = "SELECT COUNT(*) FROM request_logs WHERE request_id = 'dup-id' \
                AND id = (SELECT MIN(id) FROM request_logs)";
    assert_eq!(
        count_rows(url, kept).await?,
        1,
        "the oldest row keeps the id"
    );
    Ok(())
}

/// Applies the migrations up to 0006 (the schema before request ids were unique), then
/// runs `statements`.
async fn migrate_to_0006_and_run(url: &str, statements: &[&str]) -> TestResult {
    if url.starts_with("sqlite:") {
        let options = url
            .parse::<sqlx::sqlite::SqliteConnectOptions>()?
            .create_if_missing(true);
        let pool = sqlx::SqlitePool::connect_with(options).await?;
        sqlx::migrate!("migrations/sqlite").run_to(6, &pool).await?;
        for sql in statements {
            sqlx::query(sqlx::AssertSqlSafe(*sql))
                .execute(&pool)
                .await?;
        }
        pool.close().await;
        return Ok(());
    }
    postgres_to_0006_and_run(url, statements).await
}

#[cfg(feature = "postgres")]
async fn postgres_to_0006_and_run(url: &str, statements: &[&str]) -> TestResult {
    let pool = sqlx::PgPool::connect(url).await?;
    sqlx::migrate!("migrations/postgres")
        .run_to(6, &pool)
        .await?;
    for sql in statements {
        sqlx::query(sqlx::AssertSqlSafe(*sql))
            .execute(&pool)
            .await?;
    }
    pool.close().await;
    Ok(())
}

#[cfg(not(feature = "postgres"))]
async fn postgres_to_0006_and_run(_url: &str, _statements: &[&str]) -> TestResult {
    anyhow::bail!("PostgreSQL tests need --features postgres")
}
