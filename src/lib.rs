//! `gateway`: an OpenAI- and Anthropic-compatible AI API gateway.
//!
//! Two planes share one process:
//! - the control plane (`api`: auth, providers, keys, models, audit, logs) writes the
//!   database through `store::ConfigStore`, then swaps the in-memory `snapshot`;
//! - the data plane (`api::relay`, `/v1/*`) reads only the `snapshot`, talks to the
//!   `upstream`, and hands one row per request to the background `logsink`.
//!
//! `app` assembles both and `server` serves them; `config`, `clock`, `secrets` and `error`
//! are the shared foundations.

pub mod accounts;
pub mod api;
pub mod app;
pub mod billing;
pub mod clock;
pub mod config;
pub mod error;
pub mod listener;
pub mod logsink;
pub mod protocol;
pub mod relay;
pub mod retention;
pub mod routing;
pub mod secrets;
pub mod server;
pub mod snapshot;
pub mod store;
pub mod telemetry;
pub mod upstream;
