//! Chat chunk streams (OpenAI upstream, and Anthropic events through the chat
//! translator) -> Responses events in the order the openai SDK's helper accepts.

use serde_json::{Value, json};

use crate::protocol::StreamTranslate;
use crate::protocol::anthropic::from_openai;
use crate::protocol::openai::OpenAiPassthrough;
use crate::protocol::responses::{Echo, ViaChat, parse};
use crate::protocol::sse::SseFramer;

fn translator(anthropic: bool) -> anyhow::Result<ViaChat> {
    let echo = Echo::of(&parse(br#"{"model":"m","input":"hi","stream":true}"#)?);
    let inner: Box<dyn StreamTranslate> = if anthropic {
        Box::new(from_openai::StreamTranslator::new(true))
    } else {
        Box::new(OpenAiPassthrough::new(false))
    };
    Ok(ViaChat::new(inner, echo))
}

/// (event name, data) of each Responses frame for the upstream stream `text`.
fn run(translator: &mut ViaChat, text: &str) -> anyhow::Result<Vec<(String, Value)>> {
    let mut frames = Vec::new();
    for event in SseFramer::default().push(text.as_bytes()) {
        frames.extend(translator.event(event));
    }
    frames.extend(translator.finish());
    let mut out = Vec::new();
    for frame in frames {
        for event in SseFramer::default().push(&frame) {
            let name = event.event.clone().unwrap_or_default();
            let data: Value = serde_json::from_str(&event.data)?;
            assert_eq!(data["type"], json!(name));
            out.push((name, data));
        }
    }
    for (n, (_, data)) in out.iter().enumerate() {
        assert_eq!(
            data["sequence_number"],
            json!(n),
            "sequence numbers count from 0"
        );
    }
    Ok(out)
}

fn names(events: &[(String, Value)]) -> Vec<&str> {
    events.iter().map(|(name, _)| name.as_str()).collect()
}

fn chat_stream(chunks: &[Value]) -> String {
    let mut text: String = chunks.iter().map(|c| format!("data: {c}\n\n")).collect();
    text.push_str("data: [DONE]\n\n");
    text
}

fn chunk(delta: Value, finish: Value) -> Value {
    json!({"id": "chatcmpl-7", "object": "chat.completion.chunk", "created": 1700000001, "model": "qwen-plus",
           "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]})
}

#[test]
fn reasoning_text_and_usage() -> anyhow::Result<()> {
    let usage = json!({"id": "chatcmpl-7", "choices": [], "usage": {"prompt_tokens": 9, "completion_tokens": 4, "total_tokens": 13}});
    let text = chat_stream(&[
        chunk(json!({"role": "assistant", "content": ""}), Value::Null),
        chunk(json!({"reasoning_content": "Hm"}), Value::Null),
        chunk(json!({"content": "Hel"}), Value::Null),
        chunk(json!({"content": "lo"}), Value::Null),
        chunk(json!({}), json!("stop")),
        usage,
    ]);
    let mut translator = translator(false)?;
    let events = run(&mut translator, &text)?;
    assert_eq!(
        names(&events),
        [
            "response.created",
            "response.in_progress",
            "response.output_item.added",
            "response.reasoning_summary_part.added",
            "response.reasoning_summary_text.delta",
            "response.reasoning_summary_text.done",
            "response.reasoning_summary_part.done",
            "response.output_item.done",
            "response.output_item.added",
            "response.content_part.added",
            "response.output_text.delta",
            "response.output_text.delta",
            "response.output_text.done",
            "response.content_part.done",
            "response.output_item.done",
            "response.completed",
        ]
    );
    let created = &events[0].1["response"];
    assert_eq!(
        (created["id"].as_str(), created["status"].as_str()),
        (Some("resp_chatcmpl-7"), Some("in_progress"))
    );
    assert_eq!(created["output"], json!([]));
    assert_eq!(
        events[8].1["item"],
        json!({"type": "message", "id": "msg_chatcmpl-7", "status": "in_progress",
        "role": "assistant", "content": []})
    );
    assert_eq!(events[12].1["text"], "Hello");
    let done = &events[15].1["response"];
    assert_eq!(done["id"], created["id"]);
    assert_eq!(done["status"], "completed");
    assert_eq!(done["output"][0]["summary"][0]["text"], "Hm");
    assert_eq!(done["output"][1]["content"][0]["text"], "Hello");
    assert_eq!(done["usage"]["input_tokens"], 9);
    assert_eq!(done["usage"]["output_tokens"], 4);
    // Usage for the log and the bill comes from the chat stream, as for a chat request.
    assert_eq!(translator.usage().map(|u| u.total()), Some(13));
    Ok(())
}

#[test]
fn parallel_function_calls() -> anyhow::Result<()> {
    let call = |index: u32, id: Option<&str>, name: Option<&str>, args: &str| {
        let mut call = json!({"index": index, "function": {"arguments": args}});
        if let (Some(id), Some(name)) = (id, name) {
            call["id"] = json!(id);
            call["type"] = json!("function");
            call["function"]["name"] = json!(name);
        }
        chunk(json!({"tool_calls": [call]}), Value::Null)
    };
    let text = chat_stream(&[
        chunk(json!({"role": "assistant", "content": ""}), Value::Null),
        call(0, Some("call_0"), Some("get_weather_0"), ""),
        call(0, None, None, "{\"city\":"),
        call(0, None, None, "\"Paris\"}"),
        call(1, Some("call_1"), Some("get_weather_1"), "{}"),
        chunk(json!({}), json!("tool_calls")),
    ]);
    let events = run(&mut translator(false)?, &text)?;
    assert_eq!(
        names(&events),
        [
            "response.created",
            "response.in_progress",
            "response.output_item.added",
            "response.function_call_arguments.delta",
            "response.function_call_arguments.delta",
            "response.output_item.added",
            "response.function_call_arguments.delta",
            "response.function_call_arguments.done",
            "response.output_item.done",
            "response.function_call_arguments.done",
            "response.output_item.done",
            "response.completed",
        ]
    );
    assert_eq!(
        events[2].1["item"],
        json!({"type": "function_call", "id": "fc_call_0", "status": "in_progress",
        "call_id": "call_0", "name": "get_weather_0", "arguments": ""})
    );
    assert_eq!(events[7].1["arguments"], "{\"city\":\"Paris\"}");
    let output = &events[11].1["response"]["output"];
    assert_eq!(output[0]["arguments"], "{\"city\":\"Paris\"}");
    assert_eq!(
        (output[1]["call_id"].as_str(), output[1]["status"].as_str()),
        (Some("call_1"), Some("completed"))
    );
    Ok(())
}

#[test]
fn anthropic_thinking_and_tool_use_through_the_chat_translator() -> anyhow::Result<()> {
    let events = [
        json!({"type": "message_start", "message": {"id": "msg_1", "model": "claude", "usage": {"input_tokens": 5, "output_tokens": 1}}}),
        json!({"type": "content_block_start", "index": 0, "content_block": {"type": "thinking", "thinking": ""}}),
        json!({"type": "content_block_delta", "index": 0, "delta": {"type": "thinking_delta", "thinking": "Weather."}}),
        json!({"type": "content_block_delta", "index": 0, "delta": {"type": "signature_delta", "signature": "sig-1"}}),
        json!({"type": "content_block_stop", "index": 0}),
        json!({"type": "content_block_start", "index": 1, "content_block": {"type": "tool_use", "id": "toolu_1", "name": "f", "input": {}}}),
        json!({"type": "content_block_delta", "index": 1, "delta": {"type": "input_json_delta", "partial_json": "{}"}}),
        json!({"type": "content_block_stop", "index": 1}),
        json!({"type": "message_delta", "delta": {"stop_reason": "tool_use"}, "usage": {"output_tokens": 7}}),
        json!({"type": "message_stop"}),
    ];
    let text: String = events
        .iter()
        .map(|e| format!("event: {}\ndata: {e}\n\n", e["type"].as_str().unwrap_or("")))
        .collect();
    let mut translator = translator(true)?;
    let out = run(&mut translator, &text)?;
    let last = &out[out.len() - 1];
    assert_eq!(last.0, "response.completed");
    let output = &last.1["response"]["output"];
    assert_eq!(output[0]["encrypted_content"], "sig-1");
    assert_eq!(output[0]["summary"][0]["text"], "Weather.");
    assert_eq!(output[1]["call_id"], "toolu_1");
    assert_eq!(last.1["response"]["usage"]["output_tokens"], 7);
    assert_eq!(last.1["response"]["id"], "resp_msg_1");
    assert_eq!(
        translator
            .usage()
            .map(|u| (u.prompt_tokens, u.completion_tokens)),
        Some((5, 7))
    );
    Ok(())
}

#[test]
fn cut_stream_and_upstream_errors() -> anyhow::Result<()> {
    // No [DONE] and no clean end: no completed event (the relay adds its error frame).
    let mut translator = translator(false)?;
    let mut frames = Vec::new();
    let text = format!(
        "data: {}\n\n",
        chunk(json!({"content": "Hal"}), Value::Null)
    );
    for event in SseFramer::default().push(text.as_bytes()) {
        frames.extend(translator.event(event));
    }
    assert!(
        frames
            .iter()
            .all(|f| !String::from_utf8_lossy(f).contains("response.completed"))
    );
    let frame = translator.error_frame("provider `p` broke off the stream", "upstream_error");
    let frame = String::from_utf8_lossy(&frame).to_string();
    assert!(
        frame.starts_with("event: error\n") && frame.contains("\"code\":\"upstream_error\""),
        "{frame}"
    );

    let mut translator = translator_with_error()?;
    assert_eq!(translator.upstream_error().as_deref(), Some("Overloaded"));
    // A stream that failed before its first chunk never announced a response.
    assert!(translator.finish().is_empty());
    Ok(())
}

fn translator_with_error() -> anyhow::Result<ViaChat> {
    let mut translator = translator(false)?;
    let text = "data: {\"error\":{\"message\":\"Overloaded\",\"type\":\"server_error\"}}\n\n";
    let out = run(&mut translator, text)?;
    assert_eq!(names(&out), ["error"]);
    assert_eq!(out[0].1["message"], "Overloaded");
    Ok(translator)
}
