//! `/v1/responses` over real HTTP on every provider kind: byte-exact for a `native`
//! provider, translated to Chat Completions for a `via_chat` one and to Messages for
//! an Anthropic one (answer, event stream, tool round trip), the 400s for server-side
//! state, and the log row and usage of a chat request.

use serde_json::{Value, json};

use crate::anthropic::{fixture, send};
use crate::common::{RelayFixture, TestResult, sse_data};

/// POSTs to /v1/responses with `mock` moved into the `x-mock` header; returns the
/// status, the request id and the body.
async fn post(fx: &RelayFixture, body: Value) -> TestResult<(u16, String, String)> {
    let (status, headers, text) = send(fx, "/v1/responses", body, false).await?;
    let id = headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    Ok((status, id, text))
}

/// (event name, data) of each frame of a Responses event stream.
fn events(body: &str) -> Vec<(String, Value)> {
    body.split("\n\n")
        .filter_map(|frame| {
            let name = frame.lines().find_map(|l| l.strip_prefix("event: "))?;
            let data = frame.lines().find_map(|l| l.strip_prefix("data: "))?;
            Some((name.to_string(), serde_json::from_str(data).ok()?))
        })
        .collect()
}

#[tokio::test]
async fn provider_setting_defaults_and_native_passthrough() -> TestResult {
    let fx = RelayFixture::start().await?;
    let (_, mock) = fx
        .app
        .send("GET", "/providers/mock", Some(&fx.admin), None)
        .await?;
    assert_eq!(
        mock["responses"], "via_chat",
        "a non-OpenAI base URL is translated"
    );
    let official =
        json!({"name": "oa", "api_type": "openai", "base_url": "https://api.openai.com"});
    let (status, oa) = fx
        .app
        .send("POST", "/providers", Some(&fx.admin), Some(official))
        .await?;
    assert_eq!(
        (status, oa["responses"].as_str()),
        (201, Some("native")),
        "{oa}"
    );
    let claude = json!({"name": "c", "api_type": "anthropic", "base_url": "https://x.test", "responses": "native"});
    let (status, body) = fx
        .app
        .send("POST", "/providers", Some(&fx.admin), Some(claude))
        .await?;
    assert_eq!(
        (status, body["error"]["param"].as_str()),
        (400, Some("responses")),
        "{body}"
    );

    // Switched to native, the upstream's own answer comes back byte for byte.
    let mut update = json!({"name": "mock", "api_type": "openai", "base_url": fx.mock.base, "responses": "native"});
    let (status, body) = fx
        .app
        .send(
            "PUT",
            "/providers/mock",
            Some(&fx.admin),
            Some(update.clone()),
        )
        .await?;
    assert_eq!(
        (status, body["responses"].as_str()),
        (200, Some("native")),
        "{body}"
    );
    let request = json!({"model": "mock/gpt-4o", "input": "hi", "mock": {"chunks": 2}});
    let (status, _, native) = post(&fx, request.clone()).await?;
    assert_eq!(status, 200, "{native}");
    let direct = fx
        .app
        .http
        .post(format!("{}/v1/responses", fx.mock.base))
        .bearer_auth(crate::common::UPSTREAM_KEY)
        .header("x-mock", r#"{"chunks":2}"#)
        .body(r#"{"model":"gpt-4o","input":"hi"}"#)
        .send()
        .await?
        .text()
        .await?;
    let strip = |text: &str| text.replace(|c: char| c.is_ascii_hexdigit(), "");
    assert_eq!(
        strip(&native),
        strip(&direct),
        "only the ids and time differ"
    );
    update["responses"] = json!("via_chat");
    fx.app
        .send("PUT", "/providers/mock", Some(&fx.admin), Some(update))
        .await?;
    let (_, _, translated) = post(&fx, request).await?;
    let translated: Value = serde_json::from_str(&translated)?;
    assert!(
        translated["id"]
            .as_str()
            .is_some_and(|id| id.starts_with("resp_chatcmpl-")),
        "{translated}"
    );
    Ok(())
}

#[tokio::test]
async fn translated_answer_usage_and_log_row() -> TestResult {
    let fx = RelayFixture::start().await?;
    let body = json!({"model": "mock/gpt-4o", "instructions": "Be brief.", "input": "Say hello.",
        "max_output_tokens": 50, "store": false, "mock": {"cache_read_tokens": 4}});
    let (status, id, text) = post(&fx, body).await?;
    assert_eq!(status, 200, "{text}");
    let answer: Value = serde_json::from_str(&text)?;
    assert_eq!(
        (answer["object"].as_str(), answer["status"].as_str()),
        (Some("response"), Some("completed"))
    );
    assert_eq!(
        answer["output"][0]["content"][0]["text"],
        "Hello from mock-upstream."
    );
    assert_eq!(answer["instructions"], "Be brief.");
    let usage = &answer["usage"];
    assert_eq!(
        (
            usage["output_tokens"].as_i64(),
            usage["input_tokens_details"]["cached_tokens"].as_i64()
        ),
        (Some(5), Some(4))
    );
    let row = fx.log_row(&id).await?;
    assert_eq!(row["request_type"], "responses");
    assert_eq!(row["upstream_model"], "gpt-4o");
    assert_eq!(row["prompt_tokens"], usage["input_tokens"]);
    assert_eq!(
        (
            row["completion_tokens"].as_i64(),
            row["cached_tokens"].as_i64()
        ),
        (Some(5), Some(4))
    );
    assert_eq!(row["usage_estimated"], false);

    for (field, body) in [
        (
            "previous_response_id",
            json!({"model": "mock/gpt-4o", "input": "hi", "previous_response_id": "resp_1"}),
        ),
        (
            "tools[0].type",
            json!({"model": "mock/gpt-4o", "input": "hi", "tools": [{"type": "web_search"}]}),
        ),
        (
            "conversation",
            json!({"model": "mock/gpt-4o", "input": "hi", "conversation": "conv_1"}),
        ),
    ] {
        let (status, _, text) = post(&fx, body).await?;
        let error: Value = serde_json::from_str(&text)?;
        assert_eq!(
            (status, error["error"]["param"].as_str()),
            (400, Some(field)),
            "{text}"
        );
    }
    Ok(())
}

#[tokio::test]
async fn streams_and_tool_round_trips_on_chat_and_anthropic_providers() -> TestResult {
    let fx = fixture().await?;
    let tools = json!([{"type": "function", "name": "get_weather_0",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}]);
    for model in ["mock/gpt-4o", "claude/claude-sonnet-4"] {
        let body = json!({"model": model, "input": "Weather?", "tools": tools, "stream": true,
            "mock": {"tool_calls": 1}});
        let (status, id, text) = post(&fx, body).await?;
        assert_eq!(status, 200, "{model}: {text}");
        let stream = events(&text);
        let names: Vec<&str> = stream.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "response.created",
                "response.in_progress",
                "response.output_item.added",
                "response.function_call_arguments.delta",
                "response.function_call_arguments.delta",
                "response.function_call_arguments.delta",
                "response.function_call_arguments.delta",
                "response.function_call_arguments.done",
                "response.output_item.done",
                "response.completed"
            ],
            "{model}"
        );
        let done = &stream[stream.len() - 1].1["response"];
        let call = &done["output"][0];
        assert_eq!(
            (call["name"].as_str(), call["arguments"].as_str()),
            (Some("get_weather_0"), Some("{\"city\":\"Paris\",\"n\":0}")),
            "{model}"
        );
        assert!(
            done["usage"]["output_tokens"].as_i64() > Some(0),
            "{model}: {done}"
        );
        let row = fx.log_row(&id).await?;
        assert_eq!(row["request_type"], "responses_stream", "{model}");
        assert_eq!(
            row["completion_tokens"], done["usage"]["output_tokens"],
            "{model}"
        );

        // The tool output goes back; the answer is text.
        let input = json!([{"role": "user", "content": "Weather?"}, call,
            {"type": "function_call_output", "call_id": call["call_id"], "output": "sunny"}]);
        let body = json!({"model": model, "input": input, "tools": tools});
        let (status, _, text) = post(&fx, body).await?;
        assert_eq!(status, 200, "{model}: {text}");
        let answer: Value = serde_json::from_str(&text)?;
        assert_eq!(
            answer["output"][0]["content"][0]["text"], "Hello from mock-upstream.",
            "{model}"
        );
    }
    // Data frames only, no `[DONE]`: the Responses stream ends with response.completed.
    let body = json!({"model": "claude/claude-sonnet-4", "input": "hi", "stream": true});
    let (_, _, text) = post(&fx, body).await?;
    assert!(sse_data(&text).iter().all(|d| d != "[DONE]"));
    Ok(())
}

