//! Assembling and running the process: open the store, bootstrap the first admin, load
//! the snapshot, start the log writer, serve HTTP until a shutdown signal, then flush.

mod bootstrap;
mod observe;
mod state;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use poem::{EndpointExt, Route};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use observe::{Caller, LoggedByHandler, REQUEST_ID_HEADER, RequestMeta};
pub use state::{AppState, Inner};

use crate::accounts::{LastUsed, LoginLimiter};
use crate::billing::Ledger;
use crate::clock::Clock;
use crate::config::Config;
use crate::error::{GatewayError, Result};
use crate::listener::NoDelayAcceptor;
use crate::logsink::LogWriter;
use crate::secrets::KeyVault;
use crate::snapshot::SnapshotCell;
use crate::store::{self, ConfigStore, LogStore};

/// A running gateway: its address, and the handle that stops it.
pub struct RunningServer {
    pub addr: SocketAddr,
    pub state: AppState,
    stop: oneshot::Sender<()>,
    task: JoinHandle<Result<()>>,
}

impl RunningServer {
    /// Stops accepting, lets in-flight requests finish (up to the grace period), then
    /// flushes the request log writer.
    pub async fn shutdown(self) -> Result<()> {
        let _ = self.stop.send(());
        Self::join(self.task).await
    }

    /// Waits until the server ends (after the stop signal or a failure).
    pub async fn wait(self) -> Result<()> {
        Self::join(self.task).await
    }

    async fn join(task: JoinHandle<Result<()>>) -> Result<()> {
        task.await
            .map_err(|err| GatewayError::Internal(format!("server task failed: {err}")))?
    }
}

/// The folder of the SQLite file, or `data` for PostgreSQL: where the key secret, the
/// request journal and the dead-letter file go unless configured elsewhere.
fn beside_database(config: &Config) -> PathBuf {
    store::sqlite_path(&config.database_url)
        .and_then(|db| db.parent().map(Path::to_path_buf))
        .unwrap_or_else(|| PathBuf::from("data"))
}

/// Where the provider-key secret lives: the configured file, or next to the database.
fn secret_path(config: &Config) -> PathBuf {
    match &config.secret_file {
        Some(path) => path.clone(),
        None => beside_database(config).join("secret.key"),
    }
}

/// Opens everything and starts serving on `config.listen` (port 0 picks a free port).
/// `stop_signal` ends the server when it resolves; `RunningServer::shutdown` does too.
pub async fn start(
    config: Config,
    stop_signal: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<RunningServer> {
    let acceptor = NoDelayAcceptor::bind(config.listen).await.map_err(|err| {
        GatewayError::Config(format!("cannot listen on {}: {err}", config.listen))
    })?;
    let clock = Clock::new(config.timezone);
    let sql = store::connect(
        &config.database_url,
        config.database_max_connections,
        config.database_acquire_timeout,
        clock,
    )
    .await?;
    let vault = KeyVault::open(&secret_path(&config), config.key_strategy)?;
    let store: Arc<dyn ConfigStore> = Arc::new(sql.clone());
    let logs: Arc<dyn LogStore> = Arc::new(sql.clone());
    bootstrap::ensure_first_admin(&*store, &config).await?;

    crate::telemetry::metrics::install();
    // Rows an earlier run left in the journal are written here, before the ledger
    // reads the balances they charge.
    let log_dir = match &config.log_writer.dir {
        Some(dir) => dir.clone(),
        None => beside_database(&config),
    };
    let writer = LogWriter::start(logs.clone(), config.log_writer.clone(), &log_dir, clock).await?;
    let http = reqwest::Client::builder()
        .connect_timeout(config.timeouts.connect)
        .tcp_nodelay(true)
        .build()
        .map_err(|err| GatewayError::Internal(format!("http client: {err}")))?;
    let state = AppState::new(Inner {
        limiter: LoginLimiter::new(config.login_attempts_per_minute),
        last_used: Arc::new(LastUsed::default()),
        ledger: Arc::new(Ledger::default()),
        user_changes: tokio::sync::Mutex::new(()),
        snapshot: SnapshotCell::new(config.aliases.clone()),
        clock,
        store,
        logs,
        vault,
        sink: writer.sink(),
        http,
        config,
    });
    state.refresh().await?;
    state.load_ledger().await?;
    // The tokenizer's vocabulary loads off the request path, once per process.
    tokio::task::spawn_blocking(crate::billing::estimate::warm_up);
    let last_used_flusher = state.last_used.spawn_flusher(state.store.clone());
    let retention =
        crate::retention::spawn(state.logs.clone(), clock, state.config.log_writer.clone());

    let addr = acceptor.local_addr();
    let app = Route::new()
        .nest("/", crate::api::routes())
        .around(observe::observe)
        .data(state.clone());
    let grace = state.config.shutdown_grace;
    let connections = state.config.connections;
    let final_state = state.clone();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let signal = async move {
            tokio::select! {
                _ = stopped => {}
                () = stop_signal => {}
            }
        };
        crate::server::serve(acceptor, app, connections, signal, grace).await;
        writer.shutdown().await;
        final_state.last_used.stop();
        if let Err(err) = last_used_flusher.await {
            tracing::warn!(%err, "token last-use flusher failed");
        }
        if let Some(retention) = retention {
            retention.abort();
        }
        sql.close().await;
        Ok(())
    });
    Ok(RunningServer {
        addr,
        state,
        stop,
        task,
    })
}
