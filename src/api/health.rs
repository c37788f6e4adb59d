//! Operations endpoints: `GET /health` (the process answers), `GET /ready` (database
//! reachable, snapshot loaded, log writer keeping up) and `GET /metrics` (Prometheus
//! text, behind an optional bearer token). None of them is logged or traced.

use std::time::Duration;

use poem::web::Data;
use poem_openapi::auth::Bearer;
use poem_openapi::payload::{Json, PlainText};
use poem_openapi::{ApiResponse, Object, OpenApi, SecurityScheme};

use super::ApiTags;
use crate::app::AppState;
use crate::error::{GatewayError, Result};
use crate::telemetry::metrics;

const DATABASE_CHECK_TIMEOUT: Duration = Duration::from_secs(2);

/// Liveness.
#[derive(Debug, Clone, Object)]
pub struct Health {
    /// Always `ok`.
    pub status: String,
}

/// Readiness and its checks.
#[derive(Debug, Clone, Object)]
pub struct Readiness {
    /// `ready` or `not_ready`.
    pub status: String,
    /// The database answered a query within 2 seconds.
    pub database: bool,
    /// The routing snapshot is loaded.
    pub snapshot: bool,
    /// The log writer runs and its queue has room for a relayed request's row.
    pub log_writer: bool,
    /// Rows waiting to be written.
    pub log_queue_depth: i64,
}

#[derive(ApiResponse)]
enum ReadyResponse {
    /// Ready to serve.
    #[oai(status = 200)]
    Ready(Json<Readiness>),
    /// A check failed; the body says which.
    #[oai(status = 503)]
    NotReady(Json<Readiness>),
}

/// The bearer token configured as `telemetry.metrics_token`.
#[derive(SecurityScheme)]
#[oai(ty = "bearer")]
pub struct MetricsToken(Bearer);

/// `/metrics` takes the token when one is configured, and nothing otherwise.
#[derive(SecurityScheme)]
pub enum MetricsAuth {
    Token(MetricsToken),
    #[oai(fallback)]
    Anonymous,
}

/// Compares without stopping at the first difference.
fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

pub struct HealthApi;

#[OpenApi(tag = "ApiTags::Operations")]
impl HealthApi {
    /// Liveness: the process answers.
    #[oai(path = "/health", method = "get", operation_id = "health")]
    async fn health(&self) -> Json<Health> {
        Json(Health {
            status: "ok".into(),
        })
    }

    /// Readiness: database reachable, snapshot loaded, log writer keeping up (503 when not).
    #[oai(path = "/ready", method = "get", operation_id = "ready")]
    async fn ready(&self, state: Data<&AppState>) -> ReadyResponse {
        let database = matches!(
            tokio::time::timeout(DATABASE_CHECK_TIMEOUT, state.store.ping()).await,
            Ok(Ok(()))
        );
        let depth = state.sink.queue_depth();
        let log_writer = state.sink.is_running() && state.sink.has_room();
        let snapshot = state.snapshot.is_loaded();
        let ready = database && snapshot && log_writer;
        let body = Json(Readiness {
            status: if ready { "ready" } else { "not_ready" }.into(),
            database,
            snapshot,
            log_writer,
            log_queue_depth: i64::try_from(depth).unwrap_or(i64::MAX),
        });
        if ready {
            ReadyResponse::Ready(body)
        } else {
            ReadyResponse::NotReady(body)
        }
    }

    /// Prometheus metrics (text exposition format). Needs `Authorization: Bearer` with
    /// `telemetry.metrics_token` when one is configured.
    #[oai(path = "/metrics", method = "get", operation_id = "metrics")]
    async fn metrics(
        &self,
        auth: MetricsAuth,
        state: Data<&AppState>,
    ) -> Result<PlainText<String>> {
        if let Some(expected) = state.config.telemetry.metrics_token.as_deref() {
            let presented = match &auth {
                MetricsAuth::Token(token) => Some(token.0.token.as_str()),
                MetricsAuth::Anonymous => None,
            };
            if !presented.is_some_and(|token| same_secret(token, expected)) {
                return Err(GatewayError::Unauthorized(
                    "metrics need the configured bearer token".into(),
                ));
            }
        }
        Ok(PlainText(metrics::render()))
    }
}
