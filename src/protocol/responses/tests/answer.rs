//! `chat.completion` -> `response` object.

use serde_json::{Value, json};

use crate::protocol::responses::{Echo, answer, parse};

fn echo() -> anyhow::Result<Echo> {
    let request =
        parse(br#"{"model":"m","input":"hi","tools":[{"type":"function","name":"get_weather"}]}"#)?;
    Ok(Echo::of(&request))
}

fn translate(chat: Value) -> anyhow::Result<Value> {
    Ok(serde_json::from_slice(&answer(&chat, echo()?)?)?)
}

#[test]
fn text_answer_with_usage() -> anyhow::Result<()> {
    let chat = json!({"id": "chatcmpl-1", "object": "chat.completion", "created": 1741569952, "model": "deepseek-chat",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hello!"}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 19, "completion_tokens": 10, "total_tokens": 29,
                  "prompt_tokens_details": {"cached_tokens": 3}, "completion_tokens_details": {"reasoning_tokens": 0}}});
    let out = translate(chat)?;
    assert_eq!(out["id"], "resp_chatcmpl-1");
    assert_eq!(
        (out["object"].as_str(), out["status"].as_str()),
        (Some("response"), Some("completed"))
    );
    assert_eq!(out["created_at"], 1741569952);
    assert_eq!(out["model"], "deepseek-chat");
    assert_eq!(
        out["output"],
        json!([{"type": "message", "id": "msg_chatcmpl-1", "status": "completed", "role": "assistant",
                "content": [{"type": "output_text", "text": "Hello!", "annotations": [], "logprobs": []}]}])
    );
    assert_eq!(
        out["usage"],
        json!({"input_tokens": 19, "input_tokens_details": {"cached_tokens": 3}, "output_tokens": 10,
               "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": 29})
    );
    assert_eq!(
        out["tools"],
        json!([{"type": "function", "name": "get_weather"}])
    );
    assert_eq!(
        (out["tool_choice"].as_str(), out["store"].as_bool()),
        (Some("auto"), Some(false))
    );
    assert!(out["error"].is_null() && out["incomplete_details"].is_null());
    Ok(())
}

#[test]
fn reasoning_and_tool_calls() -> anyhow::Result<()> {
    let chat = json!({"id": "c2", "created": 1, "model": "m", "choices": [{"index": 0, "finish_reason": "tool_calls",
        "message": {"role": "assistant", "content": null, "reasoning_content": "Think.",
            "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}}]}}]});
    let out = translate(chat)?;
    assert_eq!(
        out["output"],
        json!([
            {"type": "reasoning", "id": "rs_c2_0", "summary": [{"type": "summary_text", "text": "Think."}]},
            {"type": "function_call", "id": "fc_call_1", "status": "completed", "call_id": "call_1",
             "name": "get_weather", "arguments": "{\"city\":\"Paris\"}"},
        ])
    );
    assert!(out["usage"].is_null());
    Ok(())
}

#[test]
fn signed_thinking_becomes_encrypted_reasoning() -> anyhow::Result<()> {
    let blocks = json!([{"type": "thinking", "thinking": "Weather first.", "signature": "sig-1"},
                        {"type": "redacted_thinking", "data": "EmwK"}]);
    let chat = json!({"id": "msg_9", "model": "claude", "choices": [{"index": 0, "finish_reason": "stop",
        "message": {"role": "assistant", "content": "Sunny.", "reasoning_content": "Weather first.",
                    "thinking_blocks": blocks}}]});
    let out = translate(chat)?;
    assert_eq!(
        out["output"][0],
        json!({"type": "reasoning", "id": "rs_msg_9_0", "encrypted_content": "sig-1",
               "summary": [{"type": "summary_text", "text": "Weather first."}]})
    );
    assert_eq!(
        out["output"][1],
        json!({"type": "reasoning", "id": "rs_msg_9_1", "summary": [], "encrypted_content": "redacted_thinking:EmwK"})
    );
    assert_eq!(out["output"][2]["content"][0]["text"], "Sunny.");
    Ok(())
}

#[test]
fn length_and_filter_are_incomplete() -> anyhow::Result<()> {
    for (finish, reason) in [
        ("length", "max_output_tokens"),
        ("content_filter", "content_filter"),
    ] {
        let chat = json!({"id": "c", "model": "m", "choices": [{"index": 0, "finish_reason": finish,
            "message": {"role": "assistant", "content": "Hel"}}]});
        let out = translate(chat)?;
        assert_eq!(out["status"], "incomplete");
        assert_eq!(out["incomplete_details"], json!({"reason": reason}));
    }
    let empty = json!({"id": "c", "model": "m", "choices": []});
    assert!(answer(&empty, echo()?).is_err());
    Ok(())
}
