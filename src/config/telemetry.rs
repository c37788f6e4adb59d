//! The `[telemetry]` settings: validated from the file, then the standard `OTEL_*`
//! environment variables applied over them (see `otel_env`).

use super::otel_env;
use super::raw::TelemetrySection;
use super::{OtlpProtocol, TelemetrySettings};
use crate::error::{GatewayError, Result};

pub(super) fn settings(
    raw: TelemetrySection,
    file_error: &dyn Fn(&str, &str) -> GatewayError,
) -> Result<TelemetrySettings> {
    let protocol = match raw.protocol.as_str() {
        "http/protobuf" | "http" => OtlpProtocol::HttpProtobuf,
        "grpc" => OtlpProtocol::Grpc,
        other => {
            return Err(file_error(
                "telemetry.protocol",
                &format!("`{other}` is not supported; expected \"http/protobuf\" or \"grpc\""),
            ));
        }
    };
    if !(0.0..=1.0).contains(&raw.sampling_ratio) {
        return Err(file_error(
            "telemetry.sampling_ratio",
            "must be between 0.0 and 1.0",
        ));
    }
    let endpoint = raw.otlp_endpoint.trim().to_string();
    if !(endpoint.is_empty() || endpoint.starts_with("http://") || endpoint.starts_with("https://"))
    {
        return Err(file_error(
            "telemetry.otlp_endpoint",
            "must start with http:// or https://",
        ));
    }
    let settings = TelemetrySettings {
        otlp_endpoint: Some(endpoint).filter(|e| !e.is_empty()),
        protocol,
        service_name: raw.service_name,
        sampling_ratio: raw.sampling_ratio,
        resource_attributes: raw.resource_attributes.into_iter().collect(),
        metrics_token: Some(raw.metrics_token).filter(|t| !t.is_empty()),
    };
    otel_env::apply(settings, |name| std::env::var(name).ok())
}
