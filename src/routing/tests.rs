use std::collections::HashMap;
use std::sync::atomic::AtomicUsize;

use super::*;
use crate::store::ProviderRow;

fn provider(
    name: &str,
    priority: i64,
    weight: i64,
    enabled: bool,
    keys: usize,
    models: &[&str],
) -> Arc<ProviderView> {
    Arc::new(ProviderView {
        row: ProviderRow {
            id: 0,
            name: name.into(),
            api_type: "openai".into(),
            base_url: "http://x".into(),
            models_path: "/v1/models".into(),
            key_strategy: "round_robin".into(),
            enabled,
            priority,
            weight,
            created_at: String::new(),
            updated_at: String::new(),
            first_byte_timeout_ms: None,
            idle_timeout_ms: None,
            total_timeout_ms: None,
            responses: "via_chat".into(),
        },
        keys: (0..keys)
            .map(|i| PoolKey {
                id: i as i64,
                secret: format!("k{i}"),
                display: None,
                enabled: true,
                disabled_reason: None,
            })
            .collect(),
        models: models.iter().map(|m| m.to_string()).collect(),
        next_key: AtomicUsize::new(0),
    })
}

fn snapshot(providers: Vec<Arc<ProviderView>>, aliases: &[(&str, &str)]) -> Snapshot {
    let mut model_index: HashMap<String, Vec<Arc<ProviderView>>> = HashMap::new();
    for p in &providers {
        for m in &p.models {
            model_index.entry(m.clone()).or_default().push(p.clone());
        }
    }
    for list in model_index.values_mut() {
        list.sort_by_key(|p| std::cmp::Reverse(p.row.priority));
    }
    Snapshot {
        providers: providers
            .into_iter()
            .map(|p| (p.row.name.clone(), p))
            .collect(),
        aliases: aliases
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect(),
        tokens: HashMap::new(),
        model_index,
        prices: Default::default(),
    }
}

#[test]
fn prefix_alias_and_cache_routing() {
    let snap = snapshot(
        vec![
            provider("openai", 0, 1, true, 1, &["gpt-4o"]),
            provider("or", 0, 1, true, 1, &["meta/llama"]),
        ],
        &[("fast", "openai/gpt-4o-mini"), ("chain", "fast")],
    );
    let r = resolve(&snap, "openai/gpt-4o").map(|r| r.model_id()).ok();
    assert_eq!(r.as_deref(), Some("openai/gpt-4o"));
    assert_eq!(
        resolve(&snap, "gpt-4o")
            .map(|r| r.model_id())
            .ok()
            .as_deref(),
        Some("openai/gpt-4o")
    );
    assert_eq!(
        resolve(&snap, "chain")
            .map(|r| r.upstream_model)
            .ok()
            .as_deref(),
        Some("gpt-4o-mini")
    );
    // A slash that is not a provider prefix is a bare model name.
    assert_eq!(
        resolve(&snap, "meta/llama")
            .map(|r| r.model_id())
            .ok()
            .as_deref(),
        Some("or/meta/llama")
    );
    assert!(matches!(
        resolve(&snap, "nope"),
        Err(GatewayError::NotFound(_))
    ));
    assert!(matches!(
        resolve(&snap, "ghost/x"),
        Err(GatewayError::NotFound(_))
    ));
}

#[test]
fn unusable_providers_give_503_naming_them() {
    let snap = snapshot(
        vec![
            provider("off", 0, 1, false, 1, &["m"]),
            provider("empty", 0, 1, true, 0, &["n"]),
        ],
        &[],
    );
    for (model, needle) in [
        ("off/m", "disabled"),
        ("m", "disabled"),
        ("empty/x", "no keys"),
        ("n", "no keys"),
    ] {
        match resolve(&snap, model) {
            Err(GatewayError::Unavailable(message)) => {
                assert!(message.contains(needle), "{message}")
            }
            other => panic!("{model}: {other:?}"),
        }
    }
}

#[test]
fn priority_first_then_weight() {
    let snap = snapshot(
        vec![
            provider("low", 0, 100, true, 1, &["m"]),
            provider("a", 5, 3, true, 1, &["m"]),
            provider("b", 5, 1, true, 1, &["m"]),
        ],
        &[],
    );
    let mut counts: HashMap<String, usize> = HashMap::new();
    for _ in 0..4000 {
        let r = resolve(&snap, "m")
            .map(|r| r.provider.row.name.clone())
            .unwrap_or_default();
        *counts.entry(r).or_default() += 1;
    }
    assert_eq!(
        counts.get("low"),
        None,
        "lower priority never chosen while higher is usable"
    );
    let a = counts.get("a").copied().unwrap_or(0) as f64;
    assert!(
        (2700.0..3300.0).contains(&a),
        "weight 3:1 gives about 3000 of 4000, got {a}"
    );
}

#[test]
fn round_robin_spreads_evenly() {
    let p = provider("rr", 0, 1, true, 3, &[]);
    let mut counts = [0usize; 3];
    for _ in 0..300 {
        let key = pick_key(&p).map(|k| k.id).unwrap_or(-1);
        counts[key as usize] += 1;
    }
    assert_eq!(counts, [100, 100, 100]);
}

/// `p` with the keys at `off` disabled.
fn with_disabled(p: Arc<ProviderView>, off: &[usize]) -> Arc<ProviderView> {
    let Ok(mut view) = Arc::try_unwrap(p) else {
        panic!("the provider is not shared yet");
    };
    for &i in off {
        view.keys[i].enabled = false;
        view.keys[i].disabled_reason = Some(format!("reason {i}"));
    }
    Arc::new(view)
}

#[test]
fn disabled_keys_are_skipped_by_every_strategy() {
    for strategy in ["first", "round_robin", "random"] {
        let mut p = provider("p", 0, 1, true, 3, &[]);
        if let Some(view) = Arc::get_mut(&mut p) {
            view.row.key_strategy = strategy.into();
        }
        let p = with_disabled(p, &[0, 2]);
        for _ in 0..20 {
            assert_eq!(pick_key(&p).map(|k| k.id).ok(), Some(1), "{strategy}");
        }
    }
}

#[test]
fn a_provider_whose_keys_are_all_disabled_is_passed_over() {
    let dead = with_disabled(provider("dead", 9, 1, true, 2, &["m"]), &[0, 1]);
    let snap = snapshot(vec![dead, provider("alive", 0, 1, true, 1, &["m"])], &[]);
    let chosen = resolve(&snap, "m").map(|r| r.provider.row.name.clone());
    assert_eq!(chosen.ok().as_deref(), Some("alive"));
    match resolve(&snap, "dead/m") {
        Err(GatewayError::Unavailable(message)) => {
            assert!(message.contains("every key is disabled"), "{message}");
            assert!(
                message.contains("key 0: reason 0; key 1: reason 1"),
                "{message}"
            );
        }
        other => panic!("{other:?}"),
    }
}
