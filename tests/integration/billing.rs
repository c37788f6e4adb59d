//! Billing over real HTTP: prices, reservations and settlement for every way a request
//! ends, bounded overspending under concurrency, balance and quota transitions, the
//! log and usage queries and their scoping, and charges surviving a restart.

use std::time::Duration;

use futures_util::StreamExt;
use serde_json::{Value, json};

use crate::common::{MockUpstream, TestApp, TestDb, TestResult, UPSTREAM_KEY};

/// 1 micro-unit per input token, 2 per output token.
const PRICE: &str = r#"{"model": "mock/gpt-4o", "input_price": 1000000, "output_price": 2000000}"#;

struct Billing {
    app: TestApp,
    _mock: MockUpstream,
    admin: String,
    user_id: i64,
    user: String,
    sk: String,
}

impl Billing {
    async fn start(balance: i64, token: Value) -> TestResult<Billing> {
        Billing::start_on(TestDb::new().await?, balance, token).await
    }

    async fn start_on(db: TestDb, balance: i64, token: Value) -> TestResult<Billing> {
        let mock = MockUpstream::start(&[UPSTREAM_KEY], &[])?;
        let app = TestApp::start_on(db, &[]).await?;
        let admin = app.admin().await?;
        app.add_provider(&admin, "mock", &mock.base, UPSTREAM_KEY)
            .await?;
        app.send(
            "POST",
            "/models/mock/cache",
            Some(&admin),
            Some(json!({"ids": ["gpt-4o"]})),
        )
        .await?;
        let (status, body) = app
            .send(
                "POST",
                "/prices",
                Some(&admin),
                Some(serde_json::from_str(PRICE)?),
            )
            .await?;
        anyhow::ensure!(status == 201, "{body}");
        let (user_id, user) = app.new_user(&admin, "payer", &["*"]).await?;
        if balance != 0 {
            let (status, body) = app
                .send(
                    "POST",
                    &format!("/users/{user_id}/balance"),
                    Some(&admin),
                    Some(json!({"amount": balance, "reason": "test top-up"})),
                )
                .await?;
            anyhow::ensure!(status == 200, "{body}");
        }
        let sk = app.new_token(&user, token).await?;
        Ok(Billing {
            app,
            _mock: mock,
            admin,
            user_id,
            user,
            sk,
        })
    }

    async fn chat(&self, body: Value) -> TestResult<(u16, String, String)> {
        let response = self
            .app
            .http
            .post(self.app.url("/v1/chat/completions"))
            .bearer_auth(&self.sk)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await?;
        let status = response.status().as_u16();
        let id = response
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        Ok((status, id, response.text().await?))
    }

    async fn balance(&self) -> TestResult<i64> {
        let (_, me) = self.app.send("GET", "/me", Some(&self.user), None).await?;
        Ok(me["balance"].as_i64().unwrap_or(i64::MIN))
    }

    async fn row(&self, request_id: &str) -> TestResult<Value> {
        Ok(self
            .app
            .wait_logs(&self.admin, 1, |r| r["request_id"] == request_id)
            .await?
            .remove(0))
    }
}

fn chat_body(extra: Value) -> Value {
    let mut body = json!({"model": "mock/gpt-4o", "max_tokens": 10, "messages": [{"role": "user", "content": "hello"}]});
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        body.extend(extra.clone());
    }
    body
}

