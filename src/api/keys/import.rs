//! Adding keys: one key, or many pasted at once (split on commas, semicolons, spaces and
//! newlines, trimmed), without keys the pool already has, and with invalid ones refused.

use std::collections::HashSet;

use super::types::{InvalidKey, KeyImport, KeyList, ProviderKey};
use crate::app::AppState;
use crate::error::{GatewayError, Result};
use crate::store::ProviderRow;

/// Longest key accepted.
const MAX_KEY_LEN: usize = 4096;
/// Most keys one request may carry.
pub const MAX_KEYS_PER_REQUEST: usize = 1000;

/// Whether `c` separates keys pasted together (full-width commas included).
fn is_separator(c: char) -> bool {
    c.is_whitespace() || matches!(c, ',' | ';' | '\u{ff0c}' | '\u{ff1b}' | '\u{3001}')
}

/// The non-empty pieces of the list, or of the text, in order.
fn split(keys: KeyList) -> Vec<String> {
    let texts = match keys {
        KeyList::List(items) => items,
        KeyList::Text(text) => vec![text],
    };
    texts
        .iter()
        .flat_map(|text| text.split(is_separator))
        .filter(|piece| !piece.is_empty())
        .map(str::to_string)
        .collect()
}

/// Why a key cannot be a provider key, if it cannot.
fn invalid_reason(key: &str) -> Option<&'static str> {
    if key.len() > MAX_KEY_LEN {
        return Some("longer than 4096 characters");
    }
    if !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Some("contains characters an API key cannot have (only visible ASCII)");
    }
    None
}

/// Candidate keys sorted into new ones, ones already present, and invalid ones.
#[derive(Debug, Default, PartialEq)]
struct Sorted {
    fresh: Vec<String>,
    duplicate: Vec<String>,
    invalid: Vec<(String, &'static str)>,
}

/// Sorts keys against the pool (`existing`) and against earlier keys of the request.
fn sort(candidates: Vec<String>, existing: &HashSet<String>) -> Sorted {
    let mut sorted = Sorted::default();
    let mut seen = HashSet::new();
    for key in candidates {
        if let Some(reason) = invalid_reason(&key) {
            sorted.invalid.push((key, reason));
        } else if existing.contains(&key) || !seen.insert(key.clone()) {
            sorted.duplicate.push(key);
        } else {
            sorted.fresh.push(key);
        }
    }
    sorted
}

impl AppState {
    /// The plain keys of a provider's pool (keys that cannot be decrypted are left out).
    async fn pool_keys(&self, provider_id: i64) -> Result<HashSet<String>> {
        let rows = self.store.list_keys(Some(provider_id)).await?;
        Ok(rows
            .iter()
            .filter_map(|row| self.vault.open_value(&row.key_value).ok())
            .collect())
    }

    /// Adds one key: 400 when blank or invalid, 409 when the pool has it already.
    pub(super) async fn add_one(
        &self,
        actor: &str,
        row: &ProviderRow,
        key: &str,
    ) -> Result<ProviderKey> {
        let key = key.trim();
        if key.is_empty() {
            return Err(GatewayError::bad_param("key", "key must not be blank"));
        }
        if let Some(reason) = invalid_reason(key) {
            return Err(GatewayError::bad_param("key", format!("key {reason}")));
        }
        if self.pool_keys(row.id).await?.contains(key) {
            return Err(GatewayError::Conflict(format!(
                "key {} is already in the pool of provider `{}`",
                self.key_shown(key),
                row.name
            )));
        }
        let stored = vec![self.vault.seal(key)?];
        let mut added = self.store.add_keys(row.id, &stored).await?;
        let key_row = added
            .pop()
            .ok_or_else(|| GatewayError::Internal("the key was not stored".into()))?;
        let summary = format!("key {} {}", key_row.id, self.key_shown(key));
        let target = format!("provider:{}", row.name);
        self.audit(actor, "key_create", &target, summary).await?;
        self.refresh().await?;
        self.key_out(&row.name, key_row, false)
    }

    /// Adds the new keys of a pasted list; answers what was added, duplicate, invalid.
    pub(super) async fn import_keys(
        &self,
        actor: &str,
        row: &ProviderRow,
        keys: KeyList,
    ) -> Result<KeyImport> {
        let candidates = split(keys);
        if candidates.is_empty() {
            return Err(GatewayError::bad_param("keys", "keys holds no key"));
        }
        if candidates.len() > MAX_KEYS_PER_REQUEST {
            return Err(GatewayError::bad_param(
                "keys",
                format!("at most {MAX_KEYS_PER_REQUEST} keys per request"),
            ));
        }
        let sorted = sort(candidates, &self.pool_keys(row.id).await?);
        let stored = sorted
            .fresh
            .iter()
            .map(|key| self.vault.seal(key))
            .collect::<Result<Vec<_>>>()?;
        let added_rows = self.store.add_keys(row.id, &stored).await?;
        let added = added_rows
            .into_iter()
            .map(|key_row| self.key_out(&row.name, key_row, false))
            .collect::<Result<Vec<_>>>()?;
        let import = KeyImport {
            provider: row.name.clone(),
            duplicate: sorted.duplicate.iter().map(|k| self.key_shown(k)).collect(),
            invalid: sorted
                .invalid
                .iter()
                .map(|(key, reason)| InvalidKey {
                    key: self.key_shown(key),
                    reason: (*reason).to_string(),
                })
                .collect(),
            added,
        };
        if !import.added.is_empty() {
            let target = format!("provider:{}", row.name);
            self.audit(actor, "key_import", &target, import.describe())
                .await?;
            self.refresh().await?;
        }
        Ok(import)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(t: &str) -> KeyList {
        KeyList::Text(t.to_string())
    }

    #[test]
    fn pasted_text_is_split_on_every_separator() {
        let pasted = " sk-a,sk-b\n\nsk-c  sk-d;sk-e\r\n\tsk-f\u{ff0c}sk-g ,, ";
        assert_eq!(
            split(text(pasted)),
            ["sk-a", "sk-b", "sk-c", "sk-d", "sk-e", "sk-f", "sk-g"]
        );
        assert!(split(text(" \n , ")).is_empty());
        let list = KeyList::List(vec![" sk-a ".into(), String::new(), "sk-b,sk-c".into()]);
        assert_eq!(split(list), ["sk-a", "sk-b", "sk-c"]);
    }

    #[test]
    fn keys_are_sorted_into_new_duplicate_and_invalid() {
        let existing: HashSet<String> = ["sk-old".to_string()].into();
        let long = "k".repeat(4097);
        let candidates = vec![
            "sk-new".to_string(),
            "sk-old".to_string(),
            "sk-new".to_string(),
            "sk-\u{4e2d}".to_string(),
            long.clone(),
            "sk-two".to_string(),
        ];
        let sorted = sort(candidates, &existing);
        assert_eq!(sorted.fresh, ["sk-new", "sk-two"]);
        assert_eq!(sorted.duplicate, ["sk-old", "sk-new"]);
        assert_eq!(sorted.invalid.len(), 2);
        assert_eq!(sorted.invalid[0].0, "sk-\u{4e2d}");
        assert_eq!(sorted.invalid[1], (long, "longer than 4096 characters"));
    }
}
