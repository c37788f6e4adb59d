//! The settings file as written: sections with serde defaults and
//! `deny_unknown_fields`, before validation turns them into `Config`.

use serde::Deserialize;

use super::KeyStrategy;

pub(super) const DEFAULT_LISTEN: &str = "127.0.0.1:3000";
pub(super) const DEFAULT_DATABASE_URL: &str = "sqlite://data/gateway.db";
pub(super) const DEFAULT_TIMEZONE: &str = "+08:00";
pub(super) const DEFAULT_ADMIN_USERNAME: &str = "admin";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawConfig {
    #[serde(default)]
    pub(super) server: ServerSection,
    #[serde(default)]
    pub(super) database: DatabaseSection,
    #[serde(default)]
    pub(super) security: SecuritySection,
    #[serde(default)]
    pub(super) display: DisplaySection,
    #[serde(default)]
    pub(super) admin: AdminSection,
    #[serde(default)]
    pub(super) upstream: UpstreamSection,
    #[serde(default)]
    pub(super) log_writer: LogWriterSection,
    #[serde(default)]
    pub(super) telemetry: TelemetrySection,
    #[serde(default)]
    pub(super) anthropic: AnthropicSection,
}

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct ServerSection {
    pub(super) listen: String,
    pub(super) redirect_file: String,
    pub(super) max_body_bytes: u64,
    pub(super) shutdown_grace_seconds: u64,
    pub(super) header_read_timeout_ms: u64,
    pub(super) keep_alive_timeout_ms: u64,
    pub(super) max_connections: u64,
    pub(super) max_header_bytes: u64,
}

impl Default for ServerSection {
    fn default() -> Self {
        ServerSection {
            listen: DEFAULT_LISTEN.to_string(),
            redirect_file: "redirect.toml".to_string(),
            max_body_bytes: 32 * 1024 * 1024,
            shutdown_grace_seconds: 30,
            header_read_timeout_ms: 10_000,
            keep_alive_timeout_ms: 75_000,
            max_connections: 1024,
            max_header_bytes: 64 * 1024,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct DatabaseSection {
    pub(super) url: String,
    pub(super) max_connections: u32,
    pub(super) acquire_timeout_ms: u64,
}

impl Default for DatabaseSection {
    fn default() -> Self {
        DatabaseSection {
            url: DEFAULT_DATABASE_URL.to_string(),
            max_connections: 8,
            acquire_timeout_ms: 2_000,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct SecuritySection {
    pub(super) key_strategy: KeyStrategy,
    pub(super) secret_file: String,
    pub(super) session_ttl_hours: u64,
    pub(super) login_attempts_per_minute: u64,
}

impl Default for SecuritySection {
    fn default() -> Self {
        SecuritySection {
            key_strategy: KeyStrategy::Masked,
            secret_file: String::new(),
            session_ttl_hours: 24,
            login_attempts_per_minute: 20,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct DisplaySection {
    pub(super) timezone: String,
}

impl Default for DisplaySection {
    fn default() -> Self {
        DisplaySection {
            timezone: DEFAULT_TIMEZONE.to_string(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct AdminSection {
    pub(super) username: String,
    pub(super) password: String,
}

impl Default for AdminSection {
    fn default() -> Self {
        AdminSection {
            username: DEFAULT_ADMIN_USERNAME.to_string(),
            password: String::new(),
        }
    }
}

/// Upstream timeouts in milliseconds, and extra client headers sent upstream.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct UpstreamSection {
    pub(super) connect_timeout_ms: u64,
    pub(super) first_byte_timeout_ms: u64,
    pub(super) idle_timeout_ms: u64,
    pub(super) total_timeout_ms: u64,
    pub(super) forward_headers: Vec<String>,
}

impl Default for UpstreamSection {
    fn default() -> Self {
        UpstreamSection {
            connect_timeout_ms: 10_000,
            first_byte_timeout_ms: 120_000,
            idle_timeout_ms: 120_000,
            total_timeout_ms: 600_000,
            forward_headers: Vec::new(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct LogWriterSection {
    pub(super) queue_capacity: usize,
    pub(super) batch_size: usize,
    pub(super) flush_interval_ms: u64,
    pub(super) retention_days: u64,
    pub(super) rollup_retention_days: u64,
    pub(super) journal: bool,
    pub(super) dir: String,
}

impl Default for LogWriterSection {
    fn default() -> Self {
        LogWriterSection {
            queue_capacity: 10_000,
            batch_size: 256,
            flush_interval_ms: 200,
            retention_days: 30,
            rollup_retention_days: 400,
            journal: true,
            dir: String::new(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct TelemetrySection {
    pub(super) otlp_endpoint: String,
    pub(super) protocol: String,
    pub(super) service_name: String,
    pub(super) sampling_ratio: f64,
    pub(super) resource_attributes: std::collections::BTreeMap<String, String>,
    pub(super) metrics_token: String,
}

impl Default for TelemetrySection {
    fn default() -> Self {
        TelemetrySection {
            otlp_endpoint: String::new(),
            protocol: "http/protobuf".to_string(),
            service_name: "gateway".to_string(),
            sampling_ratio: 1.0,
            resource_attributes: std::collections::BTreeMap::new(),
            metrics_token: String::new(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct AnthropicSection {
    pub(super) default_max_tokens: u64,
}

impl Default for AnthropicSection {
    fn default() -> Self {
        AnthropicSection {
            default_max_tokens: 8192,
        }
    }
}
