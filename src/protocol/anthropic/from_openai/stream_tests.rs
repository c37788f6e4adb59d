//! Stream translation: Anthropic event streams as documented, framed by the real SSE
//! framer, in; the chunks the OpenAI client sees out.

use serde_json::{Value, json};

use super::StreamTranslator;
use crate::protocol::StreamTranslate;
use crate::protocol::sse::SseFramer;

const START: &str = r#"{"type":"message_start","message":{"id":"msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY","type":"message","role":"assistant","content":[],"model":"claude-sonnet-4-5-20250929","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":25,"output_tokens":1,"cache_read_input_tokens":10,"cache_creation_input_tokens":0}}}"#;
const ID: &str = "msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY";

/// `event:` + `data:` text for each (name, data) pair.
fn sse(events: &[(&str, String)]) -> String {
    events
        .iter()
        .map(|(name, data)| format!("event: {name}\ndata: {data}\n\n"))
        .collect()
}

fn text_block(index: u32) -> (&'static str, String) {
    (
        "content_block_start",
        format!(
            r#"{{"type":"content_block_start","index":{index},"content_block":{{"type":"text","text":""}}}}"#
        ),
    )
}

fn delta(index: u32, delta: Value) -> (&'static str, String) {
    (
        "content_block_delta",
        json!({"type": "content_block_delta", "index": index, "delta": delta}).to_string(),
    )
}

