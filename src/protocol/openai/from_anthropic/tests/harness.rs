//! Stream test harness: builders for OpenAI chunks, a runner, a well-formedness
//! check and an accumulator that rebuilds the final message like the SDK does.

use bytes::Bytes;
use serde_json::{Value, json};

use super::super::StreamTranslator;
use crate::protocol::StreamTranslate;
use crate::protocol::sse::SseEvent;

pub(super) fn event(data: &str) -> SseEvent {
    SseEvent {
        raw: Bytes::from(format!("data: {data}\n\n")),
        event: None,
        data: data.to_string(),
    }
}

/// A `chat.completion.chunk` with one choice.
pub(super) fn chunk(delta: Value, finish: Value) -> SseEvent {
    let chunk = json!({
        "id": "chatcmpl-123", "object": "chat.completion.chunk", "created": 1694268190,
        "model": "gpt-4o-mini", "system_fingerprint": "fp_44709d6fcb", "usage": null,
        "choices": [{"index": 0, "delta": delta, "logprobs": null, "finish_reason": finish}],
    });
    event(&chunk.to_string())
}

pub(super) fn text(text: &str) -> SseEvent {
    chunk(json!({"content": text}), Value::Null)
}

pub(super) fn call(index: u64, id: Option<&str>, name: Option<&str>, arguments: &str) -> SseEvent {
    let mut call = json!({"index": index, "function": {"arguments": arguments}});
    if let (Some(id), Some(name)) = (id, name) {
        call["id"] = json!(id);
        call["type"] = json!("function");
        call["function"]["name"] = json!(name);
    }
    chunk(json!({"tool_calls": [call]}), Value::Null)
}

pub(super) fn finish(reason: &str) -> SseEvent {
    chunk(json!({}), json!(reason))
}

pub(super) fn usage(prompt: i64, completion: i64, cached: i64) -> SseEvent {
    let chunk = json!({"id": "chatcmpl-123", "object": "chat.completion.chunk", "choices": [],
        "usage": {"prompt_tokens": prompt, "completion_tokens": completion,
            "total_tokens": prompt + completion, "prompt_tokens_details": {"cached_tokens": cached}}});
    event(&chunk.to_string())
}

pub(super) fn done() -> SseEvent {
    event("[DONE]")
}

/// Feeds the events then ends the body; returns every frame as (event name, data).
pub(super) fn run(
    translator: &mut StreamTranslator,
    events: Vec<SseEvent>,
) -> Vec<(String, Value)> {
    let mut frames: Vec<Bytes> = events
        .into_iter()
        .flat_map(|e| translator.event(e))
        .collect();
    frames.extend(translator.finish());
    frames.iter().map(|f| parse(f)).collect()
}

pub(super) fn parse(frame: &[u8]) -> (String, Value) {
    let text = String::from_utf8_lossy(frame);
    let rest = text
        .strip_prefix("event: ")
        .unwrap_or_else(|| panic!("{text}"));
    let (name, rest) = rest
        .split_once("\ndata: ")
        .unwrap_or_else(|| panic!("{text}"));
    let data = rest
        .strip_suffix("\n\n")
        .unwrap_or_else(|| panic!("{text}"));
    let value: Value = serde_json::from_str(data).unwrap_or_else(|e| panic!("{e}: {data}"));
    assert_eq!(value["type"], name, "event name and data type agree");
    (name.to_string(), value)
}

/// message_start, ping, blocks that open in index order and close before the next
/// opens, deltas only to the open block, then message_delta and message_stop last.
pub(super) fn assert_well_formed(frames: &[(String, Value)]) {
    let names: Vec<&str> = frames.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names.first(), Some(&"message_start"), "{names:?}");
    assert_eq!(names.get(1), Some(&"ping"), "{names:?}");
    assert_eq!(names.last(), Some(&"message_stop"), "{names:?}");
    assert_eq!(names.iter().filter(|n| **n == "message_stop").count(), 1);
    assert_eq!(names[names.len() - 2], "message_delta", "{names:?}");
    let (mut open, mut next) = (None, 0);
    for (name, data) in &frames[2..frames.len() - 2] {
        let index = data["index"].as_u64();
        match name.as_str() {
            "content_block_start" => {
                assert_eq!(open, None, "start while a block is open: {names:?}");
                assert_eq!(index, Some(next), "indexes increase by one");
                open = index;
                next += 1;
            }
            "content_block_delta" => assert_eq!(index, open, "delta to the open block"),
            "content_block_stop" => {
                assert_eq!(index, open, "stop of the open block");
                open = None;
            }
            other => panic!("unexpected {other} inside the message"),
        }
    }
    assert_eq!(open, None, "every block closed");
}

/// The final message, built the way `anthropic`'s MessageStream accumulates events.
pub(super) fn accumulate(frames: &[(String, Value)]) -> Value {
    let mut message = Value::Null;
    let mut json_bufs: Vec<String> = Vec::new();
    for (name, data) in frames {
        match name.as_str() {
            "message_start" => message = data["message"].clone(),
            "content_block_start" => {
                if let Some(content) = message["content"].as_array_mut() {
                    content.push(data["content_block"].clone());
                }
                json_bufs.push(String::new());
            }
            "content_block_delta" => {
                let i = data["index"].as_u64().unwrap_or(u64::MAX) as usize;
                let block = &mut message["content"][i];
                let delta = &data["delta"];
                let append = |block: &mut Value, key: &str, part: &Value| {
                    let joined = format!(
                        "{}{}",
                        block[key].as_str().unwrap_or(""),
                        part.as_str().unwrap_or("")
                    );
                    block[key] = json!(joined);
                };
                match delta["type"].as_str() {
                    Some("text_delta") => append(block, "text", &delta["text"]),
                    Some("thinking_delta") => append(block, "thinking", &delta["thinking"]),
                    Some("signature_delta") => block["signature"] = delta["signature"].clone(),
                    Some("input_json_delta") => {
                        json_bufs[i].push_str(delta["partial_json"].as_str().unwrap_or(""));
                        block["input"] = serde_json::from_str(&json_bufs[i]).unwrap_or(Value::Null);
                    }
                    other => panic!("unknown delta {other:?}"),
                }
            }
            "message_delta" => {
                message["stop_reason"] = data["delta"]["stop_reason"].clone();
                message["stop_sequence"] = data["delta"]["stop_sequence"].clone();
                for (key, value) in data["usage"].as_object().into_iter().flatten() {
                    message["usage"][key] = value.clone();
                }
            }
            _ => {}
        }
    }
    message
}
