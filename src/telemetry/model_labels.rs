//! The values the `model` metric label may take: the `provider/model` ids an admin
//! cached or named as an alias target (in any snapshot this process loaded), so the
//! label set is bounded by configuration, never by the names clients send. Any other
//! model is counted as [`OTHER`].

use std::collections::HashSet;
use std::sync::LazyLock;

use arc_swap::ArcSwap;

/// The label of a model no admin cached or aliased.
pub const OTHER: &str = "other";

/// Every id ever learned; ids of removed models stay until restart (still bounded by
/// what admins configured), and several gateways in one process share the set.
static KNOWN: LazyLock<ArcSwap<HashSet<String>>> = LazyLock::new(ArcSwap::default);

/// Adds the `provider/model` ids of a freshly loaded snapshot.
pub fn learn(ids: &[String]) {
    if ids.iter().all(|id| KNOWN.load().contains(id)) {
        return;
    }
    KNOWN.rcu(|known| {
        let mut known = HashSet::clone(known);
        known.extend(ids.iter().cloned());
        known
    });
}

/// The label of a request routed to `model` of `provider`.
pub fn label(provider: &str, model: &str) -> String {
    let id = format!("{provider}/{model}");
    if KNOWN.load().contains(&id) {
        id
    } else {
        OTHER.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_learned_ids_are_labels() {
        learn(&["labels-test/gpt-4o".to_string()]);
        learn(&["labels-test/aliased".to_string()]);
        assert_eq!(label("labels-test", "gpt-4o"), "labels-test/gpt-4o");
        assert_eq!(label("labels-test", "aliased"), "labels-test/aliased");
        assert_eq!(label("labels-test", "random-name-42"), OTHER);
        assert_eq!(label("other-provider", "gpt-4o"), OTHER);
    }
}
