//! Usage estimated when the upstream reports none: a non-streaming request the client
//! gave up on is charged its prompt like a cancelled stream, and a stream's estimate
//! counts the tool calls it carried (OpenAI `function.name` / `arguments` deltas,
//! Anthropic `input_json_delta`).

use std::time::Duration;

use serde_json::{Value, json};

use crate::common::{TestResult, request_id, sse_data};
use crate::paid::{Paid, chat};

#[tokio::test]
async fn a_non_stream_request_the_client_cancels_is_charged_its_prompt() -> TestResult {
    let paid = Paid::start(&[], 1_000_000, 1_000_000, 1_000_000, json!({"name": "t"})).await?;
    let prompt = "Summarise the quarterly report in three bullet points. ".repeat(100);
    let body = chat(
        "mock/gpt-4o",
        json!(prompt),
        json!({"max_tokens": 50, "mock": {"first_byte_delay_ms": 3000}}),
    );
    // Over HTTP/2 a client that gives up resets its stream, and the gateway sees it
    // go (over HTTP/1.1 it only would when writing the answer, and charges that).
    let http2 = reqwest::Client::builder().http2_prior_knowledge().build()?;
    let response = http2
        .post(paid.app.url("/v1/chat/completions"))
        .bearer_auth(&paid.sk)
        .header("x-mock", body["mock"].to_string())
        .header("content-type", "application/json")
        .body(
            json!({"model": body["model"], "messages": body["messages"], "max_tokens": 50})
                .to_string(),
        )
        .timeout(Duration::from_millis(500))
        .send()
        .await;
    assert!(
        response.is_err_and(|err| err.is_timeout()),
        "the client gave up first"
    );
    let rows = paid
        .app
        .wait_logs(&paid.admin, 1, |r| r["request_type"] == "chat")
        .await?;
    let row = &rows[0];
    assert_eq!(row["status"], 499, "{row}");
    let reserved = row["reserved"].as_i64().unwrap_or(0);
    let prompt_tokens = row["prompt_tokens"].as_i64().unwrap_or(0);
    assert_eq!(row["usage_estimated"], true, "{row}");
    assert_eq!(
        (row["completion_tokens"].as_i64(), row["cost"].as_i64()),
        (Some(0), Some(prompt_tokens))
    );
    assert_eq!(
        prompt_tokens,
        reserved - 50,
        "the prompt the reservation counted: {row}"
    );
    assert!(prompt_tokens > 900, "{row}");
    assert_eq!(paid.balance().await?, 1_000_000 - prompt_tokens);
    Ok(())
}

/// Characters of tool-call names and arguments in an OpenAI chat stream.
fn openai_tool_chars(text: &str) -> usize {
    sse_data(text)
        .iter()
        .filter_map(|data| serde_json::from_str::<Value>(data).ok())
        .flat_map(|chunk| {
            chunk["choices"][0]["delta"]["tool_calls"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .map(|call| {
            let part = |name: &str| {
                call["function"][name]
                    .as_str()
                    .map_or(0, |s| s.chars().count())
            };
            part("name") + part("arguments")
        })
        .sum()
}

#[tokio::test]
async fn a_stream_estimate_counts_tool_call_arguments() -> TestResult {
    let paid = Paid::start(&[], 1_000_000, 1_000_000, 1_000_000, json!({"name": "t"})).await?;
    // OpenAI upstream, no usage reported: output = tool-call characters / 4.
    let body = chat(
        "mock/gpt-4o",
        json!("weather in 8 cities?"),
        json!({"stream": true, "max_tokens": 500, "mock": {"tool_calls": 8, "usage": false}}),
    );
    let answer = paid.post("/v1/chat/completions", body).await?;
    assert_eq!(answer.status, 200, "{}", answer.text);
    let chars = openai_tool_chars(&answer.text);
    assert!(chars > 200, "{chars}");
    let row = paid.row(&answer.id).await?;
    assert_eq!(row["usage_estimated"], true);
    assert_eq!(
        row["completion_tokens"].as_u64(),
        Some(chars.div_ceil(4) as u64),
        "{row}"
    );

    // Anthropic upstream cut before its final count: input from message_start, output
    // from the `input_json_delta` characters seen.
    let body = chat(
        "claude/claude-sonnet-4",
        json!("weather in 8 cities?"),
        json!({"stream": true, "max_tokens": 500, "mock": {"tool_calls": 8, "cut_after": 30}}),
    );
    let response = paid.request("/v1/messages", body).send().await?;
    let id = request_id(response.headers());
    let text = response.text().await?;
    let partial: usize = sse_data(&text)
        .iter()
        .filter_map(|data| serde_json::from_str::<Value>(data).ok())
        .filter(|event| event["delta"]["type"] == "input_json_delta")
        .map(|event| {
            event["delta"]["partial_json"]
                .as_str()
                .map_or(0, |s| s.chars().count())
        })
        .sum();
    assert!(partial > 20, "{text}");
    let row = paid.row(&id).await?;
    assert_eq!(row["usage_estimated"], true, "{row}");
    assert_eq!(
        row["completion_tokens"].as_u64(),
        Some(partial.div_ceil(4) as u64),
        "{row}"
    );
    Ok(())
}
