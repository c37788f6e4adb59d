//! Test harness: start the gateway in process on a fresh database, spawn mock-upstream,
//! and small helpers for JSON over HTTP.

mod app;
mod db;
mod mock;
mod relay;

pub use app::TestApp;
pub use db::{TestDb, count_rows, table_text};
pub use mock::MockUpstream;
pub use relay::{JsonExt, JsonValue, RelayFixture, UPSTREAM_KEY, request_id, sse_data};

pub const ADMIN_PASSWORD: &str = "test-admin-password";

pub type TestResult<T = ()> = anyhow::Result<T>;
