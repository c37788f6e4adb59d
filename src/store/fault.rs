//! Database failures sorted by what to do about them, from the error codes SQLite and
//! PostgreSQL report: the database is away, busy or out of resources (try again later;
//! the control plane answers 503), or it refuses a row for what the row holds (a
//! constraint, a value it cannot store, a size limit: trying again cannot help).

use std::borrow::Cow;

use sqlx::error::{DatabaseError, ErrorKind};

use crate::error::GatewayError;

/// SQLite primary result codes (the low byte of the extended code sqlx reports).
const SQLITE_BUSY: i32 = 5;
const SQLITE_LOCKED: i32 = 6;
const SQLITE_NOMEM: i32 = 7;
const SQLITE_READONLY: i32 = 8;
const SQLITE_IOERR: i32 = 10;
const SQLITE_FULL: i32 = 13;
const SQLITE_CANTOPEN: i32 = 14;
const SQLITE_PROTOCOL: i32 = 15;
const SQLITE_TOOBIG: i32 = 18;
const SQLITE_CONSTRAINT: i32 = 19;
const SQLITE_MISMATCH: i32 = 20;

/// The code of a database error, by backend.
enum Code<'a> {
    /// The SQLite primary result code.
    Sqlite(i32),
    /// The PostgreSQL SQLSTATE (the only other backend).
    Postgres(Cow<'a, str>),
    Unknown,
}

fn code_of(db: &dyn DatabaseError) -> Code<'_> {
    let code = db.code();
    if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
        let extended = code.and_then(|c| c.parse::<i32>().ok()).unwrap_or(0);
        return Code::Sqlite(extended & 0xff);
    }
    code.map_or(Code::Unknown, Code::Postgres)
}

/// Whether the database cannot serve anyone right now (unreachable, shutting down,
/// locked, out of disk or connections), as opposed to a problem with one query.
pub fn unavailable(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::BeginFailed => true,
        sqlx::Error::Database(db) => match code_of(db.as_ref()) {
            Code::Sqlite(code) => matches!(
                code,
                SQLITE_BUSY
                    | SQLITE_LOCKED
                    | SQLITE_NOMEM
                    | SQLITE_READONLY
                    | SQLITE_IOERR
                    | SQLITE_FULL
                    | SQLITE_CANTOPEN
                    | SQLITE_PROTOCOL
            ),
            // 08 connection exception, 53 insufficient resources, 57P admin or crash
            // shutdown / cannot connect now, 40001 and 40P01 serialisation and deadlock.
            Code::Postgres(state) => {
                ["08", "53", "57P"]
                    .iter()
                    .any(|class| state.starts_with(class))
                    || matches!(state.as_ref(), "40001" | "40P01")
            }
            Code::Unknown => false,
        },
        _ => false,
    }
}

/// Why the database refused a write for what the rows hold, or `None` when it failed
/// for any other reason (then the write is retried, never dropped).
pub fn refused_for_content(err: &GatewayError) -> Option<String> {
    let GatewayError::Database(err) = err else {
        return None;
    };
    match err {
        sqlx::Error::Encode(cause) => Some(format!("a value cannot be stored: {cause}")),
        sqlx::Error::Database(db) if refuses_content(db.as_ref()) => Some(format!(
            "{} (database error code {})",
            db.message(),
            db.code().unwrap_or_default()
        )),
        _ => None,
    }
}

fn refuses_content(db: &dyn DatabaseError) -> bool {
    if !matches!(db.kind(), ErrorKind::Other) {
        // Unique, foreign key, not-null, check and exclusion violations.
        return true;
    }
    match code_of(db) {
        Code::Sqlite(code) => matches!(code, SQLITE_TOOBIG | SQLITE_CONSTRAINT | SQLITE_MISMATCH),
        // 22 data exception, 23 integrity constraint violation, 54 program limit
        // exceeded (e.g. a value too large for an index).
        Code::Postgres(state) => ["22", "23", "54"]
            .iter()
            .any(|class| state.starts_with(class)),
        Code::Unknown => false,
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;
    use std::time::Duration;

    use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};

    use super::*;

    async fn pool(url: &str, busy_timeout: Duration) -> sqlx::Result<sqlx::SqlitePool> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .busy_timeout(busy_timeout);
        SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await
    }

    #[tokio::test]
    async fn sqlite_errors_are_sorted_by_their_codes() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let holder = pool(&url, Duration::from_secs(1)).await?;
        sqlx::query("CREATE TABLE t (v TEXT NOT NULL)")
            .execute(&holder)
            .await?;
        let refused = sqlx::query("INSERT INTO t (v) VALUES (NULL)")
            .execute(&holder)
            .await
            .map(|_| ())
            .map_err(GatewayError::from);
        let refused = refused
            .err()
            .map(|err| (refused_for_content(&err), err.status()));
        assert!(
            matches!(&refused, Some((Some(reason), status)) if reason.contains("NOT NULL") && status.as_u16() == 500),
            "{refused:?}"
        );

        // Another connection holds the write lock: SQLite answers SQLITE_BUSY.
        let mut lock = holder.acquire().await?;
        sqlx::query("BEGIN EXCLUSIVE").execute(&mut *lock).await?;
        let other = pool(&url, Duration::ZERO).await?;
        let busy = sqlx::query("INSERT INTO t (v) VALUES ('x')")
            .execute(&other)
            .await
            .map(|_| ())
            .map_err(GatewayError::from);
        let busy = busy
            .err()
            .map(|err| (refused_for_content(&err), err.status()));
        assert!(
            matches!(&busy, Some((None, status)) if status.as_u16() == 503),
            "{busy:?}"
        );
        Ok(())
    }

    #[test]
    fn an_unreachable_database_is_503_and_never_a_refusal() {
        for err in [
            sqlx::Error::PoolTimedOut,
            sqlx::Error::Io(std::io::ErrorKind::ConnectionRefused.into()),
        ] {
            let err = GatewayError::from(err);
            assert_eq!(err.status().as_u16(), 503);
            assert_eq!(refused_for_content(&err), None);
            assert!(!err.public_message().contains("pool"), "no internals shown");
        }
    }
}
