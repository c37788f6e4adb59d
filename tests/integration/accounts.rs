//! Users, roles and gateway tokens over real HTTP: the permission matrix, the token
//! lifecycle, grants, disabling, lockout, and what is (not) stored.

use std::time::Duration;

use serde_json::{Value, json};

use crate::common::{ADMIN_PASSWORD, MockUpstream, TestApp, TestResult, table_text};

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
async fn token_lifecycle() -> TestResult {
    let mock = MockUpstream::start(&[], &[])?;
    let app = TestApp::start().await?;
    let admin = app.admin().await?;
    app.add_provider(&admin, "p", &mock.base, "sk-provider-123456789")
        .await?;
    app.send(
        "POST",
        "/models/p/cache",
        Some(&admin),
        Some(json!({"ids": ["m1"]})),
    )
    .await?;
    let (_, alice) = app.new_user(&admin, "alice", &["p/*"]).await?;

    let (status, created) = app
        .send(
            "POST",
            "/tokens",
            Some(&alice),
            Some(json!({"name": "laptop"})),
        )
        .await?;
    assert_eq!(status, 201, "{created}");
    let key = created["key"].as_str().unwrap_or_default().to_string();
    assert!(key.starts_with("sk-") && key.len() == 51, "{key}");
    assert!(key[3..].chars().all(|c| c.is_ascii_alphanumeric()));
    let id = created["token"]["id"].as_i64().unwrap_or_default();
    assert_eq!(created["token"]["status"], "enabled");
    assert!(
        created["token"]["key_prefix"]
            .as_str()
            .is_some_and(|p| key.starts_with(&p[..8]))
    );

    // Both header styles work.
    let (status, models) = app.send("GET", "/v1/models", Some(&key), None).await?;
    assert_eq!(
        (status, models["data"][0]["id"].as_str()),
        (200, Some("p/m1"))
    );
    let response = app
        .http
        .get(app.url("/v1/models"))
        .header("x-api-key", &key)
        .send()
        .await?;
    assert_eq!(response.status(), 200);

    // The full key is never listed again.
    let (_, listed) = app.send("GET", "/tokens", Some(&alice), None).await?;
    assert!(!listed.to_string().contains(&key));

    let expect_401 = |message: &'static str, key: String| {
        let app = &app;
        async move {
            let (status, body) = app.send("GET", "/v1/models", Some(&key), None).await?;
            assert_eq!(status, 401, "{body}");
            assert_eq!(body["error"]["message"], message);
            TestResult::Ok(())
        }
    };
    let (status, body) = app.send("GET", "/v1/models", None, None).await?;
    assert_eq!(status, 401);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .starts_with("missing API key")
    );
    expect_401("invalid API key", format!("sk-{}", "x".repeat(48))).await?;

    let disable = json!({"name": "laptop", "status": "disabled"});
    let (status, body) = app
        .send("PUT", &format!("/tokens/{id}"), Some(&alice), Some(disable))
        .await?;
    assert_eq!((status, body["status"].as_str()), (200, Some("disabled")));
    expect_401("this API key is disabled", key.clone()).await?;
    app.send(
        "PUT",
        &format!("/tokens/{id}"),
        Some(&alice),
        Some(json!({"name": "laptop"})),
    )
    .await?;
    let (status, _) = app.send("GET", "/v1/models", Some(&key), None).await?;
    assert_eq!(status, 200, "enabled again");

    // Regenerate: the old key stops, the new one works.
    let (status, regenerated) = app
        .send(
            "POST",
            &format!("/tokens/{id}/regenerate"),
            Some(&alice),
            None,
        )
        .await?;
    assert_eq!(status, 200);
    let new_key = regenerated["key"].as_str().unwrap_or_default().to_string();
    assert_ne!(new_key, key);
    expect_401("invalid API key", key.clone()).await?;
    let (status, _) = app.send("GET", "/v1/models", Some(&new_key), None).await?;
    assert_eq!(status, 200);

    // Expiry one second away.
    let soon = app
        .server
        .state
        .clock
        .format_ms(gateway::clock::Clock::now_ms() + 2000);
    let expiring = app
        .new_token(&alice, json!({"name": "short", "expires_at": soon}))
        .await?;
    let (status, _) = app.send("GET", "/v1/models", Some(&expiring), None).await?;
    assert_eq!(status, 200, "not yet expired");
    tokio::time::sleep(Duration::from_millis(2100)).await;
    expect_401("this API key has expired", expiring.clone()).await?;
    let (_, listed) = app.send("GET", "/tokens", Some(&alice), None).await?;
    let statuses: Vec<&str> = listed
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t["status"].as_str())
        .collect();
    assert!(statuses.contains(&"expired"), "{statuses:?}");

    let (status, _) = app
        .send("DELETE", &format!("/tokens/{id}"), Some(&alice), None)
        .await?;
    assert_eq!(status, 200);
    expect_401("invalid API key", new_key).await?;

    // Last-used times are written in the background within about a second.
    let keep = app.new_token(&alice, json!({"name": "used"})).await?;
    app.send("GET", "/v1/models", Some(&keep), None).await?;
    let mut last_used = Value::Null;
    for _ in 0..40 {
        let (_, listed) = app.send("GET", "/tokens", Some(&alice), None).await?;
        last_used = listed
            .as_array()
            .into_iter()
            .flatten()
            .find(|t| t["name"] == "used")
            .map(|t| t["last_used_at"].clone())
            .unwrap_or_default();
        if last_used.is_string() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        last_used.as_str().is_some_and(|t| t.len() == 19),
        "{last_used}"
    );
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