fn block_stop(index: u32) -> (&'static str, String) {
    (
        "content_block_stop",
        format!(r#"{{"type":"content_block_stop","index":{index}}}"#),
    )
}

fn tool_start(index: u32, id: &str, name: &str) -> (&'static str, String) {
    let block = json!({"type": "tool_use", "id": id, "name": name, "input": {}});
    (
        "content_block_start",
        json!({"type": "content_block_start", "index": index, "content_block": block}).to_string(),
    )
}

fn end(stop_reason: &str, output_tokens: i64) -> Vec<(&'static str, String)> {
    let delta = json!({"type": "message_delta", "delta": {"stop_reason": stop_reason, "stop_sequence": null},
                       "usage": {"output_tokens": output_tokens}});
    vec![
        ("message_delta", delta.to_string()),
        ("message_stop", r#"{"type":"message_stop"}"#.to_string()),
    ]
}

/// Runs `text` through the framer and `translator`; each frame's data as JSON
/// (`[DONE]` as the string "[DONE]"), plus the frames of `finish()`.
fn run(translator: &mut StreamTranslator, text: &str) -> anyhow::Result<Vec<Value>> {
    let mut framer = SseFramer::default();
    let mut frames = Vec::new();
    for event in framer.push(text.as_bytes()) {
        frames.extend(translator.event(event));
    }
    frames.extend(translator.finish());
    let mut out = Vec::new();
    for frame in frames {
        let text = std::str::from_utf8(&frame)?;
        let data = text
            .strip_prefix("data: ")
            .and_then(|t| t.strip_suffix("\n\n"));
        let data = data.ok_or_else(|| anyhow::anyhow!("not a data frame: {text:?}"))?;
        out.push(if data == "[DONE]" {
            json!("[DONE]")
        } else {
            serde_json::from_str(data)?
        });
    }
    Ok(out)
}

/// The `delta` of each chunk that has a choice, in order.
fn deltas(frames: &[Value]) -> Vec<Value> {
    frames
        .iter()
        .filter_map(|f| f["choices"].get(0))
        .map(|c| c["delta"].clone())
        .collect()
}

#[test]
fn text_stream_with_usage_chunk() -> anyhow::Result<()> {
    let mut events = vec![
        ("message_start", START.to_string()),
        text_block(0),
        ("ping", r#"{"type": "ping"}"#.to_string()),
    ];
    events.push(delta(0, json!({"type": "text_delta", "text": "Hello"})));
    events.push(delta(0, json!({"type": "text_delta", "text": "!"})));
    events.push(block_stop(0));
    events.extend(end("end_turn", 15));
    let mut translator = StreamTranslator::new(true);
    let frames = run(&mut translator, &sse(&events))?;
    assert_eq!(frames.len(), 6, "{frames:#?}");
    let created = frames[0]["created"].clone();
    assert!(created.as_i64().unwrap_or(0) > 1_700_000_000);
    let chunk = |delta: Value, finish: Value| {
        json!({
            "id": ID, "object": "chat.completion.chunk", "created": created, "model": "claude-sonnet-4-5-20250929",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        })
    };
    assert_eq!(
        frames[0],
        chunk(json!({"role": "assistant", "content": ""}), Value::Null)
    );
    assert_eq!(frames[1], chunk(json!({"content": "Hello"}), Value::Null));
    assert_eq!(frames[2], chunk(json!({"content": "!"}), Value::Null));
    assert_eq!(frames[3], chunk(json!({}), json!("stop")));
    let usage = json!({"prompt_tokens": 35, "completion_tokens": 15, "total_tokens": 50,
                       "prompt_tokens_details": {"cached_tokens": 10}});
    assert_eq!(
        frames[4],
        json!({"id": ID, "object": "chat.completion.chunk", "created": created,
        "model": "claude-sonnet-4-5-20250929", "choices": [], "usage": usage})
    );
    assert_eq!(frames[5], json!("[DONE]"));
    let counted = translator.usage().unwrap_or_default();
    assert_eq!(
        (
            counted.prompt_tokens,
            counted.completion_tokens,
            counted.cached()
        ),
        (35, 15, 10)
    );
    assert_eq!(translator.text_chars(), 6);
    assert_eq!(translator.upstream_error(), None);
    Ok(())
}

#[test]
fn include_usage_off_has_no_usage_chunk() -> anyhow::Result<()> {
    let mut events = vec![("message_start", START.to_string()), text_block(0)];
    events.push(delta(0, json!({"type": "text_delta", "text": "Hi"})));
    events.extend(end("max_tokens", 3));
    let mut translator = StreamTranslator::new(false);
    let frames = run(&mut translator, &sse(&events))?;
    assert_eq!(frames.len(), 4);
    assert_eq!(frames[2]["choices"][0]["finish_reason"], json!("length"));
    assert!(frames.iter().all(|f| f.get("usage").is_none()));
    assert_eq!(frames[3], json!("[DONE]"));
    assert_eq!(translator.usage().map(|u| u.completion_tokens), Some(3));
    Ok(())
}

#[test]
fn text_then_parallel_tool_calls_index_from_zero() -> anyhow::Result<()> {
    let mut events = vec![("message_start", START.to_string()), text_block(0)];
    events.push(delta(0, json!({"type": "text_delta", "text": "Checking."})));
    events.push(block_stop(0));
    events.push(tool_start(
        1,
        "toolu_01T1x1fJ34qAmk2tNTrN7Up6",
        "get_weather",
    ));
    events.push(delta(
        1,
        json!({"type": "input_json_delta", "partial_json": ""}),
    ));
    events.push(delta(
        1,
        json!({"type": "input_json_delta", "partial_json": "{\"location\":"}),
    ));
    events.push(tool_start(2, "toolu_02", "get_time"));
    events.push(delta(
        1,
        json!({"type": "input_json_delta", "partial_json": " \"Paris\"}"}),
    ));
    events.push(delta(
        2,
        json!({"type": "input_json_delta", "partial_json": "{}"}),
    ));
    events.push(block_stop(1));
    events.push(block_stop(2));
    events.extend(end("tool_use", 89));
    let mut translator = StreamTranslator::new(false);
    let frames = run(&mut translator, &sse(&events))?;
    let expected = vec![
        json!({"role": "assistant", "content": ""}),
        json!({"content": "Checking."}),
        json!({"tool_calls": [{"index": 0, "id": "toolu_01T1x1fJ34qAmk2tNTrN7Up6", "type": "function",
                               "function": {"name": "get_weather", "arguments": ""}}]}),
        json!({"tool_calls": [{"index": 0, "function": {"arguments": "{\"location\":"}}]}),
        json!({"tool_calls": [{"index": 1, "id": "toolu_02", "type": "function",
                               "function": {"name": "get_time", "arguments": ""}}]}),
        json!({"tool_calls": [{"index": 0, "function": {"arguments": " \"Paris\"}"}}]}),
        json!({"tool_calls": [{"index": 1, "function": {"arguments": "{}"}}]}),
        json!({}),
    ];
    assert_eq!(deltas(&frames), expected);
    assert_eq!(
        frames[frames.len() - 2]["choices"][0]["finish_reason"],
        json!("tool_calls")
    );
    assert!(
        frames
            .iter()
            .all(|f| f["id"] == json!(ID) || f == &json!("[DONE]"))
    );
    assert_eq!(translator.text_chars(), 9 + 12 + 9 + 2);
    Ok(())
}

#[test]
fn thinking_then_text() -> anyhow::Result<()> {
    let thinking = r#"{"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":""}}"#;
    let mut events = vec![
        ("message_start", START.to_string()),
        ("content_block_start", thinking.to_string()),
    ];
    events.push(delta(
        0,
        json!({"type": "thinking_delta", "thinking": "Let me solve this step by step."}),
    ));
    events.push(delta(0, json!({"type": "signature_delta", "signature": "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds"})));
    events.push(block_stop(0));
    events.push(text_block(1));
    events.push(delta(
        1,
        json!({"type": "text_delta", "text": "27 * 453 = 12,231"}),
    ));
    events.push(block_stop(1));
    events.extend(end("end_turn", 40));
    let frames = run(&mut StreamTranslator::new(false), &sse(&events))?;
    let expected = vec![
        json!({"role": "assistant", "content": ""}),
        json!({"reasoning_content": "Let me solve this step by step."}),
        json!({"thinking_blocks": [{"type": "thinking", "thinking": "Let me solve this step by step.",
            "signature": "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds"}]}),
        json!({"content": "27 * 453 = 12,231"}),
        json!({}),
    ];
    assert_eq!(deltas(&frames), expected);
    Ok(())
}

#[test]
fn error_event_mid_stream() -> anyhow::Result<()> {
    let mut events = vec![("message_start", START.to_string()), text_block(0)];
    events.push(delta(0, json!({"type": "text_delta", "text": "Partial"})));
    events.push((
        "error",
        r#"{"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}"#
            .to_string(),
    ));
    let mut translator = StreamTranslator::new(true);
    let frames = run(&mut translator, &sse(&events))?;
    assert_eq!(frames.len(), 3, "{frames:#?}");
    assert_eq!(frames[2]["error"]["message"], json!("Overloaded"));
    assert_eq!(frames[2]["error"]["type"], json!("upstream_error"));
    assert!(!frames.contains(&json!("[DONE]")));
    assert_eq!(translator.upstream_error().as_deref(), Some("Overloaded"));
    Ok(())
}

#[test]
fn cut_stream_gets_no_done() -> anyhow::Result<()> {
    let mut events = vec![("message_start", START.to_string()), text_block(0)];
    events.push(delta(
        0,
        json!({"type": "text_delta", "text": "Half an ans"}),
    ));
    let mut translator = StreamTranslator::new(true);
    let frames = run(&mut translator, &sse(&events))?;
    assert_eq!(
        deltas(&frames),
        vec![
            json!({"role": "assistant", "content": ""}),
            json!({"content": "Half an ans"})
        ]
    );
    assert!(
        frames
            .iter()
            .all(|f| f["choices"][0]["finish_reason"].is_null() && f != &json!("[DONE]"))
    );
    // No final count: message_start's input and cache counts stay, output is estimated.
    let usage = translator
        .usage()
        .map(|u| (u.prompt_tokens, u.cached(), u.completion_tokens));
    assert!(usage == Some((35, 10, 3)) && translator.usage_estimated());
    assert_eq!(translator.text_chars(), 11);
    // The relay's own frame for the cut is in the OpenAI error shape.
    let frame = translator.error_frame("stream cut", "timeout");
    assert!(std::str::from_utf8(&frame)?.starts_with("data: {\"error\""));
    Ok(())
}
