//! Billing over real HTTP: prices, reservations and settlement for every way a request
//! ends, and bounded overspending under concurrency.

use std::time::Duration;

use futures_util::StreamExt;
use serde_json::{Value, json};

use crate::billing_fixture::{Billing, PRICE, chat_body};
use crate::common::{TestResult, UPSTREAM_KEY};

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
    // Nobody was served on a hold capped at a remainder: identical requests, equal holds.
    assert!(
        rows.iter().all(|r| r["reserved"] == rows[0]["reserved"]),
        "{rows:?}"
    );
    assert_eq!(
        tokens[0]["status"],
        if used >= 300 { "exhausted" } else { "enabled" }
    );
    Ok(())
}
