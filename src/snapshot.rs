//! The immutable in-memory view the data plane reads (providers with their decrypted
//! keys and cached models, model aliases), rebuilt from the database after every admin
//! write and swapped atomically.

use std::collections::HashMap;
use std::sync::Arc;

use arc_swap::ArcSwap;
use tokio::sync::Mutex;

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
}

/// A provider with its keys and cached model ids.
#[derive(Debug)]
pub struct ProviderView {
    pub row: ProviderRow,
    pub keys: Vec<PoolKey>,
    pub models: Vec<String>,
}

/// Everything routing needs, read without touching the database.
#[derive(Debug, Default)]
pub struct Snapshot {
    pub providers: HashMap<String, Arc<ProviderView>>,
    pub aliases: HashMap<String, String>,
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
    reload_lock: Mutex<()>,
    aliases: HashMap<String, String>,
}

impl SnapshotCell {
    pub fn new(aliases: HashMap<String, String>) -> Self {
        SnapshotCell {
            current: ArcSwap::from_pointee(Snapshot::default()),
            reload_lock: Mutex::new(()),
            aliases,
        }
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
            let secret = vault.open_value(&key.key_value)?;
            keys_by_provider
                .entry(key.provider_id)
                .or_default()
                .push(PoolKey {
                    id: key.id,
                    display: vault.display(&secret),
                    secret,
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
                    row,
                };
                (view.row.name.clone(), Arc::new(view))
            })
            .collect();
        self.current.store(Arc::new(Snapshot {
            providers,
            aliases: self.aliases.clone(),
        }));
        Ok(())
    }
}
