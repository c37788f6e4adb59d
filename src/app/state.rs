//! `AppState`: what every handler shares (settings, stores, key vault, snapshot, log
//! sink, upstream HTTP client), plus the audit helper.

use std::sync::Arc;

use crate::accounts::{LastUsed, LoginLimiter};
use crate::billing::Ledger;
use crate::clock::Clock;
use crate::config::Config;
use crate::error::Result;
use crate::logsink::LogSink;
use crate::secrets::KeyVault;
use crate::snapshot::SnapshotCell;
use crate::store::{AuditEntry, ConfigStore, LogStore};

/// Shared state, cheap to clone.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    pub config: Config,
    pub clock: Clock,
    pub store: Arc<dyn ConfigStore>,
    pub logs: Arc<dyn LogStore>,
    pub vault: KeyVault,
    pub snapshot: SnapshotCell,
    pub sink: LogSink,
    pub http: reqwest::Client,
    pub limiter: LoginLimiter,
    pub last_used: Arc<LastUsed>,
    pub ledger: Arc<Ledger>,
    /// Serialises user updates and deletions, so the last-admin check holds.
    pub user_changes: tokio::sync::Mutex<()>,
}

impl std::ops::Deref for AppState {
    type Target = Inner;

    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    pub fn new(inner: Inner) -> Self {
        AppState(Arc::new(inner))
    }

    /// Appends one audit entry.
    pub async fn audit(
        &self,
        actor: &str,
        action: &str,
        target: &str,
        summary: String,
    ) -> Result<()> {
        self.store
            .append_audit(&AuditEntry {
                actor: actor.to_string(),
                action: action.to_string(),
                target: target.to_string(),
                summary,
            })
            .await
    }

    /// Loads balances and token quotas into the ledger (at start).
    pub async fn load_ledger(&self) -> Result<()> {
        for user in self.store.list_users().await? {
            self.ledger.set_balance(user.id, user.balance);
        }
        for token in self.store.list_tokens(None).await? {
            self.ledger
                .set_token(token.id, token.quota_limit, Some(token.quota_used));
        }
        Ok(())
    }

    /// Rebuilds the in-memory snapshot after an admin write.
    pub async fn refresh(&self) -> Result<()> {
        self.snapshot.reload(&*self.store, &self.vault).await
    }
}
