//! The prompt part of a reservation comes from a tokenizer and the providers' image
//! rules, not from the request size: Chinese text is not under-counted, and a 1 MB
//! screenshot holds about a thousand tokens, not a quarter of a million, so a balance
//! meant for ten such requests serves ten at once.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use crate::common::{TestResult, request_id, sse_data};
use crate::paid::{Paid, chat};

/// 60 characters of Chinese, repeated 20 times: 3,600 bytes, 1,280 tokens in
/// cl100k_base (counted with tiktoken), where bytes / 4 says 900.
const CHINESE: &str = "你好，请帮我总结一下这份关于季度收入、客户流失和新定价方案的报告，并列出三个风险。网关需要准确地估算中文文本的令牌数量。";
const CHINESE_TOKENS: i64 = 1280;

/// A PNG of `width` x `height` padded to about 1 MB: only its header is real.
fn screenshot(width: u32, height: u32) -> String {
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
    png.extend_from_slice(&width.to_be_bytes());
    png.extend_from_slice(&height.to_be_bytes());
    png.extend_from_slice(&[8, 6, 0, 0, 0, 0, 0, 0, 0]);
    png.resize(1_000_000, 0x5a);
    STANDARD.encode(png)
}

fn openai_image(data: &str) -> Value {
    json!([{"type": "text", "text": "What is on this screen?"},
        {"type": "image_url", "image_url": {"url": format!("data:image/png;base64,{data}")}}])
}

async fn reserved(paid: &Paid, path: &str, body: Value) -> TestResult<i64> {
    let answer = paid.post(path, body).await?;
    anyhow::ensure!(answer.status == 200, "{}", answer.text);
    let row = paid.row(&answer.id).await?;
    Ok(row["reserved"].as_i64().unwrap_or(-1))
}

#[tokio::test]
async fn chinese_text_and_screenshots_are_priced_by_tokens() -> TestResult {
    // 1 micro-unit per input token, output free: `reserved` is the prompt estimate.
    let paid = Paid::start(&[], 1_000_000, 0, 100_000_000, json!({"name": "t"})).await?;
    let text = CHINESE.repeat(20);
    let held = reserved(
        &paid,
        "/v1/chat/completions",
        chat("mock/gpt-4o", json!(text), json!({})),
    )
    .await?;
    assert!(
        (CHINESE_TOKENS..CHINESE_TOKENS + 20).contains(&held),
        "Chinese prompt reserved {held}, its tokens are {CHINESE_TOKENS}"
    );

    // OpenAI rule: 1920 x 1080 -> 1365 x 768, 6 tiles: 1105 tokens.
    let image = screenshot(1920, 1080);
    let body = chat("mock/gpt-4o", openai_image(&image), json!({}));
    let held = reserved(&paid, "/v1/chat/completions", body).await?;
    assert!(
        (1105..1130).contains(&held),
        "1 MB screenshot reserved {held}"
    );

    // Anthropic rule: scaled to at most about 1600 tokens.
    let content = json!([{"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": image}},
        {"type": "text", "text": "What is on this screen?"}]);
    let body = chat("claude/claude-sonnet-4", content, json!({"max_tokens": 10}));
    let held = reserved(&paid, "/v1/messages", body).await?;
    assert!(
        (1600..1630).contains(&held),
        "Claude screenshot reserved {held}"
    );
    Ok(())
}

#[tokio::test]
async fn a_balance_for_ten_screenshot_streams_serves_ten_at_once() -> TestResult {
    // Input and output at 1 micro-unit a token. One request: 1105 image tokens, a few
    // text tokens and max_tokens 100, so about 1215; the balance covers 10 of them
    // and not 11.
    let paid = Paid::start(&[], 1_000_000, 1_000_000, 13_000, json!({"name": "t"})).await?;
    let image = screenshot(1920, 1080);
    let body = chat(
        "mock/gpt-4o",
        openai_image(&image),
        json!({"max_tokens": 100, "stream": true,
            "mock": {"chunks": 10, "chunk_delay_ms": 100, "usage": false}}),
    );
    let mut tasks = Vec::new();
    for _ in 0..11 {
        let request = paid.request("/v1/chat/completions", body.clone());
        tasks.push(tokio::spawn(async move {
            let response = request.send().await?;
            let (status, id) = (response.status().as_u16(), request_id(response.headers()));
            let text = response.text().await?;
            anyhow::Ok((status, id, text))
        }));
    }
    let mut served = Vec::new();
    let mut refused = Vec::new();
    for task in tasks {
        let (status, id, text) = task.await??;
        match status {
            200 => served.push((id, text)),
            402 => refused.push(text),
            other => anyhow::bail!("unexpected {other}: {text}"),
        }
    }
    assert_eq!((served.len(), refused.len()), (10, 1), "{refused:?}");
    assert!(
        refused[0].contains("insufficient balance"),
        "{}",
        refused[0]
    );
    let mut beyond = 0;
    let mut charged = 0;
    for (id, text) in &served {
        assert!(sse_data(text).last().is_some_and(|d| d == "[DONE]"));
        let row = paid.row(id).await?;
        let (cost, held) = (
            row["cost"].as_i64().unwrap_or(0),
            row["reserved"].as_i64().unwrap_or(0),
        );
        assert!((1105..1300).contains(&held), "{row}");
        assert_eq!(row["usage_estimated"], true);
        beyond += (cost - held).max(0);
        charged += cost;
    }
    let balance = paid.balance().await?;
    assert_eq!(balance, 13_000 - charged);
    assert!(
        balance >= -beyond,
        "the documented bound: {balance} vs {beyond}"
    );
    Ok(())
}
