//! The request journal: every queued row is also appended to a local file, by the
//! request that produced it, before its answer is sent (a plain `write`, no fsync: the
//! page cache survives a killed process). Rows still queued when the process dies are
//! written at the next start (`replay`, idempotent by request id). Files rotate at
//! 1 MiB; a file is deleted once every row in it is in the database or set aside.

use std::collections::VecDeque;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use super::dead_letter::DeadLetter;
use super::write::{Patience, write};
use crate::error::{GatewayError, Result};
use crate::store::{LogStore, RequestLog};
use crate::telemetry::metrics;

const PREFIX: &str = "request-journal-";
const SUFFIX: &str = ".jsonl";
const ROTATE_BYTES: u64 = 1 << 20;
/// Attempts per batch when replaying at start (the database has just answered).
const REPLAY_ATTEMPTS: u32 = 5;

/// See the module doc.
#[derive(Debug)]
pub struct Journal {
    dir: PathBuf,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    file: File,
    generation: u64,
    bytes: u64,
    /// Rows appended since start, in queue order.
    appended: u64,
    /// Rotated files: generation and the `appended` count at their end.
    closed: VecDeque<(u64, u64)>,
    /// Failed writes since start (disk full, ...).
    failures: u64,
}

fn path_of(dir: &Path, generation: u64) -> PathBuf {
    dir.join(format!("{PREFIX}{generation:010}{SUFFIX}"))
}

fn create(dir: &Path, generation: u64) -> std::io::Result<File> {
    OpenOptions::new()
        .create_new(true)
        .append(true)
        .open(path_of(dir, generation))
}

impl Journal {
    /// Starts a new file numbered `generation` in `dir`.
    pub fn open(dir: &Path, generation: u64) -> Result<Journal> {
        let file = create(dir, generation).map_err(|err| {
            GatewayError::Config(format!(
                "cannot create the request journal in {}: {err}",
                dir.display()
            ))
        })?;
        Ok(Journal {
            dir: dir.to_path_buf(),
            state: Mutex::new(State {
                file,
                generation,
                bytes: 0,
                appended: 0,
                closed: VecDeque::new(),
                failures: 0,
            }),
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Appends `row`, then hands it to `push` (the queue) under the same lock, so the
    /// files hold the rows in queue order.
    pub fn append(&self, row: RequestLog, push: impl FnOnce(RequestLog)) {
        let mut line = serde_json::to_vec(&row).unwrap_or_default();
        line.push(b'\n');
        let mut state = self.lock();
        match state.file.write_all(&line) {
            Ok(()) => state.bytes += line.len() as u64,
            Err(err) => {
                state.failures += 1;
                metrics::journal_write_failed();
                // The first failure and then one in a thousand: a full disk fails them all.
                if state.failures % 1000 == 1 {
                    tracing::error!(%err, failures = state.failures, "cannot append to the request journal; rows are still queued but a crash would lose them");
                }
            }
        }
        state.appended += 1;
        push(row);
        if state.bytes >= ROTATE_BYTES {
            self.rotate(&mut state);
        }
    }

    fn rotate(&self, state: &mut State) {
        let next = state.generation + 1;
        match create(&self.dir, next) {
            Ok(file) => {
                let ended = (state.generation, state.appended);
                state.closed.push_back(ended);
                state.file = file;
                state.generation = next;
                state.bytes = 0;
            }
            Err(err) => {
                tracing::warn!(%err, "cannot start a new request journal file; the current one keeps growing")
            }
        }
    }

    /// Every row up to `done` (counted in queue order since start) is in the database
    /// or set aside: the files holding only such rows are deleted.
    pub fn written(&self, done: u64) {
        let mut finished = Vec::new();
        {
            let mut state = self.lock();
            while let Some(&(generation, end)) = state.closed.front() {
                if end > done {
                    break;
                }
                finished.push(generation);
                state.closed.pop_front();
            }
        }
        for generation in finished {
            remove(&path_of(&self.dir, generation));
        }
    }

    /// At a clean stop with every row written: no file is left to replay.
    pub fn finish(&self, done: u64) {
        self.written(done);
        let state = self.lock();
        if done >= state.appended && state.closed.is_empty() {
            remove(&path_of(&self.dir, state.generation));
        }
    }
}

fn remove(path: &Path) {
    if let Err(err) = std::fs::remove_file(path) {
        tracing::warn!(%err, file = %path.display(), "cannot delete a written request journal file");
    }
}

/// Journal files an earlier run left in `dir`, oldest first, and the generation after
/// the newest.
pub fn leftovers(dir: &Path) -> Result<(Vec<PathBuf>, u64)> {
    let mut found: Vec<(u64, PathBuf)> = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let generation = path
            .file_name()
            .and_then(|name| name.to_str())
            .and_then(|name| {
                name.strip_prefix(PREFIX)?
                    .strip_suffix(SUFFIX)?
                    .parse()
                    .ok()
            });
        if let Some(generation) = generation {
            found.push((generation, path));
        }
    }
    found.sort();
    let next = found.last().map_or(0, |(generation, _)| generation + 1);
    Ok((found.into_iter().map(|(_, path)| path).collect(), next))
}

/// Writes every row of the `files` the database does not have yet (rows it has are
/// skipped by request id), then deletes the files. A last line cut short (the process
/// died while writing it, before the answer went out) is skipped; other unreadable
/// lines go to the dead-letter file.
pub async fn replay(
    store: &dyn LogStore,
    dead: &DeadLetter,
    files: &[PathBuf],
    batch_size: usize,
) -> Result<()> {
    for path in files {
        let bytes = std::fs::read(path)?;
        let complete = bytes.ends_with(b"\n");
        let mut lines: Vec<&[u8]> = bytes.split(|b| *b == b'\n').collect();
        let last = lines.pop().unwrap_or_default();
        if !complete && !last.is_empty() {
            tracing::warn!(file = %path.display(), "skipping the unfinished last line of a request journal");
        }
        let mut batch = Vec::with_capacity(batch_size);
        let mut replayed = 0usize;
        for line in lines.into_iter().filter(|l| !l.is_empty()) {
            match serde_json::from_slice::<RequestLog>(line) {
                Ok(row) => batch.push(row),
                Err(err) => dead.line(&String::from_utf8_lossy(line), &err.to_string()),
            }
            if batch.len() >= batch_size {
                replayed += flush(store, dead, &mut batch).await?;
            }
        }
        replayed += flush(store, dead, &mut batch).await?;
        tracing::info!(file = %path.display(), rows = replayed, "request journal replayed");
        std::fs::remove_file(path)?;
    }
    Ok(())
}

async fn flush(
    store: &dyn LogStore,
    dead: &DeadLetter,
    batch: &mut Vec<RequestLog>,
) -> Result<usize> {
    let rows = batch.len();
    if write(store, dead, batch, || Patience::Attempts(REPLAY_ATTEMPTS)).await {
        return Ok(rows);
    }
    Err(GatewayError::Unavailable(
        "the database does not take the rows of the request journal; the journal is kept for the next start".into(),
    ))
}
