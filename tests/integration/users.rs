//! Users over real HTTP: login lockout, the last admin, self-management, and that no
//! full key or password is stored or logged.

use serde_json::json;

use crate::common::{ADMIN_PASSWORD, TestApp, TestResult, table_text};

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
