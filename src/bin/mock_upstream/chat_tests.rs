//! Unit tests of the chat completion JSON and chunk generation.

use serde_json::{Value, json};

use super::{chunks, completion};
use crate::request::{Ctx, Payload};

fn payload(body: &str) -> Payload<'_> {
    serde_json::from_str(body).unwrap_or_else(|err| panic!("bad test body: {err}"))
}

/// The JSON of every `data:` frame; `[DONE]` becomes the string "[DONE]".
fn stream(body: &str, with_usage: bool) -> Vec<Value> {
    let payload = payload(body);
    let ctx = Ctx::new(&payload, body.len(), 1, None);
    let sse = chunks(&ctx, with_usage).unwrap_or_else(|err| panic!("{err}"));
    sse.frames()
        .iter()
        .map(|frame| {
            let text = std::str::from_utf8(frame).unwrap_or_default();
            let data = text
                .strip_prefix("data: ")
                .and_then(|t| t.strip_suffix("\n\n"));
            let data = data.unwrap_or_else(|| panic!("not an SSE data frame: {text:?}"));
            serde_json::from_str(data).unwrap_or(Value::String(data.to_owned()))
        })
        .collect()
}

#[test]
fn stream_with_usage_is_shaped_like_openai() {
    let frames = stream(r#"{"model":"m","stream":true}"#, true);
    assert_eq!(frames.len(), 1 + 5 + 1 + 1 + 1);
    assert_eq!(
        frames[0]["choices"][0]["delta"],
        json!({"role": "assistant", "content": ""})
    );
    let text: String = frames[1..6]
        .iter()
        .filter_map(|chunk| chunk["choices"][0]["delta"]["content"].as_str())
        .collect();
    assert_eq!(text, "Hello from mock-upstream.");
    assert!(frames[..7].iter().all(|chunk| chunk["usage"].is_null()));
    assert_eq!(frames[6]["choices"][0]["finish_reason"], "stop");
    assert_eq!(frames[7]["choices"], json!([]));
    assert_eq!(frames[7]["usage"]["completion_tokens"], 5);
    assert_eq!(frames[8], "[DONE]");
    assert!(
        frames
            .iter()
            .all(|chunk| chunk["model"] == "m" || chunk == "[DONE]")
    );
}

#[test]
fn stream_without_usage_has_no_usage_key() {
    let frames = stream(r#"{"model":"m","stream":true}"#, false);
    assert_eq!(frames.len(), 1 + 5 + 1 + 1);
    assert!(frames.iter().all(|chunk| chunk.get("usage").is_none()));
}

#[test]
fn streamed_tool_arguments_join_per_index() {
    let frames = stream(
        r#"{"stream":true,"mock":{"tool_calls":2,"reasoning":true}}"#,
        false,
    );
    let mut arguments = [String::new(), String::new()];
    for chunk in &frames {
        let calls = chunk["choices"][0]["delta"]["tool_calls"].as_array();
        for call in calls.into_iter().flatten() {
            let index = call["index"].as_u64().unwrap_or(99) as usize;
            arguments[index].push_str(call["function"]["arguments"].as_str().unwrap_or(""));
        }
    }
    assert_eq!(arguments[1], r#"{"city":"Paris","n":1}"#);
    let reasoning: String = frames
        .iter()
        .filter_map(|chunk| chunk["choices"][0]["delta"]["reasoning_content"].as_str())
        .collect();
    assert_eq!(reasoning, "Let me think.");
    assert_eq!(
        frames[frames.len() - 2]["choices"][0]["finish_reason"],
        "tool_calls"
    );
}

#[test]
fn non_stream_completion() {
    let body = r#"{"model":"gpt-4o","mock":{"cache_read_tokens":3}}"#;
    let payload = payload(body);
    let ctx = Ctx::new(&payload, body.len(), 7, None);
    let value = serde_json::to_value(completion(&ctx)).unwrap_or_default();
    assert_eq!(value["object"], "chat.completion");
    assert_eq!(value["id"], "chatcmpl-mock0000000000000007");
    assert_eq!(
        value["choices"][0]["message"]["content"],
        "Hello from mock-upstream."
    );
    assert_eq!(value["usage"]["prompt_tokens_details"]["cached_tokens"], 3);
    let usage = &value["usage"];
    assert_eq!(usage["total_tokens"], json!(body.len().div_ceil(4) + 3 + 5));
}
