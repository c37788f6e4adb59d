//! Thinking across protocols over real HTTP: an OpenAI client on an Anthropic provider
//! gets the signed thinking blocks (stream and non-stream) and sends them back before
//! its tool results, which mock-upstream checks the way Anthropic does; a forced tool
//! choice with reasoning is accepted (thinking dropped for that request).

use serde_json::{Value, json};

use crate::anthropic::fixture;
use crate::common::{RelayFixture, TestResult, sse_data};

const SIGNATURE: &str = "bW9jay11cHN0cmVhbS1zaWduYXR1cmU=";

async fn chat(fx: &RelayFixture, body: Value, scenario: Value) -> TestResult<(u16, String)> {
    let response = fx
        .app
        .http
        .post(fx.app.url("/v1/chat/completions"))
        .bearer_auth(&fx.sk)
        .header("x-mock", scenario.to_string())
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await?;
    Ok((response.status().as_u16(), response.text().await?))
}

fn tools() -> Value {
    json!([{"type": "function", "function": {"name": "get_weather_0",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}])
}

#[tokio::test]
async fn signed_thinking_survives_a_tool_round_trip() -> TestResult {
    let fx = fixture().await?;
    let ask = json!({"role": "user", "content": "Weather in Paris?"});
    let request = json!({"model": "claude/claude-sonnet-4", "messages": [ask],
        "reasoning_effort": "low", "tools": tools()});
    let scenario = json!({"reasoning": true, "tool_calls": 1});
    let (status, body) = chat(&fx, request.clone(), scenario.clone()).await?;
    assert_eq!(status, 200, "{body}");
    let answer: Value = serde_json::from_str(&body)?;
    let message = answer["choices"][0]["message"].clone();
    let blocks = json!([{"type": "thinking", "thinking": "Let me think.", "signature": SIGNATURE}]);
    assert_eq!(message["thinking_blocks"], blocks);
    assert_eq!(message["reasoning_content"], "Let me think.");

    // The same blocks arrive whole in the stream, after the reasoning text.
    let mut streamed = request.clone();
    streamed["stream"] = json!(true);
    let (status, body) = chat(&fx, streamed, scenario).await?;
    assert_eq!(status, 200, "{body}");
    let from_stream: Vec<Value> = sse_data(&body)
        .iter()
        .filter_map(|data| serde_json::from_str::<Value>(data).ok())
        .filter_map(|chunk| chunk["choices"][0]["delta"].get("thinking_blocks").cloned())
        .collect();
    assert_eq!(from_stream, vec![blocks]);

    // Sent back as the assistant turn before the tool result: Anthropic (the mock)
    // takes it; without the blocks it refuses the turn, as the real API does.
    let call_id = message["tool_calls"][0]["id"].clone();
    let result = json!({"role": "tool", "tool_call_id": call_id, "content": "sunny"});
    let mut follow_up = request.clone();
    follow_up["messages"] = json!([request["messages"][0], message, result]);
    let (status, body) = chat(&fx, follow_up.clone(), json!({})).await?;
    assert_eq!(status, 200, "{body}");
    let answer: Value = serde_json::from_str(&body)?;
    assert_eq!(
        answer["choices"][0]["message"]["content"],
        "Hello from mock-upstream."
    );

    if let Some(turn) = follow_up["messages"][1].as_object_mut() {
        turn.remove("thinking_blocks");
    }
    let (status, body) = chat(&fx, follow_up, json!({})).await?;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("must start with a thinking block"), "{body}");
    Ok(())
}

#[tokio::test]
async fn forced_tool_choice_with_reasoning_is_accepted() -> TestResult {
    let fx = fixture().await?;
    let named = json!({"type": "function", "function": {"name": "get_weather_0"}});
    for choice in [json!("required"), named] {
        let request = json!({"model": "claude/claude-sonnet-4", "reasoning_effort": "high",
            "messages": [{"role": "user", "content": "Weather?"}], "tools": tools(), "tool_choice": choice});
        let (status, body) = chat(&fx, request, json!({"tool_calls": 1})).await?;
        assert_eq!(status, 200, "{choice}: {body}");
        let answer: Value = serde_json::from_str(&body)?;
        assert_eq!(answer["choices"][0]["finish_reason"], "tool_calls");
    }
    Ok(())
}
