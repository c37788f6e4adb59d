//! A fresh database per test, and reading what a test database holds at rest.

use super::TestResult;

/// A fresh database for one test: a SQLite file in a temporary folder, or a new
/// PostgreSQL database on the server named by `TEST_DATABASE_URL`.
pub struct TestDb {
    pub url: String,
    pub dir: tempfile::TempDir,
}

impl TestDb {
    pub async fn new() -> TestResult<TestDb> {
        let dir = tempfile::tempdir()?;
        let url = match std::env::var("TEST_DATABASE_URL") {
            Ok(server) if !server.is_empty() => fresh_postgres(&server).await?,
            _ => format!("sqlite://{}", dir.path().join("gateway.db").display()),
        };
        Ok(TestDb { url, dir })
    }
}

#[cfg(feature = "postgres")]
async fn fresh_postgres(server: &str) -> TestResult<String> {
    use sqlx::Connection;
    let name = format!(
        "gw_test_{}",
        gateway::accounts::random_alphanumeric(12).to_lowercase()
    );
    let mut conn = sqlx::PgConnection::connect(server).await?;
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await?;
    conn.close().await?;
    let base = server.rsplit_once('/').map_or(server, |(base, _)| base);
    Ok(format!("{base}/{name}"))
}

#[cfg(not(feature = "postgres"))]
async fn fresh_postgres(_server: &str) -> TestResult<String> {
    anyhow::bail!("TEST_DATABASE_URL is set but the tests were built without --features postgres")
}

/// Every text value stored in the given tables, read straight from the database, so
/// tests can prove what is (not) kept at rest.
pub async fn table_text(url: &str, tables: &[&str]) -> TestResult<String> {
    let mut all = String::new();
    for table in tables {
        let sql = format!("SELECT * FROM {table}");
        if url.starts_with("sqlite:") {
            use sqlx::{Column, Row};
            let pool = sqlx::SqlitePool::connect(url).await?;
            for row in sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                .fetch_all(&pool)
                .await?
            {
                for column in row.columns() {
                    if let Ok(Some(text)) = row.try_get::<Option<String>, _>(column.ordinal()) {
                        all.push_str(&text);
                        all.push('\n');
                    }
                }
            }
            pool.close().await;
        } else {
            all.push_str(&postgres_text(url, &sql).await?);
        }
    }
    Ok(all)
}

#[cfg(feature = "postgres")]
async fn postgres_text(url: &str, sql: &str) -> TestResult<String> {
    use sqlx::{Column, Row};
    let mut all = String::new();
    let pool = sqlx::PgPool::connect(url).await?;
    for row in sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_all(&pool)
        .await?
    {
        for column in row.columns() {
            if let Ok(Some(text)) = row.try_get::<Option<String>, _>(column.ordinal()) {
                all.push_str(&text);
                all.push('\n');
            }
        }
    }
    pool.close().await;
    Ok(all)
}

#[cfg(not(feature = "postgres"))]
async fn postgres_text(_url: &str, _sql: &str) -> TestResult<String> {
    anyhow::bail!("PostgreSQL tests need --features postgres")
}

/// The single number a `SELECT COUNT(*) ...` returns, read straight from the database.
pub async fn count_rows(url: &str, sql: &str) -> TestResult<i64> {
    let sql = sqlx::AssertSqlSafe(sql.to_string());
    if url.starts_with("sqlite:") {
        let pool = sqlx::SqlitePool::connect(url).await?;
        let (count,): (i64,) = sqlx::query_as(sql).fetch_one(&pool).await?;
        pool.close().await;
        return Ok(count);
    }
    count_postgres(url, sql).await
}

#[cfg(feature = "postgres")]
async fn count_postgres(url: &str, sql: sqlx::AssertSqlSafe<String>) -> TestResult<i64> {
    let pool = sqlx::PgPool::connect(url).await?;
    let (count,): (i64,) = sqlx::query_as(sql).fetch_one(&pool).await?;
    pool.close().await;
    Ok(count)
}

#[cfg(not(feature = "postgres"))]
async fn count_postgres(_url: &str, _sql: sqlx::AssertSqlSafe<String>) -> TestResult<i64> {
    anyhow::bail!("PostgreSQL tests need --features postgres")
}
