//! Process settings: parse `custom-config.toml` and `redirect.toml`, apply defaults and
//! environment overrides, and validate with errors that name the file, the key and
//! what is expected.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::FixedOffset;
use serde::Deserialize;

mod aliases;
mod edge;
mod env;
mod otel_env;
mod raw;
mod telemetry;

pub use aliases::load_aliases;
pub use edge::ConnectionSettings;

use raw::{DEFAULT_LISTEN, RawConfig};

use crate::clock::parse_offset;
use crate::error::{GatewayError, Result};

pub const DEFAULT_CONFIG_PATH: &str = "config/custom-config.toml";
/// How provider keys are stored and shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyStrategy {
    /// Stored encrypted, never shown.
    None,
    /// Stored encrypted, shown as first 4 + `...` + last 4.
    Masked,
    /// Stored and shown as is.
    Plain,
}

/// Upstream timeouts, validated.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    pub connect: Duration,
    pub first_byte: Duration,
    pub idle: Duration,
    pub total: Duration,
}

/// Wire protocol of the OTLP exporter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OtlpProtocol {
    HttpProtobuf,
    Grpc,
}

/// Trace export and metrics settings.
#[derive(Debug, Clone)]
pub struct TelemetrySettings {
    /// OTLP endpoint; `None` means traces are not exported.
    pub otlp_endpoint: Option<String>,
    pub protocol: OtlpProtocol,
    pub service_name: String,
    pub sampling_ratio: f64,
    pub resource_attributes: Vec<(String, String)>,
    /// Bearer token `GET /metrics` requires; `None` leaves it open.
    pub metrics_token: Option<String>,
}

/// Batch writer tuning for request logs.
#[derive(Debug, Clone)]
pub struct LogWriterSettings {
    pub queue_capacity: usize,
    pub batch_size: usize,
    pub flush_interval: Duration,
    /// Request logs older than this many days are deleted; 0 keeps them forever.
    pub retention_days: u64,
    /// Hours of the usage rollup older than this many days are deleted; 0 keeps them
    /// forever. Never shorter than `retention_days` (usage would under-count).
    pub rollup_retention_days: u64,
    /// Whether queued rows are also appended to the journal file.
    pub journal: bool,
    /// Folder of the journal and the dead-letter file; `None` means next to the
    /// database.
    pub dir: Option<PathBuf>,
}

/// The validated settings the process runs with.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub database_url: String,
    pub database_max_connections: u32,
    /// Longest wait for a database connection before a 503.
    pub database_acquire_timeout: Duration,
    pub key_strategy: KeyStrategy,
    /// Where the key-encryption secret lives; `None` means next to the database.
    pub secret_file: Option<PathBuf>,
    pub session_ttl: Duration,
    pub timezone: FixedOffset,
    pub admin_username: String,
    /// Empty means: generate one on first start and print it once.
    pub admin_password: String,
    pub timeouts: Timeouts,
    pub log_writer: LogWriterSettings,
    pub max_body_bytes: usize,
    pub shutdown_grace: Duration,
    pub aliases: HashMap<String, String>,
    pub telemetry: TelemetrySettings,
    /// `max_tokens` sent to Anthropic when an OpenAI client set none.
    pub anthropic_max_tokens: u64,
    /// Client connection limits and timeouts.
    pub connections: ConnectionSettings,
    /// Logins one client address may try per minute (more get 429).
    pub login_attempts_per_minute: std::num::NonZeroU32,
    /// Client headers sent to every upstream besides the protocol ones (lower case).
    pub forward_headers: Vec<String>,
}

impl Config {
    /// Reads and validates the settings file, then the alias file it names.
    pub fn load(path: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(path).map_err(|err| {
            GatewayError::Config(format!("{}: cannot read the file: {err}", path.display()))
        })?;
        Config::from_toml(&text, path)
    }