#[tokio::test]
async fn model_grants_narrow_what_a_token_sees() -> TestResult {
    let app = TestApp::start().await?;
    let admin = app.admin().await?;
    for provider in ["openai", "deepseek"] {
        app.add_provider(
            &admin,
            provider,
            "http://127.0.0.1:9",
            "sk-provider-123456789",
        )
        .await?;
        app.send(
            "POST",
            &format!("/models/{provider}/cache"),
            Some(&admin),
            Some(json!({"ids": ["a", "b"]})),
        )
        .await?;
    }
    let ids = |v: &Value| -> Vec<String> {
        v["data"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|m| m["id"].as_str().map(String::from))
            .collect()
    };

    let (_, carol) = app
        .new_user(&admin, "carol", &["openai/*", "deepseek/a"])
        .await?;
    let all = app.new_token(&carol, json!({})).await?;
    let (_, listed) = app.send("GET", "/v1/models", Some(&all), None).await?;
    assert_eq!(ids(&listed), ["deepseek/a", "openai/a", "openai/b"]);

    let narrow = app
        .new_token(&carol, json!({"models": ["openai/b"]}))
        .await?;
    let (_, listed) = app.send("GET", "/v1/models", Some(&narrow), None).await?;
    assert_eq!(ids(&listed), ["openai/b"]);

    let (status, body) = app
        .send(
            "POST",
            "/tokens",
            Some(&carol),
            Some(json!({"name": "x", "models": ["deepseek/*"]})),
        )
        .await?;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["param"], "models");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("deepseek/*")
    );

    let (_, nobody) = app.new_user(&admin, "dave", &[]).await?;
    let nothing = app.new_token(&nobody, json!({})).await?;
    let (_, listed) = app.send("GET", "/v1/models", Some(&nothing), None).await?;
    assert!(ids(&listed).is_empty(), "empty grants mean no models");
    Ok(())
}

#[tokio::test]
async fn login_lockout_after_five_failures() -> TestResult {
    let app = TestApp::start().await?;
    let wrong = json!({"username": "admin", "password": "wrong"});
    for attempt in 1..=5 {
        let (status, _) = app
            .send("POST", "/auth/login", None, Some(wrong.clone()))
            .await?;
        assert_eq!(status, 401, "attempt {attempt}");
    }
    let right = json!({"username": "admin", "password": ADMIN_PASSWORD});
    let (status, body) = app.send("POST", "/auth/login", None, Some(right)).await?;
    assert_eq!(status, 429, "locked even with the right password: {body}");
    assert_eq!(body["error"]["type"], "rate_limit_error");
    // Other usernames are not affected.
    let (status, _) = app
        .send(
            "POST",
            "/auth/login",
            None,
            Some(json!({"username": "eve", "password": "x"})),
        )
        .await?;
    assert_eq!(status, 401);
    Ok(())
}

