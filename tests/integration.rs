//! Integration tests: the real gateway on 127.0.0.1 with a real SQLite file (or the
//! PostgreSQL named by `TEST_DATABASE_URL`), real HTTP, and mock-upstream as a process.

#[path = "integration/common.rs"]
mod common;

#[path = "integration/accounts.rs"]
mod accounts;
#[path = "integration/admin_auth.rs"]
mod admin_auth;
#[path = "integration/anthropic.rs"]
mod anthropic;
#[path = "integration/billing.rs"]
mod billing;
#[path = "integration/config_errors.rs"]
mod config_errors;
#[path = "integration/errors.rs"]
mod errors;
#[path = "integration/lifecycle.rs"]
mod lifecycle;
#[path = "integration/models_cache.rs"]
mod models_cache;
#[path = "integration/models_retrieve.rs"]
mod models_retrieve;
#[path = "integration/operations.rs"]
mod operations;
#[path = "integration/providers_keys.rs"]
mod providers_keys;
#[path = "integration/relay.rs"]
mod relay;
#[path = "integration/relay_failures.rs"]
mod relay_failures;
#[path = "integration/telemetry.rs"]
mod telemetry;
