//! A request whose reservation exceeds what is left is refused (402 for the balance,
//! 429 for the token quota, in the client's protocol) instead of being sent with a
//! hold capped at the remainder; the balance then never goes below the documented
//! bound: minus what the served requests used beyond their reservations.

use serde_json::{Value, json};

use crate::common::TestResult;
use crate::paid::{Paid, chat};

/// About 25,000 tokens of English.
fn long_prompt() -> String {
    "The quick brown fox jumps over the lazy dog while the gateway counts tokens. ".repeat(1600)
}

#[tokio::test]
async fn a_prompt_larger_than_the_balance_is_refused_in_both_protocols() -> TestResult {
    let paid = Paid::start(&[], 1_000_000, 1_000_000, 1000, json!({"name": "t"})).await?;
    let prompt = long_prompt();
    let openai = chat("mock/gpt-4o", json!(prompt), json!({"max_tokens": 10}));
    let answer = paid.post("/v1/chat/completions", openai).await?;
    assert_eq!(answer.status, 402, "{}", answer.text);
    let error: Value = serde_json::from_str(&answer.text)?;
    assert_eq!(error["error"]["type"], "insufficient_balance");
    let message = error["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("lower max_tokens or top up"), "{message}");
    let row = paid.row(&answer.id).await?;
    assert_eq!(
        (
            row["status"].as_i64(),
            row["reserved"].as_i64(),
            row["cost"].as_i64()
        ),
        (Some(402), Some(0), Some(0))
    );

    let anthropic = chat(
        "claude/claude-sonnet-4",
        json!(prompt),
        json!({"max_tokens": 10}),
    );
    let answer = paid.post("/v1/messages", anthropic).await?;
    assert_eq!(answer.status, 402, "{}", answer.text);
    let error: Value = serde_json::from_str(&answer.text)?;
    assert_eq!(
        (error["type"].as_str(), error["error"]["type"].as_str()),
        (Some("error"), Some("permission_error"))
    );
    assert_eq!(paid.balance().await?, 1000, "nothing was spent");

    // A small request still fits.
    let small = chat("mock/gpt-4o", json!("hi"), json!({"max_tokens": 10}));
    assert_eq!(paid.post("/v1/chat/completions", small).await?.status, 200);
    Ok(())
}

#[tokio::test]
async fn an_output_limit_beyond_the_token_quota_is_refused_with_429() -> TestResult {
    let paid = Paid::start(
        &[],
        0,
        1_000_000,
        1_000_000,
        json!({"name": "q", "quota_limit": 500}),
    )
    .await?;
    let ask = |max_tokens: i64| {
        chat(
            "mock/gpt-4o",
            json!("hi"),
            json!({"max_tokens": max_tokens}),
        )
    };
    let answer = paid.post("/v1/chat/completions", ask(1000)).await?;
    assert_eq!(answer.status, 429, "{}", answer.text);
    let error: Value = serde_json::from_str(&answer.text)?;
    assert_eq!(error["error"]["type"], "insufficient_quota");
    let message = error["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("up to 1000") && message.contains("500 is left"),
        "{message}"
    );
    let answer = paid
        .post(
            "/v1/messages",
            chat(
                "claude/claude-sonnet-4",
                json!("hi"),
                json!({"max_tokens": 1000}),
            ),
        )
        .await?;
    assert_eq!(answer.status, 429, "{}", answer.text);
    let error: Value = serde_json::from_str(&answer.text)?;
    assert_eq!(error["error"]["type"], "rate_limit_error");
    assert_eq!(
        paid.post("/v1/chat/completions", ask(100)).await?.status,
        200
    );
    Ok(())
}

#[tokio::test]
async fn spending_to_the_edge_keeps_the_balance_within_the_documented_bound() -> TestResult {
    // Each request reserves its prompt (a few tokens) + 2 x 20 output; about 45.
    let paid = Paid::start(&[], 1_000_000, 2_000_000, 2000, json!({"name": "t"})).await?;
    let body = chat(
        "mock/gpt-4o",
        json!("hello there"),
        json!({"max_tokens": 20, "stream": true}),
    );
    let mut statuses = Vec::new();
    // Rounds of 8 concurrent streams until the balance refuses every request.
    for _ in 0..20 {
        let requests: Vec<_> = (0..8)
            .map(|_| paid.request("/v1/chat/completions", body.clone()).send())
            .collect();
        let mut refused = 0;
        for response in futures_util::future::join_all(requests).await {
            let response = response?;
            statuses.push(response.status().as_u16());
            refused += usize::from(response.status() == 402);
            response.bytes().await?;
        }
        if refused == 8 {
            break;
        }
    }
    let served = statuses.iter().filter(|s| **s == 200).count();
    assert!(
        served > 20 && statuses.iter().all(|s| *s == 200 || *s == 402),
        "{statuses:?}"
    );
    let rows = paid
        .app
        .wait_logs(&paid.admin, served, |r| {
            r["request_type"] == "chat_stream" && r["status"] == 200
        })
        .await?;
    let held: Vec<i64> = rows.iter().filter_map(|r| r["reserved"].as_i64()).collect();
    // Identical requests hold identical amounts: none was capped at a remainder.
    assert!(held.iter().all(|h| *h == held[0] && *h > 40), "{held:?}");
    let charged: i64 = rows.iter().filter_map(|r| r["cost"].as_i64()).sum();
    let beyond: i64 = rows
        .iter()
        .map(|r| (r["cost"].as_i64().unwrap_or(0) - r["reserved"].as_i64().unwrap_or(0)).max(0))
        .sum();
    let balance = paid.balance().await?;
    println!("served {served}, charged {charged}, beyond reservations {beyond}, balance {balance}");
    assert_eq!(balance, 2000 - charged);
    assert!(
        balance >= -beyond,
        "below the documented bound: {balance} < -{beyond}"
    );
    Ok(())
}
