//! Model grants: which `provider/model` ids a user or token may use. A grant is an exact
//! id, a prefix pattern ending in `*` (`openai/*`), or `*` for everything.

use crate::error::{GatewayError, Result};

/// A parsed list of grants.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModelGrants(Vec<String>);

/// Parses a stored JSON array of grants; a malformed value grants nothing.
pub fn parse_models(json: &str) -> ModelGrants {
    ModelGrants(serde_json::from_str(json).unwrap_or_default())
}

impl ModelGrants {
    /// Cleans and validates grants written through the API (400 naming a bad one).
    pub fn from_input(models: Vec<String>, field: &str) -> Result<ModelGrants> {
        let mut grants: Vec<String> = Vec::new();
        for model in models {
            let model = model.trim().to_string();
            let star = model.find('*');
            let misplaced_star = star.is_some_and(|at| at != model.len() - 1);
            if model.is_empty() || misplaced_star || (model != "*" && !model.contains('/')) {
                return Err(GatewayError::bad_param(
                    field,
                    format!("`{model}` is not a model grant; use provider/model, provider/* or *"),
                ));
            }
            if !grants.contains(&model) {
                grants.push(model);
            }
        }
        Ok(ModelGrants(grants))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn as_slice(&self) -> &[String] {
        &self.0
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(&self.0).unwrap_or_else(|_| "[]".into())
    }

    /// Whether `model` (a `provider/model` id) is granted.
    pub fn allows(&self, model: &str) -> bool {
        self.0.iter().any(|grant| match grant.strip_suffix('*') {
            Some(prefix) => model.starts_with(prefix),
            None => grant == model,
        })
    }

    /// Whether every id `grant` can match is also granted here.
    pub fn covers(&self, grant: &str) -> bool {
        self.0.iter().any(|own| match own.strip_suffix('*') {
            Some(prefix) => grant.starts_with(prefix),
            None => own == grant,
        })
    }

    /// The first grant of `narrower` that these grants do not cover.
    pub fn first_uncovered<'a>(&self, narrower: &'a ModelGrants) -> Option<&'a str> {
        narrower
            .0
            .iter()
            .find(|grant| !self.covers(grant))
            .map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grants(list: &[&str]) -> ModelGrants {
        ModelGrants(list.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn allows_exact_prefix_and_all() {
        let g = grants(&["openai/gpt-4o", "deepseek/*"]);
        assert!(g.allows("openai/gpt-4o"));
        assert!(!g.allows("openai/gpt-4o-mini"));
        assert!(g.allows("deepseek/deepseek-chat"));
        assert!(!g.allows("anthropic/claude"));
        assert!(grants(&["*"]).allows("anything/at-all"));
        assert!(!ModelGrants::default().allows("openai/gpt-4o"));
    }

    #[test]
    fn covers_narrower_grants_only() {
        let owner = grants(&["openai/*", "deepseek/deepseek-chat"]);
        assert!(owner.covers("openai/gpt-4o"));
        assert!(owner.covers("openai/gpt-*"));
        assert!(owner.covers("deepseek/deepseek-chat"));
        assert!(!owner.covers("deepseek/*"));
        assert!(!owner.covers("*"));
        let token = grants(&["openai/gpt-4o", "deepseek/*"]);
        assert_eq!(owner.first_uncovered(&token), Some("deepseek/*"));
        assert!(grants(&["*"]).covers("*"));
    }

    #[test]
    fn input_validation() {
        let ok = ModelGrants::from_input(vec![" openai/* ".into(), "openai/*".into()], "models");
        assert_eq!(ok.ok(), Some(grants(&["openai/*"])));
        assert!(ModelGrants::from_input(vec!["open*ai".into()], "models").is_err());
        assert!(ModelGrants::from_input(vec!["".into()], "models").is_err());
        assert!(
            ModelGrants::from_input(vec!["gpt-4o".into()], "models").is_err(),
            "no provider"
        );
        assert_eq!(parse_models("not json"), ModelGrants::default());
    }
}
