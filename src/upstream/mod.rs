//! Talking to upstream providers: authentication headers per api_type and model
//! discovery. (The relay's request sending grows here.)

use std::time::Duration;

use serde::Deserialize;

use crate::error::{GatewayError, Result};
use crate::snapshot::ProviderView;

pub const ANTHROPIC_VERSION: &str = "2023-06-01";

/// Adds the provider's authentication headers to an upstream request; Anthropic gets
/// the client's `anthropic-version` when it sent one.
pub fn authorize(
    builder: reqwest::RequestBuilder,
    api_type: &str,
    key: &str,
    anthropic_version: Option<&str>,
) -> reqwest::RequestBuilder {
    if api_type == "anthropic" {
        builder.header("x-api-key", key).header(
            "anthropic-version",
            anthropic_version.unwrap_or(ANTHROPIC_VERSION),
        )
    } else {
        builder.bearer_auth(key)
    }
}

#[derive(Deserialize)]
struct ModelList {
    data: Vec<ModelEntry>,
}

#[derive(Deserialize)]
struct ModelEntry {
    id: String,
}

/// Asks the provider's models endpoint with its first enabled key; returns the ids sorted.
pub async fn discover_models(
    http: &reqwest::Client,
    provider: &ProviderView,
    timeout: Duration,
) -> Result<Vec<String>> {
    let name = &provider.row.name;
    let key = provider
        .keys
        .iter()
        .find(|key| key.enabled)
        .ok_or_else(|| {
            let missing = if provider.keys.is_empty() {
                "has no keys; add one first"
            } else {
                "has no enabled key; enable one first"
            };
            GatewayError::Unavailable(format!("provider `{name}` {missing}"))
        })?;
    let url = format!("{}{}", provider.row.base_url, provider.row.models_path);
    let request =
        authorize(http.get(&url), &provider.row.api_type, &key.secret, None).timeout(timeout);
    let response = request.send().await.map_err(|err| send_error(name, err))?;
    let status = response.status();
    let body = response
        .bytes()
        .await
        .map_err(|err| send_error(name, err))?;
    if !status.is_success() {
        return Err(GatewayError::BadGateway(format!(
            "provider `{name}` models endpoint returned {}: {}",
            status.as_u16(),
            upstream_message(&body)
        )));
    }
    let list: ModelList = serde_json::from_slice(&body).map_err(|err| {
        GatewayError::BadGateway(format!(
            "provider `{name}` returned an unreadable model list: {err}"
        ))
    })?;
    let mut ids: Vec<String> = list.data.into_iter().map(|m| m.id).collect();
    ids.sort();
    ids.dedup();
    Ok(ids)
}

/// A transport failure as 504 (timeout) or 502 (unreachable).
pub fn send_error(provider: &str, err: reqwest::Error) -> GatewayError {
    if err.is_timeout() {
        GatewayError::GatewayTimeout(format!("provider `{provider}` did not answer in time"))
    } else {
        GatewayError::BadGateway(format!(
            "provider `{provider}` is unreachable: {}",
            transport_error(err)
        ))
    }
}

/// A transport error with its causes, e.g. `error sending request: client error
/// (Connect): tcp connect error: Connection refused`, without the upstream URL: the
/// address (and any credentials in it) is the operator's, not the client's business.
pub fn transport_error(err: reqwest::Error) -> String {
    let err = err.without_url();
    let mut text = err.to_string();
    let mut source = std::error::Error::source(&err);
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// The readable message of an upstream error body (OpenAI or Anthropic shape), or the
/// body text itself.
pub fn upstream_message(body: &[u8]) -> String {
    #[derive(Deserialize)]
    struct Envelope {
        error: Detail,
    }
    #[derive(Deserialize)]
    struct Detail {
        message: String,
    }
    match serde_json::from_slice::<Envelope>(body) {
        Ok(envelope) => envelope.error.message,
        Err(_) => {
            let text = String::from_utf8_lossy(body);
            let text = text.trim();
            // An HTML error page says nothing useful to an API client; the whole body
            // is in the request log.
            if text.starts_with('<') {
                return String::new();
            }
            text.chars().take(300).collect()
        }
    }
}
