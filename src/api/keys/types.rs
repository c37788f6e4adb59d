//! Request and response types of the provider key endpoints.

use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Enum, Object};

pub use super::key_list::KeyList;

/// Keys to add to a provider's pool: `key` (one) or `keys` (several), not both.
#[derive(Debug, Clone, Object, serde::Deserialize)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct KeyInput {
    /// One provider API key; answered with the key (201), 409 if the pool has it.
    #[oai(validator(min_length = 1, max_length = 4096))]
    pub key: Option<String>,
    /// Several keys, answered with an import summary (200): a list, or one text with
    /// the keys separated by commas, semicolons, spaces or newlines (as pasted). Blank
    /// pieces are skipped; keys already in the pool are reported, not added.
    pub keys: Option<KeyList>,
}

/// What a bulk key import did.
#[derive(Debug, Clone, Object)]
pub struct KeyImport {
    pub provider: String,
    /// The keys added, in the order given.
    pub added: Vec<ProviderKey>,
    /// Keys left out because the pool has them already, or the request repeated them
    /// (shown per the key strategy, `(hidden)` under `none`).
    pub duplicate: Vec<String>,
    /// Keys refused, with why.
    pub invalid: Vec<InvalidKey>,
}

impl KeyImport {
    /// The audit summary.
    pub fn describe(&self) -> String {
        let ids: Vec<String> = self.added.iter().map(|k| k.id.to_string()).collect();
        format!(
            "added keys [{}], {} duplicate, {} invalid",
            ids.join(", "),
            self.duplicate.len(),
            self.invalid.len()
        )
    }
}

/// A key that was refused.
#[derive(Debug, Clone, Object)]
pub struct InvalidKey {
    /// The key as shown per the key strategy.
    pub key: String,
    pub reason: String,
}

/// Whether routing may use a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum KeyStatus {
    /// Routing uses it.
    Enabled,
    /// Skipped by routing until an admin enables it again (disabled by an admin, or by
    /// the gateway after the provider answered 401/403 to it).
    Disabled,
}

/// A provider key as shown by the API.
#[derive(Debug, Clone, Object)]
pub struct ProviderKey {
    pub id: i64,
    /// Provider name.
    pub provider: String,
    /// The key per the key strategy (`none`: absent, `masked`: `sk-p...cdef`,
    /// `plain`: whole), or whole with `reveal=true`.
    #[oai(nullable)]
    pub key: Option<String>,
    pub status: KeyStatus,
    /// Why the key was disabled (null while enabled or when no reason was given).
    #[oai(nullable)]
    pub disabled_reason: Option<String>,
    /// When it was disabled, display timezone (null while enabled).
    #[oai(nullable)]
    pub disabled_at: Option<String>,
    /// Who disabled it: a username, or `system` for the gateway itself (null while
    /// enabled).
    #[oai(nullable)]
    pub disabled_by: Option<String>,
    pub created_at: String,
}

/// The state an admin sets on one key.
#[derive(Debug, Clone, Object, serde::Deserialize)]
#[oai(example, deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct KeyStateInput {
    /// False takes the key out of routing; true puts it back.
    pub enabled: bool,
    /// Why it is disabled (kept while it stays disabled; ignored when enabling).
    #[oai(validator(max_length = 500))]
    pub reason: Option<String>,
}

impl poem_openapi::types::Example for KeyStateInput {
    fn example() -> Self {
        KeyStateInput {
            enabled: false,
            reason: Some("billing account suspended".into()),
        }
    }
}

#[derive(ApiResponse)]
pub(super) enum KeysAdded {
    /// The key (`key`) was added.
    #[oai(status = 201)]
    Created(Json<ProviderKey>),
    /// The keys (`keys`) were imported: what was added, duplicate and invalid.
    #[oai(status = 200)]
    Imported(Json<KeyImport>),
}
