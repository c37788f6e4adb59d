//! The admin API's input contract: request bodies with unknown fields or wrong types
//! are 400 naming the field (nothing is stored), empty query parameters count as absent,
//! and unparsable ones are 400 naming the parameter, all in the OpenAI error shape.

use serde_json::{Value, json};

use crate::common::{TestApp, TestResult};

/// Asserts a 400 `invalid_request_error` whose `param` is `param` and whose message
/// contains each of `needles`.
fn assert_bad(what: &str, status: u16, body: &Value, param: &str, needles: &[&str]) {
    assert_eq!(status, 400, "{what}: {body}");
    assert_eq!(
        body["error"]["type"], "invalid_request_error",
        "{what}: {body}"
    );
    assert_eq!(body["error"]["param"], param, "{what}: {body}");
    let message = body["error"]["message"].as_str().unwrap_or_default();
    for needle in needles {
        assert!(
            message.contains(needle),
            "{what}: `{message}` lacks `{needle}`"
        );
    }
}

#[tokio::test]
async fn a_price_with_misspelled_fields_is_refused_not_stored_as_free() -> TestResult {
    let app = TestApp::start().await?;
    let admin = app.admin().await?;
    let (status, body) = app
        .send(
            "POST",
            "/prices",
            Some(&admin),
            Some(json!({"model": "p/*", "input": 5_000_000, "output": 15_000_000})),
        )
        .await?;
    assert_bad(
        "price",
        status,
        &body,
        "input",
        &["unknown field `input`", "input_price"],
    );
    let (status, prices) = app.send("GET", "/prices", Some(&admin), None).await?;
    assert_eq!(status, 200);
    assert_eq!(prices, json!([]), "nothing was stored");
    Ok(())
}

#[tokio::test]
async fn every_request_body_rejects_unknown_fields() -> TestResult {
    let app = TestApp::start().await?;
    let admin = app.admin().await?;
    let (user_id, _) = app.new_user(&admin, "bob", &[]).await?;
    app.add_provider(&admin, "p", "http://127.0.0.1:9", "sk-test-key-1234")
        .await?;
    let (_, price) = app
        .send(
            "POST",
            "/prices",
            Some(&admin),
            Some(json!({"model": "p/*", "free": true})),
        )
        .await?;
    let (_, token) = app
        .send("POST", "/tokens", Some(&admin), Some(json!({"name": "t"})))
        .await?;
    let provider = json!({"name": "p", "api_type": "openai", "base_url": "http://127.0.0.1:9"});
    let cases = [
        (
            "POST",
            "/auth/login".to_string(),
            json!({"username": "admin", "password": "x"}),
        ),
        (
            "POST",
            "/users".into(),
            json!({"username": "carol", "password": "carol-password"}),
        ),
        (
            "PUT",
            format!("/users/{user_id}"),
            json!({"role": "user", "enabled": true, "models": []}),
        ),
        (
            "PUT",
            "/me/password".into(),
            json!({"old_password": "a", "new_password": "bbbbbbbb"}),
        ),
        (
            "POST",
            format!("/users/{user_id}/balance"),
            json!({"amount": 1, "reason": "r"}),
        ),
        ("POST", "/providers".into(), provider.clone()),
        ("PUT", "/providers/p".into(), provider),
        (
            "POST",
            "/providers/p/keys".into(),
            json!({"key": "sk-another-key-5678"}),
        ),
        ("POST", "/models/p/cache".into(), json!({"ids": ["m"]})),
        ("DELETE", "/models/p/cache".into(), json!({"ids": ["m"]})),
        ("PUT", "/models/p/cache".into(), json!({"exclude": []})),
        (
            "POST",
            "/prices".into(),
            json!({"model": "q/*", "free": true}),
        ),
        (
            "PUT",
            format!("/prices/{}", price["id"]),
            json!({"model": "p/*", "free": true}),
        ),
        ("POST", "/tokens".into(), json!({"name": "u"})),
        (
            "PUT",
            format!("/tokens/{}", token["token"]["id"]),
            json!({"name": "t"}),
        ),
    ];
    for (method, path, mut body) in cases {
        body["colour"] = json!("blue");
        let (status, answer) = app.send(method, &path, Some(&admin), Some(body)).await?;
        let what = format!("{method} {path}");
        assert_bad(
            &what,
            status,
            &answer,
            "colour",
            &["unknown field `colour`"],
        );
    }
    let (_, providers) = app.send("GET", "/providers", Some(&admin), None).await?;
    assert_eq!(providers.as_array().map(Vec::len), Some(1), "{providers}");
    Ok(())
}

