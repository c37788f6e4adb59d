//! Every failure answers with the OpenAI error JSON: bad bodies name the field,
//! unknown routes 404, wrong methods 405, oversized bodies 413.

use serde_json::{Value, json};

use crate::common::{TestApp, TestResult};

async fn raw(
    app: &TestApp,
    method: &str,
    path: &str,
    token: &str,
    body: &str,
) -> TestResult<(u16, Value, String)> {
    let response = app
        .http
        .request(
            reqwest::Method::from_bytes(method.as_bytes())?,
            app.url(path),
        )
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await?;
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let value: Value = serde_json::from_slice(&response.bytes().await?)?;
    Ok((status, value, content_type))
}

#[tokio::test]
async fn bad_bodies_give_json_400_naming_the_field() -> TestResult {
    let app = TestApp::start().await?;
    let admin = app.admin().await?;
    let cases = [
        (
            r#"{"name": "p", "api_type": "openai""#,
            None,
            "not valid JSON",
        ),
        ("", None, "empty"),
        (
            r#"{"api_type": "openai", "base_url": "http://a"}"#,
            Some("name"),
            "name",
        ),
        (
            r#"{"name": "p", "api_type": "openai", "base_url": "http://a", "priority": "high"}"#,
            Some("priority"),
            "priority",
        ),
        (
            r#"{"name": "p", "api_type": "grpc", "base_url": "http://a"}"#,
            Some("api_type"),
            "api_type",
        ),
        (
            r#"{"name": "p", "api_type": "openai", "base_url": 5}"#,
            Some("base_url"),
            "base_url",
        ),
        (
            r#"{"name": "a/b", "api_type": "openai", "base_url": "http://a"}"#,
            None,
            "name",
        ),
        (
            r#"{"name": "p", "api_type": "openai", "base_url": "ftp://a"}"#,
            Some("base_url"),
            "http",
        ),
        (r#"[1, 2]"#, None, "invalid request body"),
    ];
    for (body, param, needle) in cases {
        let (status, value, content_type) = raw(&app, "POST", "/providers", &admin, body).await?;
        assert_eq!(status, 400, "{body}: {value}");
        assert!(
            content_type.starts_with("application/json"),
            "{content_type}"
        );
        assert_eq!(value["error"]["type"], "invalid_request_error", "{body}");
        let message = value["error"]["message"].as_str().unwrap_or_default();
        assert!(
            message.contains(needle),
            "{body}: message `{message}` should mention `{needle}`"
        );
        if let Some(param) = param {
            assert_eq!(value["error"]["param"], param, "{body}");
        }
    }
    let (status, value, _) = raw(
        &app,
        "POST",
        "/models/p/cache",
        &admin,
        r#"{"ids": "gpt-4o"}"#,
    )
    .await?;
    assert_eq!(
        (status, value["error"]["param"].as_str()),
        (400, Some("ids")),
        "{value}"
    );
    Ok(())
}

#[tokio::test]
async fn unknown_route_wrong_method_and_too_large() -> TestResult {
    let app = TestApp::start_with(&[("server", "max_body_bytes = 1024")]).await?;
    let admin = app.admin().await?;
    let (status, value, content_type) = raw(&app, "GET", "/no/such/route", &admin, "").await?;
    assert_eq!(
        (status, value["error"]["type"].as_str()),
        (404, Some("not_found_error"))
    );
    assert!(content_type.starts_with("application/json"));
    let (status, value, _) = raw(&app, "PATCH", "/providers", &admin, "{}").await?;
    assert_eq!(status, 405, "{value}");
    assert!(value["error"]["message"].is_string());
    let big =
        json!({"name": "p", "api_type": "openai", "base_url": "http://a", "pad": "x".repeat(4096)});
    let (status, value, _) = raw(&app, "POST", "/providers", &admin, &big.to_string()).await?;
    assert_eq!(status, 413, "{value}");
    assert_eq!(value["error"]["type"], "invalid_request_error");
    Ok(())
}

#[tokio::test]
async fn every_response_has_a_request_id() -> TestResult {
    let app = TestApp::start().await?;
    for path in ["/providers", "/nope", "/auth/login"] {
        let response = app.http.get(app.url(path)).send().await?;
        let id = response
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        assert_eq!(id.len(), 24, "{path}");
    }
    Ok(())
}
