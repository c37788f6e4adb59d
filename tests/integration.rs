//! Integration tests: the real gateway on 127.0.0.1 with a real SQLite file (or the
//! PostgreSQL named by `TEST_DATABASE_URL`), real HTTP, and mock-upstream as a process.

#[path = "integration/accounts.rs"]
mod accounts;
#[path = "integration/admin_auth.rs"]
mod admin_auth;
#[path = "integration/anthropic.rs"]
mod anthropic;
#[path = "integration/anthropic_translated.rs"]
mod anthropic_translated;
#[path = "integration/billing.rs"]
mod billing;
#[path = "integration/billing_balance.rs"]
mod billing_balance;
#[path = "integration/billing_fixture.rs"]
mod billing_fixture;
#[path = "integration/billing_queries.rs"]
mod billing_queries;
#[path = "integration/common/mod.rs"]
mod common;
#[path = "integration/config_errors.rs"]
mod config_errors;
#[path = "integration/connections.rs"]
mod connections;
#[path = "integration/contract_input.rs"]
mod contract_input;
#[path = "integration/crash_journal.rs"]
mod crash_journal;
#[path = "integration/edge_config.rs"]
mod edge_config;
#[path = "integration/errors.rs"]
mod errors;
#[path = "integration/key_health.rs"]
mod key_health;
#[path = "integration/key_import.rs"]
mod key_import;
#[path = "integration/keys_at_rest.rs"]
mod keys_at_rest;
#[path = "integration/lifecycle.rs"]
mod lifecycle;
#[path = "integration/log_queue_full.rs"]
mod log_queue_full;
#[path = "integration/log_request_id.rs"]
mod log_request_id;
#[path = "integration/login_limits.rs"]
mod login_limits;
#[path = "integration/logs_query_plans.rs"]
mod logs_query_plans;
#[path = "integration/metric_labels.rs"]
mod metric_labels;
#[path = "integration/models_cache.rs"]
mod models_cache;
#[path = "integration/models_retrieve.rs"]
mod models_retrieve;
#[path = "integration/operations.rs"]
mod operations;
#[path = "integration/otel_env.rs"]
mod otel_env;
#[cfg(feature = "postgres")]
#[path = "integration/pg_cluster.rs"]
mod pg_cluster;
#[cfg(feature = "postgres")]
#[path = "integration/pg_outage.rs"]
mod pg_outage;
#[path = "integration/process.rs"]
mod process;
#[path = "integration/providers_keys.rs"]
mod providers_keys;
#[path = "integration/relay.rs"]
mod relay;
#[path = "integration/relay_failures.rs"]
mod relay_failures;
#[path = "integration/relay_routing.rs"]
mod relay_routing;
#[path = "integration/relay_timeouts.rs"]
mod relay_timeouts;
#[path = "integration/responses.rs"]
mod responses;
#[path = "integration/rollup_retention.rs"]
mod rollup_retention;
#[path = "integration/stream_ends.rs"]
mod stream_ends;
#[path = "integration/telemetry.rs"]
mod telemetry;
#[path = "integration/telemetry_harness.rs"]
mod telemetry_harness;
#[path = "integration/thinking.rs"]
mod thinking;
#[path = "integration/tokens.rs"]
mod tokens;
#[path = "integration/traffic.rs"]
mod traffic;
#[path = "integration/upstream_exposure.rs"]
mod upstream_exposure;
#[path = "integration/users.rs"]
mod users;

// Reservations that bound what the upstream may spend.
#[path = "integration/paid.rs"]
mod paid;
#[path = "integration/reservation_limits.rs"]
mod reservation_limits;
#[path = "integration/reservation_prompts.rs"]
mod reservation_prompts;
#[path = "integration/reservation_refusals.rs"]
mod reservation_refusals;
#[path = "integration/usage_estimates.rs"]
mod usage_estimates;
