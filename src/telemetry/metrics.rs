//! Prometheus metrics: one process-wide recorder (installed once), the helpers that
//! record them, and the text rendering behind `GET /metrics`. Every request is counted
//! from its log row, so metrics and logs agree.

use std::sync::OnceLock;
use std::time::Duration;

use metrics::{counter, gauge, histogram};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

use super::model_labels;
use crate::store::RequestLog;

/// Seconds: from 5 ms to 10 minutes.
const LATENCY_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0,
];

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// How often histogram samples are folded into their buckets without a scrape.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

/// Installs the recorder on first use; later calls (more app instances in one test
/// process) share it. A thread folds recorded histogram samples into their buckets
/// every few seconds: the recorder keeps every sample until then, so without it memory
/// grows with traffic whenever `/metrics` is not scraped.
pub fn install() {
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new().set_buckets(LATENCY_BUCKETS).ok()?;
        match builder.install_recorder() {
            Ok(handle) => {
                let upkeep = handle.clone();
                let spawned = std::thread::Builder::new()
                    .name("metrics-upkeep".into())
                    .spawn(move || {
                        loop {
                            std::thread::sleep(UPKEEP_EVERY);
                            upkeep.run_upkeep();
                        }
                    });
                if let Err(err) = spawned {
                    tracing::warn!(%err, "metrics upkeep thread not started");
                }
                Some(handle)
            }
            Err(err) => {
                tracing::warn!(%err, "metrics recorder not installed");
                None
            }
        }
    });
}

/// The Prometheus text exposition of every metric.
pub fn render() -> String {
    match HANDLE.get() {
        Some(Some(handle)) => {
            handle.run_upkeep();
            handle.render()
        }
        _ => String::new(),
    }
}

fn status_class(status: i64) -> &'static str {
    match status {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    }
}

/// Counts one finished request from its log row.
pub fn record_request(row: &RequestLog) {
    let provider = row.provider.clone().unwrap_or_default();
    // Only models an admin configured are labels, never raw input (see model_labels).
    let model = match (&row.provider, &row.upstream_model) {
        (Some(provider), Some(model)) => model_labels::label(provider, model),
        _ => String::new(),
    };
    let request_type = row.request_type.clone();
    counter!(
        "gateway_requests_total",
        "request_type" => request_type.clone(),
        "provider" => provider.clone(),
        "model" => model.clone(),
        "status_class" => status_class(row.status)
    )
    .increment(1);
    histogram!("gateway_request_duration_seconds", "request_type" => request_type)
        .record(row.latency_ms as f64 / 1000.0);
    if let Some(ttfb) = row.ttfb_ms {
        histogram!("gateway_time_to_first_byte_seconds", "provider" => provider.clone())
            .record(ttfb as f64 / 1000.0);
    }
    for (kind, tokens) in [
        ("prompt", row.prompt_tokens),
        ("completion", row.completion_tokens),
        ("cached", row.cached_tokens),
        ("cache_creation", row.cache_creation_tokens),
        ("reasoning", row.reasoning_tokens),
    ] {
        if tokens > 0 {
            counter!("gateway_tokens_total", "kind" => kind, "provider" => provider.clone(), "model" => model.clone())
                .increment(u64::try_from(tokens).unwrap_or(0));
        }
    }
    if row.cost > 0 {
        counter!("gateway_cost_micros_total", "provider" => provider, "model" => model)
            .increment(u64::try_from(row.cost).unwrap_or(0));
    }
}

/// An upstream failure: `connect`, `timeout`, `status`, `stream_cut`, `stream_timeout`
/// or `stream_error`.
pub fn upstream_error(kind: &'static str) {
    counter!("gateway_upstream_errors_total", "kind" => kind).increment(1);
}

/// Counts itself in a gauge while alive (`gateway_in_flight_requests` or
/// `gateway_in_flight_streams`).
pub struct InFlight(&'static str);

impl InFlight {
    pub fn new(gauge_name: &'static str) -> InFlight {
        gauge!(gauge_name).increment(1.0);
        InFlight(gauge_name)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        gauge!(self.0).decrement(1.0);
    }
}

/// One written batch of log rows.
pub fn log_batch(rows: usize, seconds: f64) {
    counter!("gateway_log_rows_written_total").increment(rows as u64);
    histogram!("gateway_log_batch_seconds").record(seconds);
}

/// The gauge of rows waiting in the log queue (set by the sink and the writer).
pub fn log_queue_depth() -> metrics::Gauge {
    gauge!("gateway_log_queue_depth")
}

/// A request log row not queued: `unauthenticated` (the queue is over half full).
pub fn log_rows_dropped(reason: &'static str) {
    counter!("gateway_log_rows_dropped_total", "reason" => reason).increment(1);
}

/// A request answered 503: no place in the log queue within the wait.
pub fn log_queue_full() {
    counter!("gateway_log_queue_full_total").increment(1);
}

/// A row (or journal line) set aside in the dead-letter file.
pub fn log_rows_dead_lettered() {
    counter!("gateway_log_rows_dead_lettered_total").increment(1);
}

/// A row that could not be appended to the journal.
pub fn journal_write_failed() {
    counter!("gateway_log_journal_write_failures_total").increment(1);
}

pub fn snapshot_reload() {
    counter!("gateway_snapshot_reloads_total").increment(1);
}
