//! The standard OpenTelemetry environment variables, which win over `[telemetry]` in
//! the settings file (as the `GATEWAY_*` variables do): `OTEL_EXPORTER_OTLP_ENDPOINT`
//! (`/v1/traces` appended for http/protobuf, as the OTel specification says),
//! `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (used as is, wins over the generic one),
//! `OTEL_EXPORTER_OTLP_PROTOCOL` / `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL`,
//! `OTEL_SERVICE_NAME` and `OTEL_RESOURCE_ATTRIBUTES`. Empty values count as unset.

use percent_encoding::percent_decode_str;

use super::{OtlpProtocol, TelemetrySettings};
use crate::error::{GatewayError, Result};

/// The settings with the variables `env` returns applied.
pub fn apply(
    mut settings: TelemetrySettings,
    env: impl Fn(&str) -> Option<String>,
) -> Result<TelemetrySettings> {
    let var = |name: &str| {
        env(name)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let protocol_var = [
        "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
        "OTEL_EXPORTER_OTLP_PROTOCOL",
    ]
    .into_iter()
    .find_map(|name| var(name).map(|value| (name, value)));
    if let Some((name, value)) = protocol_var {
        settings.protocol = match value.as_str() {
            "http/protobuf" => OtlpProtocol::HttpProtobuf,
            "grpc" => OtlpProtocol::Grpc,
            other => {
                return Err(invalid(
                    name,
                    &format!("`{other}` is not supported; expected http/protobuf or grpc"),
                ));
            }
        };
    }
    let endpoint = match (
        var("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"),
        var("OTEL_EXPORTER_OTLP_ENDPOINT"),
    ) {
        (Some(traces), _) => Some(("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", traces)),
        (None, Some(base)) if settings.protocol == OtlpProtocol::HttpProtobuf => Some((
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            format!("{}/v1/traces", base.trim_end_matches('/')),
        )),
        (None, Some(base)) => Some(("OTEL_EXPORTER_OTLP_ENDPOINT", base)),
        (None, None) => None,
    };
    if let Some((name, endpoint)) = endpoint {
        if !(endpoint.starts_with("http://") || endpoint.starts_with("https://")) {
            return Err(invalid(name, "must start with http:// or https://"));
        }
        settings.otlp_endpoint = Some(endpoint);
    }
    if let Some(list) = var("OTEL_RESOURCE_ATTRIBUTES") {
        for (key, value) in resource_attributes(&list)? {
            settings.resource_attributes.retain(|(k, _)| *k != key);
            settings.resource_attributes.push((key, value));
        }
    }
    if let Some(name) = var("OTEL_SERVICE_NAME") {
        settings
            .resource_attributes
            .retain(|(k, _)| k != "service.name");
        settings
            .resource_attributes
            .push(("service.name".into(), name));
    }
    // A `service.name` attribute (the file's or the environment's) names the service.
    if let Some((_, name)) = settings
        .resource_attributes
        .iter()
        .find(|(k, _)| k == "service.name")
    {
        settings.service_name = name.clone();
    }
    settings
        .resource_attributes
        .retain(|(k, _)| k != "service.name");
    Ok(settings)
}

/// `key1=value1,key2=value2` with percent-encoded values.
fn resource_attributes(list: &str) -> Result<Vec<(String, String)>> {
    list.split(',')
        .filter(|pair| !pair.trim().is_empty())
        .map(|pair| {
            let (key, value) = pair
                .split_once('=')
                .filter(|(key, _)| !key.trim().is_empty())
                .ok_or_else(|| {
                    invalid(
                        "OTEL_RESOURCE_ATTRIBUTES",
                        &format!("`{pair}` is not key=value"),
                    )
                })?;
            let value = percent_decode_str(value.trim())
                .decode_utf8()
                .map_err(|_| invalid("OTEL_RESOURCE_ATTRIBUTES", "a value is not UTF-8"))?;
            Ok((key.trim().to_string(), value.into_owned()))
        })
        .collect()
}

fn invalid(name: &str, expected: &str) -> GatewayError {
    GatewayError::Config(format!("environment variable {name}: {expected}"))
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn file_settings() -> TelemetrySettings {
        TelemetrySettings {
            otlp_endpoint: Some("http://file:4318/v1/traces".into()),
            protocol: OtlpProtocol::HttpProtobuf,
            service_name: "from-file".into(),
            sampling_ratio: 1.0,
            resource_attributes: vec![("team".into(), "file".into())],
            metrics_token: None,
        }
    }

    fn with(vars: &[(&str, &str)]) -> Result<TelemetrySettings> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        apply(file_settings(), |name| vars.get(name).cloned())
    }

    #[test]
    fn without_variables_the_file_holds() -> Result<()> {
        let settings = with(&[("OTEL_EXPORTER_OTLP_ENDPOINT", " ")])?;
        assert_eq!(
            settings.otlp_endpoint.as_deref(),
            Some("http://file:4318/v1/traces")
        );
        assert_eq!(settings.service_name, "from-file");
        Ok(())
    }

    #[test]
    fn generic_endpoint_gets_the_signal_path_for_http_only() -> Result<()> {
        let http = with(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318/")])?;
        assert_eq!(
            http.otlp_endpoint.as_deref(),
            Some("http://c:4318/v1/traces")
        );
        let grpc = with(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4317"),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
        ])?;
        assert_eq!(grpc.otlp_endpoint.as_deref(), Some("http://c:4317"));
        assert_eq!(grpc.protocol, OtlpProtocol::Grpc);
        Ok(())
    }

    #[test]
    fn traces_endpoint_is_used_as_is_and_wins() -> Result<()> {
        let settings = with(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://generic:4318"),
            (
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
                "http://traces:9999/custom",
            ),
        ])?;
        assert_eq!(
            settings.otlp_endpoint.as_deref(),
            Some("http://traces:9999/custom")
        );
        Ok(())
    }

    #[test]
    fn service_name_and_resource_attributes() -> Result<()> {
        let settings = with(&[(
            "OTEL_RESOURCE_ATTRIBUTES",
            "service.name=from-attrs, team=ai%20platform,region=cn",
        )])?;
        assert_eq!(settings.service_name, "from-attrs");
        assert_eq!(
            settings.resource_attributes,
            [
                ("team".into(), "ai platform".into()),
                ("region".into(), "cn".into())
            ]
        );
        let named = with(&[
            ("OTEL_RESOURCE_ATTRIBUTES", "service.name=from-attrs"),
            ("OTEL_SERVICE_NAME", "from-env"),
        ])?;
        assert_eq!(named.service_name, "from-env");
        Ok(())
    }

    #[test]
    fn the_environment_names_the_service_over_a_file_attribute() -> Result<()> {
        let mut file = file_settings();
        file.resource_attributes
            .push(("service.name".into(), "file-attr".into()));
        let vars = |name: &str| (name == "OTEL_SERVICE_NAME").then(|| "from-env".to_string());
        let settings = apply(file.clone(), vars)?;
        assert_eq!(settings.service_name, "from-env");
        assert!(
            settings
                .resource_attributes
                .iter()
                .all(|(k, _)| k != "service.name")
        );
        assert_eq!(apply(file, |_| None)?.service_name, "file-attr");
        Ok(())
    }

    #[test]
    fn bad_values_name_the_variable() {
        for (vars, needle) in [
            (
                ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"),
                "OTEL_EXPORTER_OTLP_PROTOCOL",
            ),
            (
                ("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4318"),
                "OTEL_EXPORTER_OTLP_ENDPOINT",
            ),
            (
                ("OTEL_RESOURCE_ATTRIBUTES", "team"),
                "OTEL_RESOURCE_ATTRIBUTES",
            ),
        ] {
            let message = with(&[vars])
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(message.contains(needle), "{vars:?}: {message}");
        }
    }
}