    /// Parses settings text; `origin` names the file in error messages, and the alias
    /// file (`server.redirect_file`) is looked up relative to its folder.
    pub fn from_toml(text: &str, origin: &Path) -> Result<Config> {
        let file_error = |key: &str, expected: &str| {
            let from_env = env::variable_for(key)
                .map(|var| format!(" (set by the environment variable {var})"))
                .unwrap_or_default();
            GatewayError::Config(format!(
                "{}: key `{key}`{from_env}: {expected}",
                origin.display()
            ))
        };
        let deserializer = toml::de::Deserializer::parse(text).map_err(|err| {
            GatewayError::Config(format!("{}: not valid TOML: {err}", origin.display()))
        })?;
        let raw: RawConfig = serde_path_to_error::deserialize(deserializer).map_err(|err| {
            let key = err.path().to_string();
            file_error(&key, &err.inner().to_string())
        })?;
        let mut raw = raw;
        env::apply(&mut raw)?;

        let listen = raw.server.listen.parse::<SocketAddr>().map_err(|_| {
            file_error(
                "server.listen",
                &format!(
                    "`{}` is not a socket address; expected host:port such as {DEFAULT_LISTEN}",
                    raw.server.listen
                ),
            )
        })?;
        let url = raw.database.url.trim().to_string();
        if !(url.starts_with("sqlite:")
            || url.starts_with("postgres://")
            || url.starts_with("postgresql://"))
        {
            return Err(file_error(
                "database.url",
                &format!("`{url}` is not supported; expected sqlite://PATH or postgres://..."),
            ));
        }
        let timezone = parse_offset(&raw.display.timezone).ok_or_else(|| {
            file_error(
                "display.timezone",
                &format!(
                    "`{}` is not a UTC offset; expected +HH:MM or -HH:MM such as +08:00",
                    raw.display.timezone
                ),
            )
        })?;
        if raw.admin.username.trim().is_empty() {
            return Err(file_error("admin.username", "must not be empty"));
        }
        let up = &raw.upstream;
        for (key, value) in [
            ("upstream.connect_timeout_ms", up.connect_timeout_ms),
            ("upstream.first_byte_timeout_ms", up.first_byte_timeout_ms),
            ("upstream.idle_timeout_ms", up.idle_timeout_ms),
            ("upstream.total_timeout_ms", up.total_timeout_ms),
            (
                "log_writer.flush_interval_ms",
                raw.log_writer.flush_interval_ms,
            ),
            (
                "database.acquire_timeout_ms",
                raw.database.acquire_timeout_ms,
            ),
            ("security.session_ttl_hours", raw.security.session_ttl_hours),
            ("server.max_body_bytes", raw.server.max_body_bytes),
            (
                "anthropic.default_max_tokens",
                raw.anthropic.default_max_tokens,
            ),
        ] {
            if value == 0 {
                return Err(file_error(key, "must be greater than 0"));
            }
        }
        for (key, value) in [
            ("log_writer.queue_capacity", raw.log_writer.queue_capacity),
            ("log_writer.batch_size", raw.log_writer.batch_size),
            (
                "database.max_connections",
                raw.database.max_connections as usize,
            ),
        ] {
            if value == 0 {
                return Err(file_error(key, "must be greater than 0"));
            }
        }
        let edge = edge::settings(&raw, &file_error)?;
        let (logs_days, rollup_days) = (
            raw.log_writer.retention_days,
            raw.log_writer.rollup_retention_days,
        );
        if logs_days != 0 && rollup_days != 0 && rollup_days < logs_days {
            return Err(file_error(
                "log_writer.rollup_retention_days",
                &format!("must be 0 or at least log_writer.retention_days ({logs_days})"),
            ));
        }
        let alias_path = origin
            .parent()
            .unwrap_or(Path::new("."))
            .join(&raw.server.redirect_file);
        let aliases = load_aliases(&alias_path)?;
        let secret_file = Some(raw.security.secret_file.trim())
            .filter(|s| !s.is_empty())
            .map(PathBuf::from);
        Ok(Config {
            listen,
            database_url: url,
            database_max_connections: raw.database.max_connections,
            database_acquire_timeout: Duration::from_millis(raw.database.acquire_timeout_ms),
            key_strategy: raw.security.key_strategy,
            secret_file,
            session_ttl: Duration::from_secs(raw.security.session_ttl_hours * 3600),
            timezone,
            admin_username: raw.admin.username.trim().to_string(),
            admin_password: raw.admin.password,
            timeouts: Timeouts {
                connect: Duration::from_millis(up.connect_timeout_ms),
                first_byte: Duration::from_millis(up.first_byte_timeout_ms),
                idle: Duration::from_millis(up.idle_timeout_ms),
                total: Duration::from_millis(up.total_timeout_ms),
            },
            log_writer: LogWriterSettings {
                queue_capacity: raw.log_writer.queue_capacity,
                batch_size: raw.log_writer.batch_size,
                flush_interval: Duration::from_millis(raw.log_writer.flush_interval_ms),
                retention_days: raw.log_writer.retention_days,
                rollup_retention_days: raw.log_writer.rollup_retention_days,
                journal: raw.log_writer.journal,
                dir: Some(raw.log_writer.dir.trim())
                    .filter(|d| !d.is_empty())
                    .map(PathBuf::from),
            },
            max_body_bytes: usize::try_from(raw.server.max_body_bytes).unwrap_or(usize::MAX),
            shutdown_grace: Duration::from_secs(raw.server.shutdown_grace_seconds),
            aliases,
            telemetry: telemetry::settings(raw.telemetry, &file_error)?,
            anthropic_max_tokens: raw.anthropic.default_max_tokens,
            connections: edge.connections,
            login_attempts_per_minute: edge.login_attempts_per_minute,
            forward_headers: edge.forward_headers,
        })
    }
}
