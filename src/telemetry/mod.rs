//! Telemetry: the console log (display-timezone stamps, `RUST_LOG`), OpenTelemetry
//! traces exported by OTLP (http/protobuf or gRPC, batched, flushed at shutdown), W3C
//! trace context in and out, and Prometheus metrics.

pub mod metrics;
pub mod model_labels;
pub mod trace;

use opentelemetry::KeyValue;
use opentelemetry::trace::TracerProvider;
use opentelemetry_otlp::{SpanExporter, WithExportConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::runtime::Tokio;
use opentelemetry_sdk::trace::span_processor_with_async_runtime::BatchSpanProcessor;
use opentelemetry_sdk::trace::{Sampler, SdkTracerProvider};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer, filter};

use crate::clock::Clock;
use crate::config::{OtlpProtocol, TelemetrySettings};
use crate::error::{GatewayError, Result};

/// Owns the trace pipeline; `shutdown` flushes what is still batched.
pub struct Telemetry {
    provider: Option<SdkTracerProvider>,
}

impl Telemetry {
    pub async fn shutdown(self) {
        if let Some(provider) = self.provider {
            let flushed = tokio::task::spawn_blocking(move || provider.shutdown()).await;
            if !matches!(flushed, Ok(Ok(()))) {
                tracing::warn!("trace export did not flush cleanly at shutdown");
            }
        }
    }
}

fn exporter(settings: &TelemetrySettings, endpoint: &str) -> Result<SpanExporter> {
    let built = match settings.protocol {
        OtlpProtocol::HttpProtobuf => SpanExporter::builder()
            .with_http()
            .with_endpoint(endpoint)
            .build(),
        OtlpProtocol::Grpc => SpanExporter::builder()
            .with_tonic()
            .with_endpoint(endpoint)
            .build(),
    };
    built
        .map_err(|err| GatewayError::Config(format!("telemetry.otlp_endpoint `{endpoint}`: {err}")))
}

/// Installs the global subscriber: the console log filtered by `RUST_LOG` (default
/// info), and, when an endpoint is configured, the span layer that exports the
/// gateway's own spans whatever `RUST_LOG` says. Must run inside the Tokio runtime.
pub fn init(clock: Clock, settings: &TelemetrySettings) -> Result<Telemetry> {
    let console_filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stdout())
        && std::env::var_os("NO_COLOR").is_none();
    let console = tracing_subscriber::fmt::layer()
        .with_timer(clock)
        .with_ansi(ansi)
        .with_filter(console_filter);
    let Some(endpoint) = settings.otlp_endpoint.as_deref() else {
        tracing_subscriber::registry().with(console).init();
        return Ok(Telemetry { provider: None });
    };
    opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
    let resource = Resource::builder()
        .with_service_name(settings.service_name.clone())
        .with_attributes(
            settings
                .resource_attributes
                .iter()
                .map(|(key, value)| KeyValue::new(key.clone(), value.clone())),
        )
        .build();
    let processor = BatchSpanProcessor::builder(exporter(settings, endpoint)?, Tokio).build();
    let provider = SdkTracerProvider::builder()
        .with_span_processor(processor)
        .with_sampler(Sampler::ParentBased(Box::new(Sampler::TraceIdRatioBased(
            settings.sampling_ratio,
        ))))
        .with_resource(resource)
        .build();
    let spans = tracing_opentelemetry::layer()
        .with_tracer(provider.tracer("gateway"))
        .with_filter(filter::Targets::new().with_target(trace::TARGET, tracing::Level::INFO));
    tracing_subscriber::registry()
        .with(console)
        .with(spans)
        .init();
    tracing::info!(endpoint, "exporting traces by OTLP");
    Ok(Telemetry {
        provider: Some(provider),
    })
}
