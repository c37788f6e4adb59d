//! Small request and response types shared by several endpoint groups.

use poem_openapi::{Enum, Object};

/// Wire protocol a provider speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[oai(rename_all = "snake_case")]
pub enum ApiType {
    /// OpenAI-compatible (OpenAI, DeepSeek, Moonshot, SiliconFlow, OpenRouter, vLLM, Ollama...).
    Openai,
    /// Anthropic Messages API.
    Anthropic,
}

impl ApiType {
    pub fn as_str(self) -> &'static str {
        match self {
            ApiType::Openai => "openai",
            ApiType::Anthropic => "anthropic",
        }
    }

    pub fn parse(text: &str) -> Option<ApiType> {
        match text {
            "openai" => Some(ApiType::Openai),
            "anthropic" => Some(ApiType::Anthropic),
            _ => None,
        }
    }
}

/// How a provider serves `POST /v1/responses`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[oai(rename_all = "snake_case")]
pub enum ResponsesMode {
    /// The upstream speaks the Responses API: forwarded byte for byte.
    Native,
    /// Translated into the provider's chat protocol (Chat Completions, or Messages for
    /// `anthropic` providers) and the answer back.
    ViaChat,
}

impl ResponsesMode {
    pub fn as_str(self) -> &'static str {
        match self {
            ResponsesMode::Native => "native",
            ResponsesMode::ViaChat => "via_chat",
        }
    }

    pub fn parse(text: &str) -> Option<ResponsesMode> {
        match text {
            "native" => Some(ResponsesMode::Native),
            "via_chat" => Some(ResponsesMode::ViaChat),
            _ => None,
        }
    }

    /// The default: native for the official OpenAI endpoint, translated for every
    /// other OpenAI-compatible server (most speak only Chat Completions) and always
    /// for Anthropic.
    pub fn default_for(api_type: ApiType, base_url: &str) -> ResponsesMode {
        if api_type == ApiType::Openai && base_url.starts_with("https://api.openai.com") {
            ResponsesMode::Native
        } else {
            ResponsesMode::ViaChat
        }
    }
}

/// How a provider's keys are picked for each request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[oai(rename_all = "snake_case")]
pub enum PoolStrategy {
    /// Always the first key.
    First,
    /// Each key in turn, evenly.
    RoundRobin,
    /// A random key each time.
    Random,
}

impl PoolStrategy {
    pub fn as_str(self) -> &'static str {
        match self {
            PoolStrategy::First => "first",
            PoolStrategy::RoundRobin => "round_robin",
            PoolStrategy::Random => "random",
        }
    }

    pub fn parse(text: &str) -> Option<PoolStrategy> {
        match text {
            "first" => Some(PoolStrategy::First),
            "round_robin" => Some(PoolStrategy::RoundRobin),
            "random" => Some(PoolStrategy::Random),
            _ => None,
        }
    }
}

/// A list of model ids.
#[derive(Debug, Clone, Object, serde::Deserialize)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
#[oai(example)]
pub struct ModelIds {
    /// Upstream model ids, without the provider prefix.
    pub ids: Vec<String>,
}

impl poem_openapi::types::Example for ModelIds {
    fn example() -> Self {
        ModelIds {
            ids: vec!["gpt-4o".into(), "gpt-4o-mini".into()],
        }
    }
}

/// Answer of a delete: what was removed.
#[derive(Debug, Clone, Object)]
pub struct Deleted {
    /// What was deleted, e.g. `provider:openai`.
    pub deleted: String,
    /// Related items removed with it (keys, cached models).
    pub removed: Vec<String>,
}
