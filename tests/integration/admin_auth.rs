//! Admin login: sessions, 401 without or with a bad session, logout revokes.

use serde_json::json;

use crate::common::{TestApp, TestResult};

#[tokio::test]
async fn admin_endpoints_need_a_session() -> TestResult {
    let app = TestApp::start().await?;
    for (method, path) in [
        ("GET", "/providers"),
        ("POST", "/providers"),
        ("GET", "/providers/x"),
        ("PUT", "/providers/x"),
        ("DELETE", "/providers/x"),
        ("POST", "/providers/x/keys"),
        ("GET", "/providers/x/keys"),
        ("DELETE", "/providers/x/keys/1"),
        ("GET", "/models/x"),
        ("POST", "/models/x/cache"),
        ("PUT", "/models/x/cache"),
        ("DELETE", "/models/x/cache"),
        ("GET", "/audit"),
        ("GET", "/logs"),
        ("GET", "/v1/models"),
        ("POST", "/auth/logout"),
    ] {
        let (status, body) = app.send(method, path, None, Some(json!({}))).await?;
        assert_eq!(status, 401, "{method} {path} without a session: {body}");
        assert_eq!(
            body["error"]["type"], "authentication_error",
            "{method} {path}"
        );
        let (status, _) = app
            .send(method, path, Some("sess-forged"), Some(json!({})))
            .await?;
        assert_eq!(status, 401, "{method} {path} with a forged session");
    }
    Ok(())
}

#[tokio::test]
async fn login_logout() -> TestResult {
    let app = TestApp::start().await?;
    let (status, body) = app
        .send(
            "POST",
            "/auth/login",
            None,
            Some(json!({"username": "admin", "password": "wrong"})),
        )
        .await?;
    assert_eq!(status, 401);
    assert_eq!(body["error"]["message"], "invalid username or password");
    let (status, unknown) = app
        .send(
            "POST",
            "/auth/login",
            None,
            Some(json!({"username": "nobody", "password": "wrong"})),
        )
        .await?;
    assert_eq!(
        (status, &unknown),
        (401, &body),
        "unknown user looks the same"
    );

    let (status, session) = app
        .send(
            "POST",
            "/auth/login",
            None,
            Some(json!({"username": "admin", "password": crate::common::ADMIN_PASSWORD})),
        )
        .await?;
    assert_eq!(status, 200);
    assert_eq!(session["token_type"], "Bearer");
    assert_eq!(session["role"], "admin");
    let token = session["token"].as_str().unwrap_or_default();
    let (status, _) = app.send("GET", "/providers", Some(token), None).await?;
    assert_eq!(status, 200);
    let (status, _) = app.send("POST", "/auth/logout", Some(token), None).await?;
    assert_eq!(status, 204);
    let (status, _) = app.send("GET", "/providers", Some(token), None).await?;
    assert_eq!(status, 401, "revoked session");
    // The session token is stored only as a hash.
    let stored = crate::common::table_text(&app.db.url, &["sessions", "users"]).await?;
    assert!(!stored.contains(token));
    assert!(!stored.contains(crate::common::ADMIN_PASSWORD));
    Ok(())
}
