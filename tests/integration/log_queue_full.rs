//! The log queue is really bounded: while the database does not take rows, relayed
//! requests are answered 503 once the queue is full (nothing is spent upstream), rows
//! of unauthenticated requests stop at half the queue so they cannot crowd out paying
//! traffic, and every answered request is logged once the database is back.

use serde_json::json;

use crate::common::{RelayFixture, TestResult, count_rows};

const CAPACITY: usize = 8;
const BATCH: usize = 4;

/// Holds the request log table locked from another connection until dropped or
/// released: the gateway's inserts wait.
enum TableLock {
    Sqlite(sqlx::pool::PoolConnection<sqlx::Sqlite>),
    #[cfg(feature = "postgres")]
    Postgres(sqlx::pool::PoolConnection<sqlx::Postgres>),
}

impl TableLock {
    async fn take(url: &str) -> TestResult<TableLock> {
        if url.starts_with("sqlite:") {
            let mut conn = sqlx::SqlitePool::connect(url).await?.acquire().await?;
            sqlx::query("BEGIN EXCLUSIVE").execute(&mut *conn).await?;
            return Ok(TableLock::Sqlite(conn));
        }
        Self::take_postgres(url).await
    }

    #[cfg(feature = "postgres")]
    async fn take_postgres(url: &str) -> TestResult<TableLock> {
        let mut conn = sqlx::PgPool::connect(url).await?.acquire().await?;
        sqlx::query("BEGIN").execute(&mut *conn).await?;
        sqlx::query("LOCK TABLE request_logs IN ACCESS EXCLUSIVE MODE")
            .execute(&mut *conn)
            .await?;
        Ok(TableLock::Postgres(conn))
    }

    #[cfg(not(feature = "postgres"))]
    async fn take_postgres(_url: &str) -> TestResult<TableLock> {
        anyhow::bail!("PostgreSQL tests need --features postgres")
    }

    async fn release(self) -> TestResult {
        match self {
            TableLock::Sqlite(mut conn) => {
                sqlx::query("ROLLBACK").execute(&mut *conn).await?;
            }
            #[cfg(feature = "postgres")]
            TableLock::Postgres(mut conn) => {
                sqlx::query("ROLLBACK").execute(&mut *conn).await?;
            }
        }
        Ok(())
    }
}

fn chat() -> serde_json::Value {
    json!({"model": "mock/gpt-4o", "messages": [{"role": "user", "content": "hi"}]})
}

#[tokio::test]
async fn a_full_log_queue_turns_relayed_requests_away_and_noise_cannot_fill_it() -> TestResult {
    let f = RelayFixture::start_with(&[
        ("log_writer", &format!("queue_capacity = {CAPACITY}")),
        ("log_writer", &format!("batch_size = {BATCH}")),
    ])
    .await?;
    let url = f.app.db.url.clone();
    let lock = TableLock::take(&url).await?;

    // A scanner: many requests with a wrong key.
    for _ in 0..40 {
        let response = f
            .app
            .http
            .post(f.app.url("/v1/chat/completions"))
            .bearer_auth("sk-wrong-key-000000000000")
            .header("content-type", "application/json")
            .body(chat().to_string())
            .send()
            .await?;
        assert_eq!(response.status(), 401);
    }
    // Paying traffic still finds room, until the queue is full: then 503.
    let mut answered = Vec::new();
    let mut refused = None;
    for _ in 0..40 {
        let (status, headers, body) = f.post("/v1/chat/completions", chat()).await?;
        match status {
            200 => answered.push(headers["x-request-id"].to_str()?.to_string()),
            _ => {
                refused = Some((status, body));
                break;
            }
        }
    }
    let (status, body) = refused.ok_or_else(|| anyhow::anyhow!("no request was turned away"))?;
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("request log is full"), "{body}");
    assert!(
        answered.len() >= CAPACITY / 2 && answered.len() <= CAPACITY + BATCH,
        "{} answered before the queue was full",
        answered.len()
    );
    let metrics = f.app.http.get(f.app.url("/metrics")).send().await?;
    let metrics = metrics.text().await?;
    assert!(
        metrics.contains("gateway_log_rows_dropped_total{reason=\"unauthenticated\"}"),
        "noise counted, not queued"
    );

    lock.release().await?;
    for id in &answered {
        f.log_row(id).await?;
    }
    let (status, headers, _) = f.post("/v1/chat/completions", chat()).await?;
    assert_eq!(status, 200, "room again once the database takes rows");
    f.log_row(headers["x-request-id"].to_str()?).await?;
    let sql = "SELECT COUNT(*) FROM request_logs WHERE request_type = 'chat' AND status = 200";
    assert_eq!(count_rows(&url, sql).await?, answered.len() as i64 + 1);
    Ok(())
}
