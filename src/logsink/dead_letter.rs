//! The dead-letter file: request log rows the database refused for what they hold, or
//! journal lines that cannot be read, set aside as JSON lines with the reason, so no
//! row disappears silently. One line per row: `{"time", "reason", "row"}` (or `"line"`
//! for an unreadable journal line).

use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::json;

use crate::clock::Clock;
use crate::store::RequestLog;
use crate::telemetry::metrics;

pub const FILE_NAME: &str = "dead-letter.jsonl";

/// Appends set-aside rows to `dead-letter.jsonl` in the log writer's folder.
#[derive(Debug, Clone)]
pub struct DeadLetter {
    path: PathBuf,
    clock: Clock,
}

impl DeadLetter {
    pub fn new(dir: &Path, clock: Clock) -> DeadLetter {
        DeadLetter {
            path: dir.join(FILE_NAME),
            clock,
        }
    }

    /// Sets aside a row the database refused.
    pub fn row(&self, row: &RequestLog, reason: &str) {
        tracing::error!(
            request_id = %row.request_id,
            cost = row.cost,
            reason,
            file = %self.path.display(),
            "request log row refused by the database; set aside in the dead-letter file"
        );
        self.append(json!({"time": self.now(), "reason": reason, "row": row}));
    }

    /// Sets aside a journal line that cannot be read back as a row.
    pub fn line(&self, line: &str, reason: &str) {
        tracing::error!(
            reason,
            file = %self.path.display(),
            "unreadable request journal line; set aside in the dead-letter file"
        );
        self.append(json!({"time": self.now(), "reason": reason, "line": line}));
    }

    fn now(&self) -> String {
        self.clock.format_ms(Clock::now_ms())
    }

    fn append(&self, entry: serde_json::Value) {
        metrics::log_rows_dead_lettered();
        let mut line = entry.to_string();
        line.push('\n');
        let written = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .and_then(|mut file| file.write_all(line.as_bytes()));
        if let Err(err) = written {
            // The console log is the last place the row can go.
            tracing::error!(%err, file = %self.path.display(), entry = %line.trim_end(), "cannot write the dead-letter file");
        }
    }
}
