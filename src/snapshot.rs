//! The immutable in-memory view the data plane reads (providers with their decrypted
//! keys and cached models, model aliases, the gateway token index), rebuilt from the
//! database after every admin write and swapped atomically.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::AtomicUsize;

use arc_swap::ArcSwap;
use tokio::sync::Mutex;

use crate::accounts::{ModelGrants, parse_models};
use crate::billing::PriceBook;
use crate::error::Result;
use crate::secrets::KeyVault;
use crate::store::{ConfigStore, ProviderRow};

/// One provider key, ready to send.
#[derive(Debug, Clone)]
pub struct PoolKey {
    pub id: i64,
    pub secret: String,
    /// The key as logs show it (per key strategy).
    pub display: Option<String>,
    /// False: disabled by an admin or after a 401/403; routing skips it.
    pub enabled: bool,
    pub disabled_reason: Option<String>,
}

/// A provider with its keys and cached model ids.
#[derive(Debug)]
pub struct ProviderView {
    pub row: ProviderRow,
    pub keys: Vec<PoolKey>,
    pub models: Vec<String>,
    /// Next key for the `round_robin` strategy.
    pub next_key: AtomicUsize,
}

/// A gateway token with what its owner may do, for the per-request check.
#[derive(Debug)]
pub struct TokenEntry {
    pub id: i64,
    pub name: String,
    pub user_id: i64,
    pub username: String,
    pub user_enabled: bool,
    pub user_grants: ModelGrants,
    /// Empty: the owner's grants apply unchanged.
    pub token_grants: ModelGrants,
    pub enabled: bool,
    pub expires_ms: Option<i64>,
}

impl TokenEntry {
    /// Whether both the owner and the token may use `model` (`provider/model`).
    pub fn allows(&self, model: &str) -> bool {
        self.user_grants.allows(model)
            && (self.token_grants.is_empty() || self.token_grants.allows(model))
    }
}

/// Everything the data plane needs, read without touching the database.
#[derive(Debug, Default)]
pub struct Snapshot {
    pub providers: HashMap<String, Arc<ProviderView>>,
    pub aliases: HashMap<String, String>,
    /// Tokens by the SHA-256 hex of their key.
    pub tokens: HashMap<String, Arc<TokenEntry>>,
    /// Providers whose cache holds a model id, highest priority first.
    pub model_index: HashMap<String, Vec<Arc<ProviderView>>>,
    pub prices: PriceBook,
}

impl Snapshot {
    /// Providers sorted by name, for stable listings.
    pub fn providers_sorted(&self) -> Vec<&Arc<ProviderView>> {
        let mut all: Vec<_> = self.providers.values().collect();
        all.sort_by(|a, b| a.row.name.cmp(&b.row.name));
        all
    }
}

/// Holds the current snapshot; `reload` rebuilds it from the store.
pub struct SnapshotCell {
    current: ArcSwap<Snapshot>,
    loaded: std::sync::atomic::AtomicBool,
    reload_lock: Mutex<()>,
    aliases: HashMap<String, String>,
}

impl SnapshotCell {
    pub fn new(aliases: HashMap<String, String>) -> Self {
        SnapshotCell {
            current: ArcSwap::from_pointee(Snapshot::default()),
            loaded: std::sync::atomic::AtomicBool::new(false),
            reload_lock: Mutex::new(()),
            aliases,
        }
    }

    /// Whether a snapshot has been loaded from the database yet.
    pub fn is_loaded(&self) -> bool {
        self.loaded.load(std::sync::atomic::Ordering::Acquire)
    }

    /// The current snapshot (a cheap pointer copy).
    pub fn load(&self) -> Arc<Snapshot> {
        self.current.load_full()
    }

    /// Rebuilds from the database. Reloads are serialised, so the last one to finish
    /// has read the newest data.
    pub async fn reload(&self, store: &dyn ConfigStore, vault: &KeyVault) -> Result<()> {
        let _guard = self.reload_lock.lock().await;
        let providers = store.list_providers().await?;
        let mut keys_by_provider: HashMap<i64, Vec<PoolKey>> = HashMap::new();
        for key in store.list_keys(None).await? {
            // One key that cannot be decrypted must not take the others down with it.
            let secret = match vault.open_value(&key.key_value) {
                Ok(secret) => secret,
                Err(err) => {
                    tracing::error!(key_id = key.id, %err, "provider key skipped");
                    continue;
                }
            };
            keys_by_provider
                .entry(key.provider_id)
                .or_default()
                .push(PoolKey {
                    id: key.id,
                    display: vault.display(&secret),
                    secret,
                    enabled: key.enabled,
                    disabled_reason: key.disabled_reason,
                });
        }
        let mut models_by_provider: HashMap<i64, Vec<String>> = HashMap::new();
        for model in store.list_models(None).await? {
            models_by_provider
                .entry(model.provider_id)
                .or_default()
                .push(model.model_id);
        }
        let providers = providers
            .into_iter()
            .map(|row| {
                let view = ProviderView {
                    keys: keys_by_provider.remove(&row.id).unwrap_or_default(),
                    models: models_by_provider.remove(&row.id).unwrap_or_default(),
                    // A random start, so reloads do not send every round to key 0 first.
                    next_key: AtomicUsize::new(rand::random::<u16>().into()),
                    row,
                };
                (view.row.name.clone(), Arc::new(view))
            })
            .collect::<HashMap<String, Arc<ProviderView>>>();
        let mut model_index: HashMap<String, Vec<Arc<ProviderView>>> = HashMap::new();
        for provider in providers.values() {
            for model in &provider.models {
                model_index
                    .entry(model.clone())
                    .or_default()
                    .push(provider.clone());
            }
        }
        for candidates in model_index.values_mut() {
            candidates.sort_by(|a, b| {
                b.row
                    .priority
                    .cmp(&a.row.priority)
                    .then(a.row.name.cmp(&b.row.name))
            });
        }
        let users: HashMap<i64, _> = store
            .list_users()
            .await?
            .into_iter()
            .map(|user| (user.id, user))
            .collect();
        let tokens = store
            .list_tokens(None)
            .await?
            .into_iter()
            .filter_map(|token| {
                let owner = users.get(&token.user_id)?;
                let entry = TokenEntry {
                    id: token.id,
                    name: token.name,
                    user_id: owner.id,
                    username: owner.username.clone(),
                    user_enabled: owner.enabled,
                    user_grants: parse_models(&owner.models),
                    token_grants: parse_models(&token.models),
                    enabled: token.enabled,
                    expires_ms: token.expires_ts,
                };
                Some((token.key_hash, Arc::new(entry)))
            })
            .collect();
        let mut labels: Vec<String> = providers
            .values()
            .flat_map(|p| p.models.iter().map(|m| format!("{}/{m}", p.row.name)))
            .collect();
        labels.extend(self.aliases.values().filter(|t| t.contains('/')).cloned());
        crate::telemetry::model_labels::learn(&labels);
        self.current.store(Arc::new(Snapshot {
            providers,
            aliases: self.aliases.clone(),
            tokens,
            model_index,
            prices: PriceBook::new(&store.list_prices().await?),
        }));
        self.loaded
            .store(true, std::sync::atomic::Ordering::Release);
        crate::telemetry::metrics::snapshot_reload();
        Ok(())
    }
}
