//! A stream whose body ends cleanly before the protocol's own end (no `[DONE]` or
//! finish reason, no `message_stop`) is a cut stream: the client gets the error event of
//! its protocol instead of a silent end, and the log row says 502 and why. For both
//! upstream protocols, passed through and translated.

use serde_json::{Value, json};

use crate::anthropic::{event_names, fixture, messages, openai_chat};
use crate::common::{RelayFixture, TestResult, request_id};

const UNFINISHED: &str = "ended the stream without finishing the answer";

async fn assert_logged_as_cut(
    fx: &RelayFixture,
    headers: &reqwest::header::HeaderMap,
) -> TestResult {
    let row = fx.log_row(&request_id(headers)).await?;
    assert_eq!(row["status"], 502, "{row}");
    let error = row["error"].as_str().unwrap_or_default();
    assert!(error.contains(UNFINISHED), "{row}");
    Ok(())
}

/// The OpenAI stream ends with an error chunk and no `[DONE]`.
fn assert_openai_error_end(text: &str) {
    let last = text.trim_end().rsplit("\n\n").next().unwrap_or_default();
    let data: Value = serde_json::from_str(last.trim_start_matches("data: ")).unwrap_or_default();
    assert_eq!(data["error"]["type"], "upstream_error", "{text}");
    assert!(
        data["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains(UNFINISHED)
    );
    assert!(!text.contains("data: [DONE]"), "{text}");
}

/// The Anthropic stream ends with an `error` event and no `message_stop`.
fn assert_anthropic_error_end(text: &str) {
    let names = event_names(text);
    assert_eq!(names.last().map(String::as_str), Some("error"), "{text}");
    assert!(!names.iter().any(|n| n == "message_stop"), "{text}");
    assert!(text.contains(UNFINISHED), "{text}");
}

/// A stream from `model` that ends after three events, to an Anthropic and an OpenAI
/// client.
async fn assert_cut_for_both_clients(fx: &RelayFixture, model: &str) -> TestResult {
    let hello = json!([{"role": "user", "content": "hello there"}]);
    let early = json!({"end_after": 3});
    let body =
        json!({"model": model, "max_tokens": 64, "stream": true, "messages": hello, "mock": early});
    let (status, headers, text) = messages(fx, "/v1/messages", body).await?;
    assert_eq!(status, 200);
    assert_anthropic_error_end(&text);
    assert_logged_as_cut(fx, &headers).await?;

    let body = json!({"model": model, "stream": true, "messages": hello, "mock": early});
    let (status, headers, text) = openai_chat(fx, body).await?;
    assert_eq!(status, 200);
    assert_openai_error_end(&text);
    assert_logged_as_cut(fx, &headers).await
}

#[tokio::test]
async fn openai_upstream_ending_early_is_cut_for_both_clients() -> TestResult {
    assert_cut_for_both_clients(&fixture().await?, "mock/gpt-4o").await
}

#[tokio::test]
async fn anthropic_upstream_ending_early_is_cut_for_both_clients() -> TestResult {
    assert_cut_for_both_clients(&fixture().await?, "claude/claude-sonnet-4").await
}

#[tokio::test]
async fn a_stream_that_finishes_is_still_a_200() -> TestResult {
    let fx = fixture().await?;
    let hello = json!([{"role": "user", "content": "hello there"}]);
    for model in ["mock/gpt-4o", "claude/claude-sonnet-4"] {
        let body = json!({"model": model, "max_tokens": 64, "stream": true, "messages": hello});
        let (status, headers, text) = messages(&fx, "/v1/messages", body).await?;
        assert_eq!(status, 200);
        assert_eq!(
            event_names(&text).last().map(String::as_str),
            Some("message_stop"),
            "{text}"
        );
        assert_eq!(fx.log_row(&request_id(&headers)).await?["status"], 200);
        let body = json!({"model": model, "stream": true, "messages": hello});
        let (_, headers, text) = openai_chat(&fx, body).await?;
        assert!(text.trim_end().ends_with("data: [DONE]"), "{text}");
        assert_eq!(fx.log_row(&request_id(&headers)).await?["status"], 200);
    }
    Ok(())
}

#[tokio::test]
async fn an_unfinished_stream_for_a_non_streaming_client_is_a_502() -> TestResult {
    let fx = fixture().await?;
    let hello = json!([{"role": "user", "content": "hello there"}]);
    let scenario = json!({"sse_for_non_stream": true, "end_after": 3});
    let body = json!({"model": "mock/gpt-4o", "messages": hello, "mock": scenario});
    let (status, headers, text) = fx.post("/v1/chat/completions", body).await?;
    assert_eq!(status, 502, "{text}");
    let error: Value = serde_json::from_str(&text)?;
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains(UNFINISHED)
    );
    assert_eq!(fx.log_row(&request_id(&headers)).await?["status"], 502);

    let body = json!({"model": "claude/claude-sonnet-4", "max_tokens": 64, "messages": hello, "mock": scenario});
    let (status, headers, text) = messages(&fx, "/v1/messages", body).await?;
    assert_eq!(status, 502, "{text}");
    let error: Value = serde_json::from_str(&text)?;
    assert_eq!(error["type"], "error", "{text}");
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains(UNFINISHED)
    );
    assert_eq!(fx.log_row(&request_id(&headers)).await?["status"], 502);
    Ok(())
}
