//! Scenarios chosen by the upstream key or the URL path (`--rule`), so a request the
//! gateway retries fails or succeeds by the key or the base URL it was sent with.
//!
//! A rule is JSON: `{"key": "sk-bad", "path": "/down", "times": 2, "scenario": {...}}`.
//! `key` and `path` are optional and must both match when given; `path` is a prefix
//! that is also stripped before routing (a provider whose base URL is
//! `http://127.0.0.1:PORT/down` reaches `/down/v1/chat/completions`); `times` limits
//! the rule to its first N matching requests. The first matching rule's scenario
//! fields are laid over the request's own `mock` scenario.

use std::sync::atomic::{AtomicU64, Ordering};

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::scenario::Scenario;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleSpec {
    key: Option<String>,
    path: Option<String>,
    times: Option<u64>,
    scenario: Map<String, Value>,
}

struct Rule {
    spec: RuleSpec,
    /// Requests this rule has matched so far.
    used: AtomicU64,
}

/// The configured rules, in the order given.
#[derive(Default)]
pub struct Rules {
    rules: Vec<Rule>,
}

impl Rules {
    /// Parses and checks each `--rule` text.
    pub fn parse(texts: &[String]) -> Result<Self, String> {
        let mut rules = Vec::with_capacity(texts.len());
        for text in texts {
            let spec: RuleSpec =
                serde_json::from_str(text).map_err(|err| format!("--rule {text}: {err}"))?;
            if let Some(path) = &spec.path
                && (!path.starts_with('/') || path.ends_with('/'))
            {
                return Err(format!(
                    "--rule {text}: path must start with / and not end with /"
                ));
            }
            overlay(&spec.scenario, &Scenario::default())
                .map_err(|err| format!("--rule {text}: {err}"))?;
            rules.push(Rule {
                spec,
                used: AtomicU64::new(0),
            });
        }
        Ok(Self { rules })
    }

    /// Splits the longest rule path prefix off `path`: `(prefix, rest)`.
    pub fn split_path<'r, 'p>(&'r self, path: &'p str) -> (Option<&'r str>, &'p str) {
        self.rules
            .iter()
            .filter_map(|rule| rule.spec.path.as_deref())
            .filter_map(|prefix| {
                let rest = path.strip_prefix(prefix)?;
                rest.starts_with('/').then_some((prefix, rest))
            })
            .max_by_key(|(prefix, _)| prefix.len())
            .map_or((None, path), |(prefix, rest)| (Some(prefix), rest))
    }

    /// The scenario of the first rule that matches and is not used up (counting this
    /// use), laid over `base`; `None` when no rule applies.
    pub fn apply(
        &self,
        key: &[u8],
        prefix: Option<&str>,
        base: &Scenario,
    ) -> Option<Result<Scenario, String>> {
        let rule = self.rules.iter().find(|rule| {
            let spec = &rule.spec;
            spec.key.as_ref().is_none_or(|k| k.as_bytes() == key)
                && spec.path.as_deref().is_none_or(|p| Some(p) == prefix)
                && rule.take()
        })?;
        Some(overlay(&rule.spec.scenario, base))
    }
}

impl Rule {
    /// Counts one use; false (and nothing counted) once `times` are used up.
    fn take(&self) -> bool {
        let Some(times) = self.spec.times else {
            self.used.fetch_add(1, Ordering::Relaxed);
            return true;
        };
        self.used
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |used| {
                (used < times).then_some(used + 1)
            })
            .is_ok()
    }
}

/// `base` with the fields of `fields` replaced, validated.
fn overlay(fields: &Map<String, Value>, base: &Scenario) -> Result<Scenario, String> {
    let mut merged = match serde_json::to_value(base) {
        Ok(Value::Object(map)) => map,
        Ok(_) => Map::new(),
        Err(err) => return Err(err.to_string()),
    };
    merged.extend(fields.iter().map(|(k, v)| (k.clone(), v.clone())));
    let scenario: Scenario =
        serde_json::from_value(Value::Object(merged)).map_err(|err| err.to_string())?;
    scenario.validate()?;
    Ok(scenario)
}

#[cfg(test)]
#[path = "rules_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "rules_http_tests.rs"]
mod http_tests;
