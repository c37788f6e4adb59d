use std::sync::Mutex;

use async_trait::async_trait;

use super::*;
use crate::error::{GatewayError, Result};
use crate::store::{LogFilter, UsageGroup, UsageQuery};

/// A store that fails its first `failures` writes, then keeps what it is given,
/// except batches holding a row with the `poison` request id, which it always refuses.
struct Flaky {
    failures: AtomicUsize,
    kept: Mutex<Vec<RequestLog>>,
}

#[async_trait]
impl LogStore for Flaky {
    async fn insert_logs(&self, rows: &[RequestLog]) -> Result<()> {
        if rows.iter().any(|r| r.request_id == "poison") {
            return Err(GatewayError::Internal("value refused".into()));
        }
        if self.failures.load(Ordering::SeqCst) > 0 {
            self.failures.fetch_sub(1, Ordering::SeqCst);
            return Err(GatewayError::Internal("database unreachable".into()));
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
}

#[tokio::test(start_paused = true)]
async fn rows_wait_out_a_database_outage() {
    let store = Arc::new(Flaky {
        failures: AtomicUsize::new(20),
        kept: Mutex::new(Vec::new()),
    });
    let settings = LogWriterSettings {
        queue_capacity: 8,
        batch_size: 4,
        flush_interval: Duration::from_millis(10),
        retention_days: 0,
    };
    let writer = LogWriter::start(store.clone(), settings);
    let sink = writer.sink();
    for i in 0..30 {
        sink.send(RequestLog {
            request_id: format!("r{i}"),
            ..RequestLog::default()
        });
    }
    // 20 failures with backoff (paused clock), then every row arrives.
    tokio::time::sleep(Duration::from_secs(120)).await;
    writer.shutdown().await;
    let kept = store.kept.lock().map(|rows| rows.len()).unwrap_or(0);
    assert_eq!(kept, 30, "no row lost to a passing outage");
}

#[tokio::test(start_paused = true)]
async fn one_bad_row_does_not_block_the_others() {
    let store = Arc::new(Flaky {
        failures: AtomicUsize::new(0),
        kept: Mutex::new(Vec::new()),
    });
    let settings = LogWriterSettings {
        queue_capacity: 64,
        batch_size: 16,
        flush_interval: Duration::from_millis(10),
        retention_days: 0,
    };
    let writer = LogWriter::start(store.clone(), settings);
    let sink = writer.sink();
    for i in 0..10 {
        let id = if i == 3 {
            "poison".to_string()
        } else {
            format!("r{i}")
        };
        sink.send(RequestLog {
            request_id: id,
            requested_model: Some("a\0b".into()),
            ..RequestLog::default()
        });
    }
    tokio::time::sleep(Duration::from_secs(60)).await;
    writer.shutdown().await;
    let kept = store
        .kept
        .lock()
        .map(|rows| rows.clone())
        .unwrap_or_default();
    assert_eq!(kept.len(), 9, "all but the refused row");
    assert!(
        kept.iter()
            .all(|r| r.requested_model.as_deref() == Some("a\u{FFFD}b")),
        "NUL replaced"
    );
}
