//! Thinking across the translation: signed blocks out to the OpenAI client (stream and
//! non-stream), `thinking_blocks` back to Anthropic before `tool_use`, and a forced
//! tool choice that turns thinking off.

use serde_json::{Value, json};

use super::StreamTranslator;
use super::request_tests::{translate, with};
use crate::protocol::StreamTranslate;
use crate::protocol::sse::SseFramer;

const SIGNATURE: &str = "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds";

/// The `delta` of each chunk of an event stream, in order.
fn stream_deltas(events: &[Value]) -> anyhow::Result<Vec<Value>> {
    let text: String = events
        .iter()
        .map(|data| {
            format!(
                "event: {}\ndata: {data}\n\n",
                data["type"].as_str().unwrap_or("")
            )
        })
        .collect();
    let mut translator = StreamTranslator::new(false);
    let mut deltas = Vec::new();
    for event in SseFramer::default().push(text.as_bytes()) {
        for frame in translator.event(event) {
            let frame = std::str::from_utf8(&frame)?;
            let data = frame.trim_start_matches("data: ").trim_end();
            if data != "[DONE]" {
                let chunk: Value = serde_json::from_str(data)?;
                deltas.push(chunk["choices"][0]["delta"].clone());
            }
        }
    }
    Ok(deltas)
}

#[test]
fn signed_blocks_stream_whole_after_their_text() -> anyhow::Result<()> {
    let start = json!({"type": "message_start", "message": {"id": "msg_1", "model": "claude",
        "usage": {"input_tokens": 5, "output_tokens": 1}}});
    let block = |index: u32, block: Value| json!({"type": "content_block_start", "index": index, "content_block": block});
    let delta = |index: u32, delta: Value| json!({"type": "content_block_delta", "index": index, "delta": delta});
    let stop = |index: u32| json!({"type": "content_block_stop", "index": index});
    let events = [
        start,
        block(
            0,
            json!({"type": "thinking", "thinking": "", "signature": ""}),
        ),
        delta(0, json!({"type": "thinking_delta", "thinking": "Weather"})),
        delta(0, json!({"type": "thinking_delta", "thinking": " first."})),
        delta(
            0,
            json!({"type": "signature_delta", "signature": SIGNATURE}),
        ),
        stop(0),
        block(1, json!({"type": "redacted_thinking", "data": "EmwKAhgB"})),
        stop(1),
        block(
            2,
            json!({"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {}}),
        ),
        delta(2, json!({"type": "input_json_delta", "partial_json": "{}"})),
        stop(2),
        json!({"type": "message_delta", "delta": {"stop_reason": "tool_use"}, "usage": {"output_tokens": 9}}),
        json!({"type": "message_stop"}),
    ];
    let deltas = stream_deltas(&events)?;
    let expected = [
        json!({"role": "assistant", "content": ""}),
        json!({"reasoning_content": "Weather"}),
        json!({"reasoning_content": " first."}),
        json!({"thinking_blocks": [{"type": "thinking", "thinking": "Weather first.", "signature": SIGNATURE}]}),
        json!({"thinking_blocks": [{"type": "redacted_thinking", "data": "EmwKAhgB"}]}),
        json!({"tool_calls": [{"index": 0, "id": "toolu_1", "type": "function",
            "function": {"name": "get_weather", "arguments": ""}}]}),
        json!({"tool_calls": [{"index": 0, "function": {"arguments": "{}"}}]}),
        json!({}),
    ];
    assert_eq!(deltas, expected);
    Ok(())
}

/// A tool round trip as an OpenAI client sends it back after a thinking answer.
fn round_trip(thinking_blocks: Value) -> Value {
    with(json!({
        "reasoning_effort": "low",
        "messages": [
            {"role": "user", "content": "Weather in Paris?"},
            {"role": "assistant", "content": null, "reasoning_content": "Weather first.",
             "thinking_blocks": thinking_blocks,
             "tool_calls": [{"id": "toolu_1", "type": "function",
                             "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}}]},
            {"role": "tool", "tool_call_id": "toolu_1", "content": "sunny"},
        ],
    }))
}

#[test]
fn thinking_blocks_go_back_signed_before_tool_use() -> anyhow::Result<()> {
    let blocks = json!([
        {"type": "thinking", "thinking": "Weather first.", "signature": SIGNATURE},
        {"type": "redacted_thinking", "data": "EmwKAhgB"},
        {"type": "thinking", "thinking": "unsigned, from another model", "signature": ""},
    ]);
    let out = translate(round_trip(blocks))?;
    let expected = json!([
        {"type": "thinking", "thinking": "Weather first.", "signature": SIGNATURE},
        {"type": "redacted_thinking", "data": "EmwKAhgB"},
        {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"city": "Paris"}},
    ]);
    assert_eq!(out["messages"][1]["content"], expected);
    assert_eq!(
        out["thinking"],
        json!({"type": "enabled", "budget_tokens": 1024})
    );
    Ok(())
}

#[test]
fn malformed_thinking_blocks_are_400_naming_the_field() {
    for blocks in [
        json!({"type": "thinking"}),
        json!([{"type": "thinking", "thinking": "x"}]),
        json!([{"type": "summary", "text": "x"}]),
    ] {
        let err = translate(round_trip(blocks.clone())).err();
        let param = err.and_then(|e| match e {
            crate::error::GatewayError::BadRequest { param, .. } => param,
            _ => None,
        });
        assert_eq!(
            param.as_deref(),
            Some("messages[1].thinking_blocks"),
            "{blocks}"
        );
    }
}

#[test]
fn forced_tool_choice_turns_thinking_off() -> anyhow::Result<()> {
    let tools = json!([{"type": "function", "function": {"name": "get_weather"}}]);
    let named = json!({"type": "function", "function": {"name": "get_weather"}});
    for choice in [json!("required"), named] {
        let out = translate(with(json!({"reasoning_effort": "high", "tools": tools,
            "tool_choice": choice, "temperature": 0.5})))?;
        assert_eq!(out.get("thinking"), None, "{choice}");
        // Without thinking the sampling parameters go through again.
        assert_eq!(out["temperature"], json!(0.5));
    }
    let out = translate(with(
        json!({"reasoning_effort": "high", "tools": tools, "tool_choice": "auto"}),
    ))?;
    assert_eq!(out["thinking"]["type"], json!("enabled"));
    Ok(())
}
