use std::sync::Mutex;

use async_trait::async_trait;
use tokio::sync::Semaphore;

use super::*;
use crate::error::{GatewayError, Result};
use crate::store::{LogFilter, UsageGroup, UsageQuery};

/// A store in memory: fails `failing` writes with "pool timed out" (only every other
/// write while `alternate` is set), and waits for a permit of `gate` before each write.
struct Memory {
    failing: AtomicUsize,
    alternate: AtomicBool,
    calls: AtomicUsize,
    gate: Semaphore,
    kept: Mutex<Vec<RequestLog>>,
}

impl Memory {
    fn new(failing: usize, alternate: bool, open: bool) -> Arc<Memory> {
        Arc::new(Memory {
            failing: AtomicUsize::new(failing),
            alternate: AtomicBool::new(alternate),
            calls: AtomicUsize::new(0),
            gate: Semaphore::new(if open { Semaphore::MAX_PERMITS } else { 0 }),
            kept: Mutex::new(Vec::new()),
        })
    }

    fn ids(&self) -> Vec<String> {
        let kept = self.kept.lock().map(|k| k.clone()).unwrap_or_default();
        kept.into_iter().map(|r| r.request_id).collect()
    }
}

#[async_trait]
impl LogStore for Memory {
    async fn insert_logs(&self, rows: &[RequestLog]) -> Result<()> {
        let _permit = self.gate.acquire().await;
        let call = self.calls.fetch_add(1, Ordering::SeqCst);
        let skip = self.alternate.load(Ordering::SeqCst) && call % 2 == 1;
        if !skip && self.failing.load(Ordering::SeqCst) > 0 {
            self.failing.fetch_sub(1, Ordering::SeqCst);
            return Err(sqlx::Error::PoolTimedOut.into());
        }
        self.kept
            .lock()
            .map_err(|_| GatewayError::Internal("poisoned".into()))?
            .extend_from_slice(rows);
        Ok(())
    }
    async fn list_logs(&self, _: &LogFilter) -> Result<Vec<RequestLog>> {
        Ok(Vec::new())
    }
    async fn get_log(&self, _: &str) -> Result<Option<RequestLog>> {
        Ok(None)
    }
    async fn usage(&self, _: &UsageQuery) -> Result<Vec<UsageGroup>> {
        Ok(Vec::new())
    }
    async fn delete_logs_before(&self, _: i64, _: i64) -> Result<u64> {
        Ok(0)
    }

    async fn delete_rollup_before(&self, _: i64) -> Result<u64> {
        Ok(0)
    }
}

/// Starts a writer on `store` with the journal and dead-letter file in `dir`.
async fn start(
    store: Arc<dyn LogStore>,
    dir: &Path,
    (queue_capacity, batch_size, flush_ms): (usize, usize, u64),
    journal: bool,
) -> Result<LogWriter> {
    let settings = LogWriterSettings {
        queue_capacity,
        batch_size,
        flush_interval: Duration::from_millis(flush_ms),
        retention_days: 0,
        rollup_retention_days: 0,
        journal,
        dir: None,
    };
    LogWriter::start(store, settings, dir, clock()).await
}

fn clock() -> Clock {
    use chrono::Offset;
    Clock::new(chrono::Utc.fix())
}

fn row(id: &str, user_id: Option<i64>) -> RequestLog {
    RequestLog {
        request_id: id.into(),
        user_id,
        ..RequestLog::default()
    }
}

/// Queues a row in a place of its own; false when the queue had no room.
async fn send(sink: &LogSink, row: RequestLog) -> bool {
    match sink.reserve().await {
        Some(slot) => {
            slot.send(row);
            true
        }
        None => false,
    }
}

fn journal_files(dir: &Path) -> usize {
    journal::leftovers(dir)
        .map(|(files, _)| files.len())
        .unwrap_or(99)
}

#[tokio::test(start_paused = true)]
async fn a_passing_outage_loses_no_row_even_when_some_writes_get_through() -> Result<()> {
    let dir = tempfile::tempdir()?;
    // Every other write fails for a while: the database comes and goes.
    let store = Memory::new(40, true, true);
    let writer = start(store.clone(), dir.path(), (64, 4, 10), true).await?;
    let sink = writer.sink();
    for i in 0..30 {
        assert!(send(&sink, row(&format!("r{i}"), Some(1))).await);
    }
    tokio::time::sleep(Duration::from_secs(300)).await;
    writer.shutdown().await;
    let mut ids = store.ids();
    ids.sort_by_key(|id| id[1..].parse::<u32>().unwrap_or(0));
    let expected: Vec<String> = (0..30).map(|i| format!("r{i}")).collect();
    assert_eq!(ids, expected, "every row once, none set aside");
    assert!(!dir.path().join(DEAD_LETTER_FILE).exists());
    assert_eq!(
        journal_files(dir.path()),
        0,
        "a clean stop leaves no journal"
    );
    Ok(())
}

