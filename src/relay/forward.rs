//! Sending the upstream request: the body `plan` built, the allowlisted client headers
//! (the provider's key instead of the client's), our trace context, and the connect /
//! first-byte / idle / total timeouts.

use std::time::Duration;

use poem::http::HeaderMap;
use tokio::time::Instant;

use super::plan::Outgoing;
use crate::app::AppState;
use crate::error::{GatewayError, Result};
use crate::snapshot::ProviderView;
use crate::telemetry::{metrics, trace};
use crate::upstream::{authorize, send_error};
use tracing_opentelemetry::OpenTelemetrySpanExt;

/// The only client headers sent upstream, by the upstream's api_type: the providers'
/// documented protocol headers. Everything else (credentials, `OpenAI-Organization`
/// and `OpenAI-Project`, cookies, SDK telemetry, hop-by-hop headers, `traceparent`) is
/// dropped unless the operator lists it in `upstream.forward_headers`; the gateway sets
/// the key, `content-type`, `anthropic-version` and its own trace context itself.
const FORWARDED_OPENAI: &[&str] = &["accept", "openai-beta"];
const FORWARDED_ANTHROPIC: &[&str] = &["accept", "anthropic-beta"];

/// Timeouts for one request: the provider's overrides, else the config file's.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub first_byte: Duration,
    pub idle: Duration,
    pub deadline: Instant,
}

impl Limits {
    pub fn for_provider(state: &AppState, provider: &ProviderView) -> Limits {
        let config = state.config.timeouts;
        let ms = |value: Option<i64>, default: Duration| {
            value
                .and_then(|v| u64::try_from(v).ok())
                .map_or(default, Duration::from_millis)
        };
        let total = ms(provider.row.total_timeout_ms, config.total);
        Limits {
            first_byte: ms(provider.row.first_byte_timeout_ms, config.first_byte),
            idle: ms(provider.row.idle_timeout_ms, config.idle),
            deadline: Instant::now() + total,
        }
    }

    /// Which limit a wait that ran out hit: the total deadline or the idle gap.
    pub fn which_expired(&self) -> &'static str {
        if Instant::now() >= self.deadline {
            "the total timeout"
        } else {
            "the idle timeout between chunks"
        }
    }

    /// The wait allowed for the next piece: the idle gap, capped by the total deadline.
    pub fn next_wait(&self) -> Duration {
        self.idle
            .min(self.deadline.saturating_duration_since(Instant::now()))
    }
}

/// Sends the request; resolves when the upstream's response head arrived.
pub async fn send(
    state: &AppState,
    provider: &ProviderView,
    key: &str,
    outgoing: Outgoing,
    client_headers: &HeaderMap,
    limits: &Limits,
    span: &tracing::Span,
) -> Result<reqwest::Response> {
    // With tracing on, the upstream gets our client span's context, not the client's.
    let trace_headers = trace::context_headers(span);
    let url = format!("{}{}", provider.row.base_url, outgoing.path);
    let forwarded = if provider.row.api_type == "anthropic" {
        FORWARDED_ANTHROPIC
    } else {
        FORWARDED_OPENAI
    };
    let mut request = state.http.post(url);
    let extra = state.config.forward_headers.iter().map(String::as_str);
    for name in forwarded.iter().copied().chain(extra) {
        for value in client_headers.get_all(name) {
            request = request.header(name, value.as_bytes());
        }
    }
    for (name, value) in &trace_headers {
        request = request.header(name.as_str(), value.as_bytes());
    }
    let version = client_headers
        .get("anthropic-version")
        .and_then(|v| v.to_str().ok());
    let request = authorize(request, &provider.row.api_type, key, version)
        .header("content-type", "application/json")
        .body(outgoing.body);
    let wait = limits
        .first_byte
        .min(limits.deadline.saturating_duration_since(Instant::now()));
    match tokio::time::timeout(wait, request.send()).await {
        Ok(Ok(response)) => {
            if !span.is_disabled() {
                span.set_attribute(
                    "http.response.status_code",
                    i64::from(response.status().as_u16()),
                );
            }
            if !response.status().is_success() {
                metrics::upstream_error("status");
            }
            Ok(response)
        }
        Ok(Err(err)) => {
            metrics::upstream_error(if err.is_timeout() {
                "timeout"
            } else {
                "connect"
            });
            Err(send_error(&provider.row.name, err))
        }
        Err(_) => {
            metrics::upstream_error("timeout");
            Err(GatewayError::GatewayTimeout(format!(
                "provider `{}` sent no response within {} ms",
                provider.row.name,
                wait.as_millis()
            )))
        }
    }
}