#[tokio::test]
async fn anthropic_reasoning_round_trip_keeps_the_signature() -> TestResult {
    let fx = fixture().await?;
    let tools = json!([{"type": "function", "name": "get_weather_0"}]);
    let body = json!({"model": "claude/claude-sonnet-4", "input": "Weather?", "tools": tools,
        "reasoning": {"effort": "low"}, "include": ["reasoning.encrypted_content"], "store": false,
        "mock": {"reasoning": true, "tool_calls": 1}});
    let (status, _, text) = post(&fx, body).await?;
    assert_eq!(status, 200, "{text}");
    let answer: Value = serde_json::from_str(&text)?;
    let output = answer["output"].as_array().cloned().unwrap_or_default();
    assert_eq!(output[0]["type"], "reasoning", "{text}");
    assert_eq!(
        output[0]["encrypted_content"],
        "bW9jay11cHN0cmVhbS1zaWduYXR1cmU="
    );
    assert_eq!(output[0]["summary"][0]["text"], "Let me think.");
    let mut input = vec![json!({"role": "user", "content": "Weather?"})];
    input.extend(output.iter().cloned());
    input.push(
        json!({"type": "function_call_output", "call_id": output[1]["call_id"], "output": "sunny"}),
    );
    let follow_up = json!({"model": "claude/claude-sonnet-4", "input": input, "tools": tools, "reasoning": {"effort": "low"}});
    let (status, _, text) = post(&fx, follow_up.clone()).await?;
    assert_eq!(
        status, 200,
        "the mock checks the signed thinking block: {text}"
    );
    // Without the reasoning item Anthropic (the mock) refuses the turn.
    let mut bare = follow_up;
    bare["input"] = json!([input[0], input[2], input[3]]);
    let (status, _, text) = post(&fx, bare).await?;
    assert_eq!(status, 400, "{text}");
    Ok(())
}
