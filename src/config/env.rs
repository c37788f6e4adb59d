//! `GATEWAY_*` environment variables over the settings file: which key each one
//! overrides, applied before validation so that errors can name the variable.

use super::raw::RawConfig;
use crate::error::{GatewayError, Result};

/// A text setting in the file as written.
type Text = fn(&mut RawConfig) -> &mut String;
/// A numeric setting in the file as written.
type Number = fn(&mut RawConfig) -> &mut u64;

const TEXT: &[(&str, &str, Text)] = &[
    ("server.listen", "GATEWAY_LISTEN", |raw| {
        &mut raw.server.listen
    }),
    ("database.url", "GATEWAY_DATABASE_URL", |raw| {
        &mut raw.database.url
    }),
    ("admin.password", "GATEWAY_ADMIN_PASSWORD", |raw| {
        &mut raw.admin.password
    }),
];

const NUMBERS: &[(&str, &str, Number)] = &[
    (
        "server.header_read_timeout_ms",
        "GATEWAY_HEADER_READ_TIMEOUT_MS",
        |raw| &mut raw.server.header_read_timeout_ms,
    ),
    (
        "server.keep_alive_timeout_ms",
        "GATEWAY_KEEP_ALIVE_TIMEOUT_MS",
        |raw| &mut raw.server.keep_alive_timeout_ms,
    ),
    ("server.max_connections", "GATEWAY_MAX_CONNECTIONS", |raw| {
        &mut raw.server.max_connections
    }),
    (
        "server.max_header_bytes",
        "GATEWAY_MAX_HEADER_BYTES",
        |raw| &mut raw.server.max_header_bytes,
    ),
    (
        "security.login_attempts_per_minute",
        "GATEWAY_LOGIN_ATTEMPTS_PER_MINUTE",
        |raw| &mut raw.security.login_attempts_per_minute,
    ),
];

/// Puts every variable that is set over its key (a set variable wins even when
/// empty); numeric ones must be whole numbers.
pub(super) fn apply(raw: &mut RawConfig) -> Result<()> {
    for (_, var, field) in TEXT {
        if let Ok(value) = std::env::var(var) {
            *field(raw) = value;
        }
    }
    for (key, var, field) in NUMBERS {
        let Ok(text) = std::env::var(var) else {
            continue;
        };
        *field(raw) = text.trim().parse::<u64>().map_err(|_| {
            GatewayError::Config(format!(
                "environment variable {var} (for `{key}`): `{text}` is not a whole number"
            ))
        })?;
    }
    Ok(())
}

/// The variable that set `key`, if one did.
pub(super) fn variable_for(key: &str) -> Option<&'static str> {
    let text = TEXT.iter().map(|(k, var, _)| (*k, *var));
    let numbers = NUMBERS.iter().map(|(k, var, _)| (*k, *var));
    text.chain(numbers)
        .find(|(k, var)| *k == key && std::env::var_os(var).is_some())
        .map(|(_, var)| var)
}
