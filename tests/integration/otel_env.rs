//! The standard `OTEL_*` variables win over `[telemetry]` in the settings file: the
//! gateway binary, configured to export to a dead endpoint, sends its spans where
//! `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (or the generic endpoint plus `/v1/traces`)
//! says, named and described by `OTEL_SERVICE_NAME` and `OTEL_RESOURCE_ATTRIBUTES`.

use serde_json::json;

use crate::common::{ADMIN_PASSWORD, TestResult};
use crate::telemetry_harness::{
    Gateway, Resources, call, gateway_with, receiver_with_resources, wait_for,
};

/// A closed local port: nothing the file names can receive spans.
fn dead_endpoint() -> TestResult<String> {
    let closed = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?;
    Ok(format!("http://{closed}/v1/traces"))
}

fn resource(resources: &Resources) -> Vec<(String, String)> {
    resources
        .lock()
        .map(|all| all.first().cloned().unwrap_or_default())
        .unwrap_or_default()
}

/// Starts the gateway with `env` and logs in once; the gateway runs until dropped.
async fn traced_login(env: &[(&str, &str)]) -> TestResult<Gateway> {
    let gw = gateway_with(&dead_endpoint()?, env).await?;
    let http = reqwest::Client::new();
    let body = json!({"username": "admin", "password": ADMIN_PASSWORD});
    let (status, _, text) = call(
        &http,
        reqwest::Method::POST,
        format!("{}/auth/login", gw.base),
        "",
        Some(body),
    )
    .await?;
    assert_eq!(status, 200, "{text}");
    Ok(gw)
}

#[tokio::test]
async fn traces_endpoint_service_name_and_resource_attributes_from_the_environment() -> TestResult {
    let (endpoint, spans, resources) = receiver_with_resources().await?;
    let env = [
        ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", endpoint.as_str()),
        ("OTEL_SERVICE_NAME", "gateway-from-env"),
        (
            "OTEL_RESOURCE_ATTRIBUTES",
            "deployment.environment=staging,team=ai%20platform",
        ),
    ];
    let _gw = traced_login(&env).await?;
    let got = wait_for(&spans, |s| s.iter().any(|s| s.name == "POST /auth/login")).await?;
    assert!(!got.is_empty());
    let attributes = resource(&resources);
    let value = |key: &str| {
        attributes
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    };
    assert_eq!(
        value("service.name").as_deref(),
        Some("gateway-from-env"),
        "{attributes:?}"
    );
    assert_eq!(value("deployment.environment").as_deref(), Some("staging"));
    assert_eq!(value("team").as_deref(), Some("ai platform"));
    Ok(())
}

#[tokio::test]
async fn generic_endpoint_gets_the_traces_path() -> TestResult {
    let (endpoint, spans, resources) = receiver_with_resources().await?;
    let base = endpoint.trim_end_matches("/v1/traces").to_string();
    let env = [
        ("OTEL_EXPORTER_OTLP_ENDPOINT", base.as_str()),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"),
    ];
    let _gw = traced_login(&env).await?;
    wait_for(&spans, |s| s.iter().any(|s| s.name == "POST /auth/login")).await?;
    let attributes = resource(&resources);
    assert!(
        attributes.contains(&("service.name".into(), "gateway-test".into())),
        "{attributes:?}"
    );
    Ok(())
}
