//! Settings of the gateway's edge: client connection limits, login throttling per
//! client address, and the extra client headers sent upstream.

use std::num::NonZeroU32;
use std::time::Duration;

use super::raw::RawConfig;
use crate::error::{GatewayError, Result};

/// Limits on client connections (enforced by `crate::server`).
#[derive(Debug, Clone, Copy)]
pub struct ConnectionSettings {
    /// Time a client has to send a whole request head once its first byte arrived.
    pub header_read_timeout: Duration,
    /// Time an open connection may wait, with no request running, for the next one.
    pub keep_alive_timeout: Duration,
    /// Connections served at once; more wait in the listen backlog.
    pub max_connections: usize,
    /// Request line plus headers, in bytes; larger heads get 431.
    pub max_header_bytes: usize,
}

/// The edge settings, validated.
pub(super) struct Edge {
    pub(super) connections: ConnectionSettings,
    pub(super) login_attempts_per_minute: NonZeroU32,
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
    let server = &raw.server;
    for (key, value) in [
        (
            "server.header_read_timeout_ms",
            server.header_read_timeout_ms,
        ),
        ("server.keep_alive_timeout_ms", server.keep_alive_timeout_ms),
        ("server.max_connections", server.max_connections),
    ] {
        if value == 0 {
            return Err(file_error(key, "must be greater than 0"));
        }
    }
    if !(1024..=16 * 1024 * 1024).contains(&server.max_header_bytes) {
        return Err(file_error(
            "server.max_header_bytes",
            "must be between 1024 and 16777216",
        ));
    }
    let login_attempts_per_minute = u32::try_from(raw.security.login_attempts_per_minute)
        .ok()
        .and_then(NonZeroU32::new)
        .ok_or_else(|| {
            file_error(
                "security.login_attempts_per_minute",
                "must be between 1 and 4294967295",
            )
        })?;
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
    Ok(Edge {
        connections: ConnectionSettings {
            header_read_timeout: Duration::from_millis(server.header_read_timeout_ms),
            keep_alive_timeout: Duration::from_millis(server.keep_alive_timeout_ms),
            max_connections: usize::try_from(server.max_connections).unwrap_or(usize::MAX),
            max_header_bytes: usize::try_from(server.max_header_bytes).unwrap_or(usize::MAX),
        },
        login_attempts_per_minute,
        forward_headers,
    })
}
