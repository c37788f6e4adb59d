//! Model name -> provider and upstream model, and provider -> key.
//!
//! `provider/model` picks the provider by its name and strips the prefix. Any other
//! name goes through the aliases of `redirect.toml`, then to the enabled providers
//! whose model cache holds it: highest priority first, then a weighted random choice
//! among equals. Keys are picked per the provider's strategy: `first`, `round_robin`
//! (an atomic counter, no lock) or `random`.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use rand::Rng;

use crate::error::{GatewayError, Result};
use crate::snapshot::{PoolKey, ProviderView, Snapshot};

/// Alias chains longer than this are treated as a loop.
const MAX_ALIAS_DEPTH: usize = 8;

/// Where a request goes.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub provider: Arc<ProviderView>,
    /// The model name the upstream receives.
    pub upstream_model: String,
}

impl Resolved {
    /// The `provider/model` id that grants and prices refer to.
    pub fn model_id(&self) -> String {
        format!("{}/{}", self.provider.row.name, self.upstream_model)
    }
}

/// Follows aliases from `requested` to a routable name.
fn follow_aliases<'a>(snapshot: &'a Snapshot, requested: &'a str) -> Result<&'a str> {
    let mut name = requested;
    for _ in 0..=MAX_ALIAS_DEPTH {
        match snapshot.aliases.get(name) {
            Some(target) if target != name => name = target,
            _ => return Ok(name),
        }
    }
    Err(GatewayError::Internal(format!(
        "model alias `{requested}` loops in redirect.toml"
    )))
}

/// 503 when the provider cannot take requests now.
fn usable(provider: &ProviderView) -> Result<()> {
    let name = &provider.row.name;
    if !provider.row.enabled {
        return Err(GatewayError::Unavailable(format!(
            "provider `{name}` is disabled"
        )));
    }
    if provider.keys.is_empty() {
        return Err(GatewayError::Unavailable(format!(
            "provider `{name}` has no keys"
        )));
    }
    if !provider.keys.iter().any(|key| key.enabled) {
        return Err(all_keys_disabled(provider));
    }
    Ok(())
}

/// 503 naming each disabled key and why.
fn all_keys_disabled(provider: &ProviderView) -> GatewayError {
    let why: Vec<String> = provider
        .keys
        .iter()
        .map(|key| match &key.disabled_reason {
            Some(reason) => format!("key {}: {reason}", key.id),
            None => format!("key {}", key.id),
        })
        .collect();
    GatewayError::Unavailable(format!(
        "provider `{}` has no usable key: every key is disabled ({})",
        provider.row.name,
        why.join("; ")
    ))
}

/// Resolves a requested model name.
pub fn resolve(snapshot: &Snapshot, requested: &str) -> Result<Resolved> {
    let name = follow_aliases(snapshot, requested)?;
    if let Some((prefix, model)) = name.split_once('/')
        && let Some(provider) = snapshot.providers.get(prefix)
    {
        if model.is_empty() {
            return Err(GatewayError::bad_param(
                "model",
                format!("model `{requested}` names no model after the provider"),
            ));
        }
        usable(provider)?;
        return Ok(Resolved {
            provider: provider.clone(),
            upstream_model: model.to_string(),
        });
    }
    let candidates = snapshot.model_index.get(name).ok_or_else(|| {
        GatewayError::NotFound(format!("model `{requested}` not found; see GET /v1/models"))
    })?;
    let mut first_problem = None;
    let usable_ones: Vec<&Arc<ProviderView>> = candidates
        .iter()
        .filter(|p| match usable(p) {
            Ok(()) => true,
            Err(err) => {
                first_problem.get_or_insert(err);
                false
            }
        })
        .collect();
    let Some(top) = usable_ones.first().map(|p| p.row.priority) else {
        return Err(first_problem
            .unwrap_or_else(|| GatewayError::NotFound(format!("model `{requested}` not found"))));
    };
    let tier: Vec<&Arc<ProviderView>> = usable_ones
        .into_iter()
        .filter(|p| p.row.priority == top)
        .collect();
    let provider = weighted_choice(&tier);
    Ok(Resolved {
        provider: provider.clone(),
        upstream_model: name.to_string(),
    })
}

/// A random provider with probability proportional to its weight (all zero: uniform).
fn weighted_choice<'a>(tier: &[&'a Arc<ProviderView>]) -> &'a Arc<ProviderView> {
    let total: i64 = tier.iter().map(|p| p.row.weight.max(0)).sum();
    let mut rng = rand::thread_rng();
    if total <= 0 || tier.len() == 1 {
        return tier[rng.gen_range(0..tier.len())];
    }
    let mut ticket = rng.gen_range(0..total);
    for provider in tier {
        let weight = provider.row.weight.max(0);
        if ticket < weight {
            return provider;
        }
        ticket -= weight;
    }
    tier[tier.len() - 1]
}

/// Picks the key for one request per the provider's strategy, among enabled keys.
pub fn pick_key(provider: &ProviderView) -> Result<&PoolKey> {
    usable(provider)?;
    let enabled = provider.keys.iter().filter(|key| key.enabled);
    let count = enabled.clone().count();
    let index = match provider.row.key_strategy.as_str() {
        "round_robin" => provider.next_key.fetch_add(1, Ordering::Relaxed) % count,
        "random" => rand::thread_rng().gen_range(0..count),
        _ => 0,
    };
    let mut enabled = enabled;
    enabled
        .nth(index)
        .ok_or_else(|| all_keys_disabled(provider))
}

#[cfg(test)]
mod tests;