#[tokio::test]
async fn last_admin_is_protected_and_users_manage_only_themselves() -> TestResult {
    let app = TestApp::start().await?;
    let admin = app.admin().await?;
    let (_, me) = app.send("GET", "/me", Some(&admin), None).await?;
    let admin_id = me["id"].as_i64().unwrap_or_default();
    let demote = json!({"username": "admin", "role": "user", "enabled": true, "models": ["*"]});
    let disable = json!({"username": "admin", "role": "admin", "enabled": false, "models": ["*"]});
    for body in [demote, disable] {
        let (status, answer) = app
            .send(
                "PUT",
                &format!("/users/{admin_id}"),
                Some(&admin),
                Some(body),
            )
            .await?;
        assert_eq!(status, 409, "{answer}");
    }
    let (status, _) = app
        .send("DELETE", &format!("/users/{admin_id}"), Some(&admin), None)
        .await?;
    assert_eq!(status, 409);

    let (status, _) = app
        .send(
            "POST",
            "/users",
            Some(&admin),
            Some(json!({"username": "admin", "password": "12345678"})),
        )
        .await?;
    assert_eq!(status, 409, "username unique");

    let (frank_id, frank) = app.new_user(&admin, "frank", &[]).await?;
    // A user cannot change role, enabled or grants: the endpoint is admin-only.
    let promote = json!({"username": "frank", "role": "admin", "enabled": true, "models": ["*"]});
    let (status, _) = app
        .send(
            "PUT",
            &format!("/users/{frank_id}"),
            Some(&frank),
            Some(promote),
        )
        .await?;
    assert_eq!(status, 403);
    let (status, body) = app
        .send(
            "PUT",
            "/me/password",
            Some(&frank),
            Some(json!({"old_password": "nope", "new_password": "new-password-1"})),
        )
        .await?;
    assert_eq!(
        (status, body["error"]["param"].as_str()),
        (400, Some("old_password"))
    );
    let (status, _) = app
        .send(
            "PUT",
            "/me/password",
            Some(&frank),
            Some(json!({"old_password": "frank-password", "new_password": "new-password-1"})),
        )
        .await?;
    assert_eq!(status, 204);
    app.login("frank", "new-password-1").await?;
    let (_, me) = app.send("GET", "/me", Some(&frank), None).await?;
    assert_eq!(
        (me["username"].as_str(), me["role"].as_str()),
        (Some("frank"), Some("user"))
    );
    Ok(())
}

#[tokio::test]
async fn no_full_key_or_password_is_stored_or_logged() -> TestResult {
    let app = TestApp::start().await?;
    let admin = app.admin().await?;
    let (_, grace) = app.new_user(&admin, "grace", &["*"]).await?;
    let key = app.new_token(&grace, json!({"name": "k"})).await?;
    app.send("GET", "/v1/models", Some(&key), None).await?;
    app.send(
        "PUT",
        "/me/password",
        Some(&grace),
        Some(json!({"old_password": "grace-password", "new_password": "grace-new-password"})),
    )
    .await?;
    app.wait_logs(&admin, 1, |r| r["request_type"] == "models_list")
        .await?;
    let stored = table_text(
        &app.db.url,
        &["users", "tokens", "sessions", "audit_log", "request_logs"],
    )
    .await?;
    for secret in [
        key.as_str(),
        "grace-password",
        "grace-new-password",
        ADMIN_PASSWORD,
        grace.as_str(),
    ] {
        assert!(!stored.contains(secret), "`{secret}` found in the database");
    }
    let rows = app
        .wait_logs(&admin, 1, |r| r["request_type"] == "models_list")
        .await?;
    assert_eq!(rows[0]["token_name"], "k");
    assert_eq!(rows[0]["user_name"], "grace");
    // Grace sees only her own log rows.
    let (_, own) = app
        .send("GET", "/logs?limit=500", Some(&grace), None)
        .await?;
    let names: Vec<&str> = own["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["user_name"].as_str())
        .collect();
    assert!(
        own["items"]
            .as_array()
            .into_iter()
            .flatten()
            .all(|r| r["provider_key"].is_null()),
        "users never see provider keys: {own}"
    );
    assert!(
        !names.is_empty() && names.iter().all(|n| *n == "grace"),
        "{names:?}"
    );
    Ok(())
}
