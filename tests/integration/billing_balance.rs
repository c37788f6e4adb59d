//! Balance and quota transitions, token expiry, and charges surviving a restart.

use std::time::Duration;

use serde_json::json;

use crate::billing_fixture::{Billing, chat_body};
use crate::common::TestResult;

#[tokio::test]
async fn balance_quota_and_expiry_transitions() -> TestResult {
    // Zero balance: 402 with its own message; a top-up brings the user back at once.
    let b = Billing::start(0, json!({"name": "t"})).await?;
    let (status, _, text) = b.chat(chat_body(json!({}))).await?;
    assert_eq!(status, 402, "{text}");
    assert!(text.contains("insufficient balance"), "{text}");
    let (status, body) = b
        .app
        .send(
            "POST",
            &format!("/users/{}/balance", b.user_id),
            Some(&b.admin),
            Some(json!({"amount": 40, "reason": "welcome"})),
        )
        .await?;
    assert_eq!((status, body["balance"].as_i64()), (200, Some(40)));
    let (status, _, _) = b.chat(chat_body(json!({}))).await?;
    assert_eq!(status, 200);
    // The balance is now below zero or near it; it runs out within a request or two.
    let mut last = 200;
    for _ in 0..3 {
        last = b.chat(chat_body(json!({}))).await?.0;
    }
    assert_eq!(last, 402);
    // Users cannot top themselves up; the adjustment is audited with the reason.
    let (status, _) = b
        .app
        .send(
            "POST",
            &format!("/users/{}/balance", b.user_id),
            Some(&b.user),
            Some(json!({"amount": 1000, "reason": "me"})),
        )
        .await?;
    assert_eq!(status, 403);
    let (_, audit) = b
        .app
        .send("GET", "/audit?action=user_balance", Some(&b.admin), None)
        .await?;
    assert!(
        audit["items"][0]["summary"]
            .as_str()
            .unwrap_or_default()
            .contains("reason=welcome"),
        "{audit}"
    );

    // Token quota: exhausted after use, 429 with its own message; raising it revives it.
    b.app
        .send(
            "POST",
            &format!("/users/{}/balance", b.user_id),
            Some(&b.admin),
            Some(json!({"amount": 1_000_000, "reason": "more"})),
        )
        .await?;
    let (_, created) = b
        .app
        .send(
            "POST",
            "/tokens",
            Some(&b.user),
            Some(json!({"name": "small", "quota_limit": 30})),
        )
        .await?;
    let small = created["key"].as_str().unwrap_or_default().to_string();
    let small_id = created["token"]["id"].as_i64().unwrap_or_default();
    let send = |key: String| {
        let app = &b.app;
        async move {
            let response = app
                .http
                .post(app.url("/v1/chat/completions"))
                .bearer_auth(key)
                .header("content-type", "application/json")
                .body(chat_body(json!({})).to_string())
                .send()
                .await?;
            let status = response.status().as_u16();
            anyhow::Ok((status, response.text().await?))
        }
    };
    assert_eq!(send(small.clone()).await?.0, 200);
    let (status, text) = send(small.clone()).await?;
    assert_eq!(status, 429, "{text}");
    assert!(text.contains("token quota exhausted"), "{text}");
    let (_, token) = b
        .app
        .send("GET", &format!("/tokens/{small_id}"), Some(&b.user), None)
        .await?;
    assert_eq!(token["status"], "exhausted");
    b.app
        .send(
            "PUT",
            &format!("/tokens/{small_id}"),
            Some(&b.user),
            Some(json!({"name": "small", "quota_limit": 100000})),
        )
        .await?;
    assert_eq!(send(small.clone()).await?.0, 200);

    // Expiry one second away: 401 after it passes.
    let soon = b
        .app
        .server
        .state
        .clock
        .format_ms(gateway::clock::Clock::now_ms() + 1500);
    let expiring = b
        .app
        .new_token(&b.user, json!({"name": "soon", "expires_at": soon}))
        .await?;
    assert_eq!(send(expiring.clone()).await?.0, 200);
    tokio::time::sleep(Duration::from_millis(1600)).await;
    let (status, text) = send(expiring).await?;
    assert_eq!(status, 401);
    assert!(text.contains("expired"), "{text}");
    Ok(())
}

#[tokio::test]
async fn restart_keeps_every_settled_charge() -> TestResult {
    let b = Billing::start(1_000_000, json!({"name": "t", "quota_limit": 900000})).await?;
    for _ in 0..5 {
        assert_eq!(b.chat(chat_body(json!({}))).await?.0, 200);
    }
    let before = b.balance().await?;
    let (_, tokens) = b.app.send("GET", "/tokens", Some(&b.user), None).await?;
    let used_before = tokens[0]["quota_used"].as_i64().unwrap_or(0);
    assert!(before < 1_000_000 && used_before > 0);
    let Billing {
        app, _mock, user, ..
    } = b;
    let app = app.restart().await?;
    let (_, me) = app.send("GET", "/me", Some(&user), None).await?;
    assert_eq!(me["balance"], before);
    let (_, tokens) = app.send("GET", "/tokens", Some(&user), None).await?;
    assert_eq!(tokens[0]["quota_used"], used_before);
    assert_eq!(
        1_000_000 - before,
        used_before,
        "the user and the token were charged the same"
    );
    Ok(())
}
