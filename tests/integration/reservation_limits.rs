//! The reservation holds the output limit the upstream really receives, on every path:
//! each case goes through the real relay to mock-upstream and reads the `reserved`
//! column of its log row. Input is free here and output costs 1 micro-unit a token,
//! so `reserved` is the output limit itself.

use serde_json::{Value, json};

use crate::common::TestResult;
use crate::paid::{Paid, chat};

/// `[anthropic] default_max_tokens` for the "none given" case.
const ANTHROPIC_DEFAULT: i64 = 3000;

#[tokio::test]
async fn the_reservation_follows_the_limit_the_upstream_receives() -> TestResult {
    let default = format!("default_max_tokens = {ANTHROPIC_DEFAULT}");
    let paid = Paid::start(
        &[("anthropic", &default)],
        0,
        1_000_000,
        1_000_000_000,
        json!({"name": "t"}),
    )
    .await?;
    let gpt = "mock/gpt-4o";
    let claude = "claude/claude-sonnet-4";
    let hi = json!("hi");
    let cases: Vec<(&str, &str, Value, i64)> = vec![
        (
            "max_tokens",
            "/v1/chat/completions",
            chat(gpt, hi.clone(), json!({"max_tokens": 500})),
            500,
        ),
        (
            "max_completion_tokens",
            "/v1/chat/completions",
            chat(gpt, hi.clone(), json!({"max_completion_tokens": 700})),
            700,
        ),
        (
            "Responses max_output_tokens",
            "/v1/responses",
            json!({"model": gpt, "input": "hi", "max_output_tokens": 900}),
            900,
        ),
        (
            "a float",
            "/v1/chat/completions",
            chat(gpt, hi.clone(), json!({"max_tokens": 4096.0})),
            4096,
        ),
        (
            "n choices",
            "/v1/chat/completions",
            chat(gpt, hi.clone(), json!({"max_tokens": 100, "n": 3})),
            300,
        ),
        // reasoning_effort high: the translator raises max_tokens to 16384 + 1024.
        (
            "thinking raised by the translator",
            "/v1/chat/completions",
            chat(
                claude,
                hi.clone(),
                json!({"max_tokens": 100, "reasoning_effort": "high"}),
            ),
            16384 + 1024,
        ),
        (
            "the configured default (OpenAI client, Anthropic provider)",
            "/v1/chat/completions",
            chat(claude, hi.clone(), json!({})),
            ANTHROPIC_DEFAULT,
        ),
        // Anthropic reads max_tokens; max_completion_tokens means nothing to it.
        (
            "/v1/messages max_tokens beside max_completion_tokens",
            "/v1/messages",
            chat(
                claude,
                hi.clone(),
                json!({"max_tokens": 64000, "max_completion_tokens": 1}),
            ),
            64000,
        ),
        (
            "/v1/messages translated for an OpenAI provider",
            "/v1/messages",
            chat(gpt, hi.clone(), json!({"max_tokens": 64000})),
            64000,
        ),
        (
            "/v1/messages with thinking",
            "/v1/messages",
            chat(
                claude,
                hi.clone(),
                json!({"max_tokens": 12000, "thinking": {"type": "enabled", "budget_tokens": 10000}}),
            ),
            12000,
        ),
        (
            "no limit at all",
            "/v1/chat/completions",
            chat(gpt, hi.clone(), json!({})),
            1024,
        ),
    ];
    let mut wrong = Vec::new();
    for (case, path, body, expected) in cases {
        let answer = paid.post(path, body).await?;
        let row = paid.row(&answer.id).await?;
        let reserved = row["reserved"].as_i64().unwrap_or(-1);
        println!("{case}: status {} reserved {reserved}", answer.status);
        if reserved != expected {
            wrong.push(format!(
                "{case}: reserved {reserved}, expected {expected} ({})",
                answer.text
            ));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
    Ok(())
}