#[tokio::test]
async fn wrong_types_are_400_naming_the_field() -> TestResult {
    let app = TestApp::start().await?;
    let admin = app.admin().await?;
    let (user_id, _) = app.new_user(&admin, "bob", &[]).await?;
    let balance = format!("/users/{user_id}/balance");
    let cases = [
        (
            balance.as_str(),
            json!({"amount": 5, "reason": 12}),
            "reason",
            "a string",
        ),
        (
            balance.as_str(),
            json!({"amount": "5", "reason": "r"}),
            "amount",
            "i64",
        ),
        (
            "/tokens",
            json!({"name": "t", "quota_limit": "lots"}),
            "quota_limit",
            "i64",
        ),
        ("/tokens", json!({"name": ["t"]}), "name", "a string"),
        (
            "/prices",
            json!({"model": "m", "free": "yes"}),
            "free",
            "a boolean",
        ),
    ];
    for (path, body, field, expected) in cases {
        let what = format!("POST {path} {body}");
        let (status, answer) = app.send("POST", path, Some(&admin), Some(body)).await?;
        assert_bad(
            &what,
            status,
            &answer,
            field,
            &["invalid type", expected, field],
        );
    }
    Ok(())
}

#[tokio::test]
async fn empty_query_parameters_count_as_absent() -> TestResult {
    let app = TestApp::start().await?;
    let admin = app.admin().await?;
    app.add_provider(&admin, "p", "http://127.0.0.1:9", "sk-test-key-1234")
        .await?;
    app.wait_logs(&admin, 1, |row| row["request_type"] == "provider_create")
        .await?;
    let lists = [
        (
            "/logs",
            "from=&to=&user_id=&token_id=&provider=&model=&request_type=&status=&errors_only=&before_id=&limit=",
        ),
        ("/audit", "action=&target=&from=&to=&before_id=&limit="),
        ("/usage", "from=&to=&period=&group_by=&user_id="),
        ("/tokens", "user_id="),
        ("/providers/p/keys", "reveal="),
    ];
    for (path, empty) in lists {
        let (status, plain) = app.send("GET", path, Some(&admin), None).await?;
        assert_eq!(status, 200, "{path}: {plain}");
        let (status, with_empty) = app
            .send("GET", &format!("{path}?{empty}"), Some(&admin), None)
            .await?;
        assert_eq!(status, 200, "{path}?{empty}: {with_empty}");
        match path {
            // Each call adds a log row of its own: the empty filters must not hide any.
            "/logs" => {
                let count = |page: &Value| page["items"].as_array().map_or(0, Vec::len);
                assert!(count(&with_empty) >= count(&plain), "{with_empty}");
            }
            // `to` defaults to now.
            "/usage" => assert_eq!(with_empty["rows"], plain["rows"], "{path}"),
            _ => assert_eq!(with_empty, plain, "{path}"),
        }
    }
    // The log row keeps the path as the client sent it.
    let rows = app
        .wait_logs(&admin, 1, |row| row["path"] == "/tokens?user_id=")
        .await?;
    assert_eq!(rows[0]["status"], 200);
    Ok(())
}

#[tokio::test]
async fn unparsable_query_parameters_are_400_naming_them() -> TestResult {
    let app = TestApp::start().await?;
    let admin = app.admin().await?;
    let cases = [
        ("/logs?user_id=abc", "user_id", "integer"),
        ("/logs?errors_only=maybe", "errors_only", "boolean"),
        ("/logs?from=yesterday", "from", "2025-09-26 15:10:50"),
        ("/logs?status=6xx", "status", "2xx"),
        ("/usage?period=week", "period", "period"),
        ("/audit?limit=ten", "limit", "integer"),
    ];
    for (path, param, needle) in cases {
        let (status, body) = app.send("GET", path, Some(&admin), None).await?;
        assert_bad(path, status, &body, param, &[param, needle]);
    }
    let (status, body) = app.send("GET", "/users/abc", Some(&admin), None).await?;
    assert_eq!(status, 400, "{body}");
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("path parameter") && message.contains("integer"),
        "{body}"
    );
    Ok(())
}