#[tokio::test]
async fn prices_gate_models_and_charges_follow_usage() -> TestResult {
    let b = Billing::start(1_000_000, json!({"name": "t"})).await?;
    // Unpriced models are refused before anything goes upstream.
    b.app
        .add_provider(&b.admin, "other", "http://127.0.0.1:9", UPSTREAM_KEY)
        .await?;
    let (status, _, text) = b.chat(json!({"model": "other/x", "messages": []})).await?;
    assert_eq!(status, 403, "{text}");
    assert!(text.contains("other/x") && text.contains("price"), "{text}");
    let (status, body) = b
        .app
        .send(
            "POST",
            "/prices",
            Some(&b.admin),
            Some(serde_json::from_str(PRICE)?),
        )
        .await?;
    assert_eq!(status, 409, "{body}");
    let (status, body) = b
        .app
        .send(
            "POST",
            "/prices",
            Some(&b.admin),
            Some(json!({"model": "gpt-4o", "input_price": 1})),
        )
        .await?;
    assert_eq!(
        (status, body["error"]["param"].as_str()),
        (400, Some("model"))
    );

    // Non-stream: cost from the reported usage.
    let (status, id, text) = b.chat(chat_body(json!({}))).await?;
    assert_eq!(status, 200, "{text}");
    let usage = serde_json::from_str::<Value>(&text)?["usage"].clone();
    let expected = usage["prompt_tokens"].as_i64().unwrap_or(0)
        + 2 * usage["completion_tokens"].as_i64().unwrap_or(0);
    let row = b.row(&id).await?;
    assert_eq!(row["cost"], expected, "{row}");
    assert_eq!(b.balance().await?, 1_000_000 - expected);

    // Stream: the same, from the usage we asked for on the client's behalf.
    let (status, id, _) = b.chat(chat_body(json!({"stream": true}))).await?;
    assert_eq!(status, 200);
    let row = b.row(&id).await?;
    assert!(row["cost"].as_i64().unwrap_or(0) > 0, "{row}");

    // Cached tokens at the cached price (default: input price; set it to 0 here).
    let (_, prices) = b.app.send("GET", "/prices", Some(&b.admin), None).await?;
    let price_id = prices[0]["id"].as_i64().unwrap_or_default();
    let cheaper = json!({"model": "mock/gpt-4o", "input_price": 1000000, "output_price": 2000000, "cached_input_price": 0});
    b.app
        .send(
            "PUT",
            &format!("/prices/{price_id}"),
            Some(&b.admin),
            Some(cheaper),
        )
        .await?;
    let (_, id, text) = b
        .chat(chat_body(json!({"mock": {"cache_read_tokens": 8}})))
        .await?;
    let usage = serde_json::from_str::<Value>(&text)?["usage"].clone();
    let fresh = usage["prompt_tokens"].as_i64().unwrap_or(0) - 8;
    assert_eq!(
        b.row(&id).await?["cost"],
        fresh + 2 * usage["completion_tokens"].as_i64().unwrap_or(0)
    );

    // An answer without usage is still charged, estimated from its size.
    let (status, id, _) = b.chat(chat_body(json!({"mock": {"usage": false}}))).await?;
    assert_eq!(status, 200);
    let row = b.row(&id).await?;
    assert_eq!(row["usage_estimated"], true);
    assert!(row["cost"].as_i64().unwrap_or(0) > 0, "{row}");

    // An upstream error costs nothing.
    let (status, id, _) = b
        .chat(chat_body(
            json!({"mock": {"status": 500, "error_message": "boom"}}),
        ))
        .await?;
    assert_eq!(status, 500);
    assert_eq!(b.row(&id).await?["cost"], 0);

    // A cut stream is charged for what was seen, estimated.
    let (_, id, _) = b
        .chat(chat_body(
            json!({"stream": true, "mock": {"chunks": 40, "cut_after": 20}}),
        ))
        .await?;
    let row = b.row(&id).await?;
    assert_eq!(row["usage_estimated"], true);
    assert!(row["cost"].as_i64().unwrap_or(0) > 0, "{row}");

    // A client that hangs up is charged for what it received.
    let response = b
        .app
        .http
        .post(b.app.url("/v1/chat/completions"))
        .bearer_auth(&b.sk)
        .header("content-type", "application/json")
        .body(
            chat_body(json!({"stream": true, "mock": {"chunks": 60, "chunk_delay_ms": 50}}))
                .to_string(),
        )
        .send()
        .await?;
    let id = response
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let mut stream = response.bytes_stream();
    let mut seen = 0;
    while let Some(chunk) = stream.next().await {
        seen += chunk?.len();
        if seen > 800 {
            break;
        }
    }
    drop(stream);
    let row = b.row(&id).await?;
    assert_eq!(row["status"], 499);
    assert!(row["cost"].as_i64().unwrap_or(0) > 0, "{row}");

    // The database holds exactly what the ledger says once the rows are written.
    let (_, logs) = b
        .app
        .send("GET", "/logs?limit=500", Some(&b.admin), None)
        .await?;
    let charged: i64 = logs["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["cost"].as_i64())
        .sum();
    assert_eq!(b.balance().await?, 1_000_000 - charged);
    let stored = crate::common::count_rows(
        &b.app.db.url,
        &format!("SELECT balance FROM users WHERE id = {}", b.user_id),
    )
    .await?;
    assert_eq!(stored, 1_000_000 - charged);
    Ok(())
}

#[tokio::test]
async fn concurrent_streams_overspend_only_what_they_used_beyond_reservations() -> TestResult {
    // One request costs about 16-20 (prompt ~10 + 2 x 5 output); the reservation
    // estimate is prompt + 2 x max_tokens(10). The quota covers about 10 requests.
    let b = Billing::start(10_000_000, json!({"name": "limited", "quota_limit": 300})).await?;
    let mut tasks = Vec::new();
    for _ in 0..64 {
        let http = b.app.http.clone();
        let url = b.app.url("/v1/chat/completions");
        let sk = b.sk.clone();
        let body = chat_body(json!({"stream": true, "mock": {"chunks": 5, "chunk_delay_ms": 20}}))
            .to_string();
        tasks.push(tokio::spawn(async move {
            let response = http
                .post(url)
                .bearer_auth(sk)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await?;
            let status = response.status().as_u16();
            response.bytes().await?;
            anyhow::Ok(status)
        }));
    }
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await??);
    }
    let served = statuses.iter().filter(|s| **s == 200).count();
    let refused = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!(served + refused, 64, "{statuses:?}");
    assert!(
        (5..=30).contains(&served),
        "about 10 fit the quota: {served}"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (_, tokens) = b.app.send("GET", "/tokens", Some(&b.user), None).await?;
    let used = tokens[0]["quota_used"].as_i64().unwrap_or(0);
    let rows = b
        .app
        .wait_logs(&b.admin, served, |r| {
            r["request_type"] == "chat_stream" && r["status"] == 200
        })
        .await?;
    // The bound: what the served requests used beyond what they had reserved.
    let beyond: i64 = rows
        .iter()
        .map(|r| (r["cost"].as_i64().unwrap_or(0) - r["reserved"].as_i64().unwrap_or(0)).max(0))
        .sum();
    let charged: i64 = rows.iter().filter_map(|r| r["cost"].as_i64()).sum();
    assert_eq!(
        used, charged,
        "the token was charged exactly the logged costs"
    );
    let overspent = (used - 300).max(0);
    println!(
        "64 streams, quota 300: {served} served, {refused} refused, used {used}, overspent {overspent}, bound {beyond}"
    );
    assert!(
        overspent <= beyond,
        "overspent {overspent} beyond the bound {beyond}"
    );
    assert!(
        beyond < 100,
        "a few capped reservations, not an unbounded overspend: {beyond}"
    );
    assert_eq!(
        tokens[0]["status"],
        if used >= 300 { "exhausted" } else { "enabled" }
    );
    Ok(())
}

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
            Some(json!({"amount": 25, "reason": "welcome"})),
        )
        .await?;
    assert_eq!((status, body["balance"].as_i64()), (200, Some(25)));
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
            Some(json!({"name": "small", "quota_limit": 1})),
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
async fn logs_and_usage_queries_are_filtered_and_scoped() -> TestResult {
    let b = Billing::start(1_000_000, json!({"name": "payer-token"})).await?;
    for extra in [
        json!({}),
        json!({"stream": true}),
        json!({"mock": {"status": 429, "error_message": "x"}}),
    ] {
        b.chat(chat_body(extra)).await?;
    }
    // Another user with their own traffic.
    let (other_id, other) = b.app.new_user(&b.admin, "other", &["*"]).await?;
    b.app
        .send(
            "POST",
            &format!("/users/{other_id}/balance"),
            Some(&b.admin),
            Some(json!({"amount": 1000000, "reason": "t"})),
        )
        .await?;
    let other_sk = b
        .app
        .new_token(&other, json!({"name": "other-token"}))
        .await?;
    let response = b
        .app
        .http
        .post(b.app.url("/v1/chat/completions"))
        .bearer_auth(&other_sk)
        .header("content-type", "application/json")
        .body(chat_body(json!({})).to_string())
        .send()
        .await?;
    let other_request = response
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    b.app
        .wait_logs(&b.admin, 4, |r| r["token_id"].is_i64())
        .await?;

    let count = |v: &Value| v["items"].as_array().map_or(0, Vec::len);
    let (_, rows) = b
        .app
        .send(
            "GET",
            "/logs?request_type=chat_stream",
            Some(&b.admin),
            None,
        )
        .await?;
    assert_eq!(count(&rows), 1);
    let (_, rows) = b
        .app
        .send(
            "GET",
            "/logs?status=4xx&provider=mock",
            Some(&b.admin),
            None,
        )
        .await?;
    assert_eq!(count(&rows), 1, "{rows}");
    let (_, rows) = b
        .app
        .send(
            "GET",
            "/logs?errors_only=true&model=mock/gpt-4o",
            Some(&b.admin),
            None,
        )
        .await?;
    assert_eq!(count(&rows), 1);
    let (_, rows) = b
        .app
        .send(
            "GET",
            &format!("/logs?user_id={other_id}"),
            Some(&b.admin),
            None,
        )
        .await?;
    assert!(
        rows["items"]
            .as_array()
            .into_iter()
            .flatten()
            .all(|r| r["user_name"] == "other")
    );
    let (status, body) = b
        .app
        .send("GET", "/logs?status=7xx", Some(&b.admin), None)
        .await?;
    assert_eq!(
        (status, body["error"]["param"].as_str()),
        (400, Some("status"))
    );
    let future = b
        .app
        .server
        .state
        .clock
        .format_ms(gateway::clock::Clock::now_ms() + 3_600_000);
    let (_, rows) = b
        .app
        .send(
            "GET",
            &format!("/logs?from={}", future.replace(' ', "%20")),
            Some(&b.admin),
            None,
        )
        .await?;
    assert_eq!(count(&rows), 0);

    // The payer sees only their rows, and not the other user's single row.
    let (_, mine) = b
        .app
        .send(
            "GET",
            &format!("/logs?limit=500&user_id={other_id}"),
            Some(&b.user),
            None,
        )
        .await?;
    assert!(
        mine["items"]
            .as_array()
            .into_iter()
            .flatten()
            .all(|r| r["user_name"] == "payer"),
        "{mine}"
    );
    let (status, _) = b
        .app
        .send(
            "GET",
            &format!("/logs/{other_request}"),
            Some(&b.user),
            None,
        )
        .await?;
    assert_eq!(status, 404);
    let (status, row) = b
        .app
        .send("GET", &format!("/logs/{other_request}"), Some(&other), None)
        .await?;
    assert_eq!((status, row["user_name"].as_str()), (200, Some("other")));

    // Usage, grouped by user (admin) and scoped (user).
    let (status, report) = b
        .app
        .send(
            "GET",
            "/usage?group_by=user&period=all",
            Some(&b.admin),
            None,
        )
        .await?;
    assert_eq!(status, 200, "{report}");
    let rows = report["rows"].as_array().cloned().unwrap_or_default();
    let payer = rows
        .iter()
        .find(|r| r["key"] == "payer")
        .cloned()
        .unwrap_or_default();
    assert_eq!(payer["requests"], 3);
    assert_eq!(payer["errors"], 1);
    assert!(
        payer["cost"].as_i64().unwrap_or(0) > 0 && payer["total_tokens"].as_i64().unwrap_or(0) > 0
    );
    assert!(
        payer["p95_latency_ms"].as_i64().unwrap_or(-1)
            >= payer["p50_latency_ms"].as_i64().unwrap_or(0)
    );
    let (_, report) = b
        .app
        .send("GET", "/usage?group_by=model", Some(&b.user), None)
        .await?;
    let rows = report["rows"].as_array().cloned().unwrap_or_default();
    assert_eq!(rows.len(), 1, "one day, one model: {report}");
    assert_eq!(rows[0]["key"], "mock/gpt-4o");
    assert_eq!(rows[0]["requests"], 3, "only the payer's own requests");
    assert_eq!(
        rows[0]["period"].as_str().map(|p| p.ends_with("00:00:00")),
        Some(true)
    );
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
