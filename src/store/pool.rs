//! The database connection: SQLite by default, PostgreSQL with the `postgres` feature;
//! opening, creating the file and running the migrations of the chosen backend.

use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use crate::clock::Clock;
use crate::error::{GatewayError, Result};

/// A pool of one backend. Store methods are written once and expanded per backend
/// with [`on_pool!`].
#[derive(Clone, Debug)]
pub enum Pool {
    Sqlite(sqlx::SqlitePool),
    #[cfg(feature = "postgres")]
    Postgres(sqlx::PgPool),
}

/// Runs the same expression against whichever backend the pool holds; the SQL uses
/// `$1` placeholders, which both SQLite and PostgreSQL accept.
macro_rules! on_pool {
    ($pool:expr, $p:ident => $body:expr) => {
        match $pool {
            $crate::store::pool::Pool::Sqlite($p) => $body,
            #[cfg(feature = "postgres")]
            $crate::store::pool::Pool::Postgres($p) => $body,
        }
    };
}
pub(crate) use on_pool;

/// The SQL store: implements both `ConfigStore` and `LogStore`.
#[derive(Clone, Debug)]
pub struct SqlStore {
    pub(crate) pool: Pool,
    pub(crate) clock: Clock,
}

impl SqlStore {
    /// Closes the pool, waiting for connections to be returned.
    pub async fn close(&self) {
        on_pool!(&self.pool, p => p.close().await)
    }

    pub fn is_closed(&self) -> bool {
        on_pool!(&self.pool, p => p.is_closed())
    }
}

/// Where the SQLite database file lives for a `sqlite:` URL, if it is a file.
pub fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        return None;
    }
    Some(PathBuf::from(path))
}

/// Opens the database named by `url`, creating the SQLite file and its folder when
/// missing, and runs the migrations.
/// `acquire_timeout` bounds the wait for a connection, so callers fail fast (503)
/// while the database is away.
pub async fn connect(
    url: &str,
    max_connections: u32,
    acquire_timeout: Duration,
    clock: Clock,
) -> Result<SqlStore> {
    let pool = if url.starts_with("sqlite:") {
        Pool::Sqlite(open_sqlite(url, max_connections, acquire_timeout).await?)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        open_postgres(url, max_connections, acquire_timeout).await?
    } else {
        return Err(GatewayError::Config(format!(
            "database url `{url}` is not supported; expected sqlite://PATH or postgres://..."
        )));
    };
    Ok(SqlStore { pool, clock })
}

async fn open_sqlite(
    url: &str,
    max_connections: u32,
    acquire_timeout: Duration,
) -> Result<sqlx::SqlitePool> {
    if let Some(path) = sqlite_path(url)
        && let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
    {
        std::fs::create_dir_all(dir)?;
    }
    let options = SqliteConnectOptions::from_str(url)
        .map_err(|err| GatewayError::Config(format!("database url `{url}`: {err}")))?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(Duration::from_secs(10))
        .foreign_keys(true);
    let pool = SqlitePoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(acquire_timeout)
        .connect_with(options)
        .await
        .map_err(|err| GatewayError::Config(format!("cannot open database `{url}`: {err}")))?;
    sqlx::migrate!("migrations/sqlite").run(&pool).await?;
    Ok(pool)
}

#[cfg(feature = "postgres")]
async fn open_postgres(url: &str, max_connections: u32, acquire_timeout: Duration) -> Result<Pool> {
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(acquire_timeout)
        .connect(url)
        .await
        .map_err(|err| GatewayError::Config(format!("cannot connect to PostgreSQL: {err}")))?;
    sqlx::migrate!("migrations/postgres").run(&pool).await?;
    Ok(Pool::Postgres(pool))
}

#[cfg(not(feature = "postgres"))]
async fn open_postgres(_url: &str, _max_connections: u32, _timeout: Duration) -> Result<Pool> {
    Err(GatewayError::Config(
        "this binary was built without PostgreSQL support; rebuild it with \
         `cargo build --release --features postgres` or use a sqlite:// database url"
            .to_string(),
    ))
}