#[tokio::test]
async fn a_row_the_database_refuses_goes_to_the_dead_letter_file() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let url = format!("sqlite://{}", dir.path().join("gateway.db").display());
    let store = crate::store::connect(&url, 2, Duration::from_secs(2), clock()).await?;
    // A rule the operator added: the database refuses such rows for what they hold.
    let admin = sqlx::SqlitePool::connect(&url).await?;
    sqlx::query(
        "CREATE TRIGGER refuse BEFORE INSERT ON request_logs \
         WHEN NEW.requested_model = 'refuse-me' \
         BEGIN SELECT RAISE(ABORT, 'model refused by policy'); END",
    )
    .execute(&admin)
    .await?;
    admin.close().await;
    let store = Arc::new(store);
    let writer = start(store.clone(), dir.path(), (64, 16, 10), true).await?;
    let sink = writer.sink();
    for i in 0..10 {
        let mut r = row(&format!("r{i}"), Some(1));
        r.requested_model = Some(if i == 3 { "refuse-me" } else { "a\0b" }.into());
        r.path = "/v1/chat/completions".into();
        assert!(send(&sink, r).await);
    }
    writer.shutdown().await;
    let kept = store
        .list_logs(&LogFilter {
            limit: 100,
            ..LogFilter::default()
        })
        .await?;
    assert_eq!(kept.len(), 9, "all but the refused row");
    assert!(
        kept.iter()
            .all(|r| r.requested_model.as_deref() == Some("a\u{FFFD}b")),
        "NUL replaced"
    );
    let dead = std::fs::read_to_string(dir.path().join(DEAD_LETTER_FILE))?;
    let lines: Vec<serde_json::Value> = dead
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    assert_eq!(lines.len(), 1, "{dead}");
    assert_eq!(lines[0]["row"]["request_id"], "r3");
    let reason = lines[0]["reason"].as_str().unwrap_or_default();
    assert!(reason.contains("model refused by policy"), "{reason}");
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn a_full_queue_refuses_places_and_noise_stops_at_half() -> Result<()> {
    let dir = tempfile::tempdir()?;
    // The database hangs: nothing leaves the queue until the gate opens.
    let store = Memory::new(0, false, false);
    let writer = start(store.clone(), dir.path(), (8, 2, 3_600_000), false).await?;
    let sink = writer.sink();
    let mut held = Vec::new();
    while let Some(slot) = sink.reserve().await {
        held.push(slot);
    }
    assert_eq!(held.len(), 8, "eight places, then none within the wait");
    drop(held);
    for i in 0..10 {
        assert!(send(&sink, row(&format!("noise{i}"), None)).await);
    }
    assert_eq!(
        sink.queue_depth(),
        4,
        "unauthenticated rows stop at half the queue"
    );
    let mut admitted = 0;
    for i in 0..10 {
        admitted += usize::from(send(&sink, row(&format!("user{i}"), Some(1))).await);
    }
    // Waiting for room woke the writer: it holds one batch (2 rows) while the database
    // hangs, so 8 wait in the queue and 10 in all.
    assert_eq!(
        (admitted, sink.queue_depth()),
        (6, 8),
        "others fill the rest"
    );
    assert!(!sink.has_room());
    store.gate.add_permits(Semaphore::MAX_PERMITS);
    writer.shutdown().await;
    let ids = store.ids();
    assert_eq!(ids.len(), 10);
    assert_eq!(ids.iter().filter(|id| id.starts_with("user")).count(), 6);
    Ok(())
}

#[tokio::test]
async fn rows_of_a_writer_that_died_are_written_at_the_next_start() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let down = Memory::new(usize::MAX, false, true);
    let writer = start(down.clone(), dir.path(), (64, 4, 10), true).await?;
    let sink = writer.sink();
    for i in 0..20 {
        assert!(send(&sink, row(&format!("r{i}"), Some(1))).await);
    }
    // The process dies: the task goes away without a shutdown.
    writer.task.abort();
    drop((writer, sink));
    assert_eq!(journal_files(dir.path()), 1);
    let up = Memory::new(0, false, true);
    let again = start(up.clone(), dir.path(), (64, 4, 10), true).await?;
    assert_eq!(up.ids().len(), 20, "replayed before the writer starts");
    assert_eq!(journal_files(dir.path()), 1, "only the new run's file");
    again.shutdown().await;
    assert_eq!(journal_files(dir.path()), 0);
    Ok(())
}
