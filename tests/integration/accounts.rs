//! Users and roles over real HTTP: the permission matrix and disabling a user.

use serde_json::{Value, json};

use crate::common::{TestApp, TestResult};

#[tokio::test]
async fn permission_matrix() -> TestResult {
    let app = TestApp::start().await?;
    let admin = app.admin().await?;
    let (user_id, user) = app.new_user(&admin, "alice", &["*"]).await?;
    let (status, body) = app
        .send(
            "POST",
            "/tokens",
            Some(&admin),
            Some(json!({"name": "admin-token"})),
        )
        .await?;
    assert_eq!(status, 201, "{body}");
    let admin_token = body["token"]["id"].as_i64().unwrap_or_default();
    app.add_provider(&admin, "p", "http://127.0.0.1:9", "sk-provider-123456789")
        .await?;

    let provider = json!({"name": "p2", "api_type": "openai", "base_url": "http://a"});
    let new_user = json!({"username": "bob", "password": "bob-password"});
    let user_update =
        json!({"username": "alice", "role": "user", "enabled": true, "models": ["*"]});
    let token = json!({"name": "t"});
    // (method, path, body, anonymous, as user, as admin)
    let matrix: Vec<(&str, String, Value, u16, u16, u16)> = vec![
        ("GET", "/providers".into(), Value::Null, 401, 403, 200),
        ("POST", "/providers".into(), provider.clone(), 401, 403, 201),
        ("GET", "/providers/p".into(), Value::Null, 401, 403, 200),
        (
            "PUT",
            "/providers/p".into(),
            json!({"name": "p", "api_type": "openai", "base_url": "http://b"}),
            401,
            403,
            200,
        ),
        (
            "GET",
            "/providers/p/keys".into(),
            Value::Null,
            401,
            403,
            200,
        ),
        (
            "POST",
            "/providers/p/keys".into(),
            json!({"key": "sk-another-key-1234"}),
            401,
            403,
            201,
        ),
        (
            "DELETE",
            "/providers/p/keys/999".into(),
            Value::Null,
            401,
            403,
            404,
        ),
        (
            "POST",
            "/models/p/cache".into(),
            json!({"ids": ["m"]}),
            401,
            403,
            200,
        ),
        (
            "DELETE",
            "/models/p/cache".into(),
            json!({"ids": ["m"]}),
            401,
            403,
            200,
        ),
        ("GET", "/models/p".into(), Value::Null, 401, 403, 502),
        (
            "PUT",
            "/models/p/cache".into(),
            json!({"exclude": []}),
            401,
            403,
            502,
        ),
        ("GET", "/audit".into(), Value::Null, 401, 403, 200),
        ("GET", "/users".into(), Value::Null, 401, 403, 200),
        ("POST", "/users".into(), new_user, 401, 403, 201),
        (
            "GET",
            format!("/users/{user_id}"),
            Value::Null,
            401,
            403,
            200,
        ),
        (
            "PUT",
            format!("/users/{user_id}"),
            user_update,
            401,
            403,
            200,
        ),
        ("GET", "/me".into(), Value::Null, 401, 200, 200),
        ("GET", "/logs".into(), Value::Null, 401, 200, 200),
        ("GET", "/tokens".into(), Value::Null, 401, 200, 200),
        ("POST", "/tokens".into(), token.clone(), 401, 201, 201),
        (
            "GET",
            format!("/tokens/{admin_token}"),
            Value::Null,
            401,
            404,
            200,
        ),
        (
            "PUT",
            format!("/tokens/{admin_token}"),
            token.clone(),
            401,
            404,
            200,
        ),
        (
            "POST",
            format!("/tokens/{admin_token}/regenerate"),
            Value::Null,
            401,
            404,
            200,
        ),
        ("DELETE", "/providers/p2".into(), Value::Null, 401, 403, 200),
        (
            "DELETE",
            format!("/tokens/{admin_token}"),
            Value::Null,
            401,
            404,
            200,
        ),
        ("DELETE", "/users/999".into(), Value::Null, 401, 403, 404),
        ("GET", "/v1/models".into(), Value::Null, 401, 401, 401),
    ];
    for (method, path, body, anonymous, as_user, as_admin) in matrix {
        let body = (!body.is_null()).then_some(body);
        for (who, token, expected) in [
            ("anonymous", None, anonymous),
            ("user", Some(user.as_str()), as_user),
            ("admin", Some(admin.as_str()), as_admin),
        ] {
            let (status, answer) = app.send(method, &path, token, body.clone()).await?;
            assert_eq!(status, expected, "{method} {path} as {who}: {answer}");
            if status >= 400 {
                assert!(
                    answer["error"]["message"].is_string(),
                    "{method} {path} as {who}: {answer}"
                );
            }
        }
    }
    Ok(())
}

#[tokio::test]
async fn disabling_a_user_stops_sessions_and_tokens() -> TestResult {
    let app = TestApp::start().await?;
    let admin = app.admin().await?;
    let (id, bob) = app.new_user(&admin, "bob", &["*"]).await?;
    let key = app.new_token(&bob, json!({})).await?;
    let (status, _) = app.send("GET", "/v1/models", Some(&key), None).await?;
    assert_eq!(status, 200);
    let update = json!({"username": "bob", "role": "user", "enabled": false, "models": ["*"]});
    let (status, body) = app
        .send("PUT", &format!("/users/{id}"), Some(&admin), Some(update))
        .await?;
    assert_eq!(status, 200, "{body}");
    let (status, body) = app.send("GET", "/v1/models", Some(&key), None).await?;
    assert_eq!(
        (status, body["error"]["message"].as_str()),
        (401, Some("the owner of this API key is disabled"))
    );
    let (status, _) = app.send("GET", "/me", Some(&bob), None).await?;
    assert_eq!(status, 401, "session ended");
    let (status, _) = app
        .send(
            "POST",
            "/auth/login",
            None,
            Some(json!({"username": "bob", "password": "bob-password"})),
        )
        .await?;
    assert_eq!(status, 401, "a disabled user cannot log in");
    Ok(())
}
