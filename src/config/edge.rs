//! Settings of the gateway's edge: the extra client headers sent upstream.

use super::raw::RawConfig;
use crate::error::{GatewayError, Result};

/// The edge settings, validated.
pub(super) struct Edge {
    pub(super) forward_headers: Vec<String>,
}

/// Headers the gateway sets itself or that carry credentials: never forwarded.
const NOT_FORWARDABLE: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "x-api-key",
    "api-key",
    "x-goog-api-key",
    "cookie",
    "host",
    "content-length",
    "content-type",
    "transfer-encoding",
    "connection",
    "keep-alive",
    "te",
    "trailer",
    "upgrade",
    "anthropic-version",
    "traceparent",
    "tracestate",
];

/// Validates the edge settings; `file_error(key, expected)` names the file and key.
pub(super) fn settings(
    raw: &RawConfig,
    file_error: &dyn Fn(&str, &str) -> GatewayError,
) -> Result<Edge> {
    let mut forward_headers = Vec::new();
    for name in &raw.upstream.forward_headers {
        let name = name.trim().to_ascii_lowercase();
        if poem::http::HeaderName::from_bytes(name.as_bytes()).is_err() {
            return Err(file_error(
                "upstream.forward_headers",
                &format!("`{name}` is not a valid header name"),
            ));
        }
        if NOT_FORWARDABLE.contains(&name.as_str()) {
            return Err(file_error(
                "upstream.forward_headers",
                &format!("`{name}` carries credentials or is set by the gateway itself"),
            ));
        }
        forward_headers.push(name);
    }
    Ok(Edge { forward_headers })
}
