//! Turns a Messages event stream into the single Messages JSON a non-streaming client
//! expects (for upstreams that stream although asked not to): text, thinking (with its
//! signature) and tool_use blocks by index, tool input assembled from its JSON deltas,
//! stop reason and usage. A stream without `message_stop` is a cut answer: an error.

use std::collections::BTreeMap;

use bytes::Bytes;
use serde_json::{Map, Value};

use crate::error::{GatewayError, Result};
use crate::protocol::sse::SseFramer;

fn append(block: &mut Value, field: &str, piece: Option<&Value>) {
    let Some(piece) = piece.and_then(Value::as_str) else {
        return;
    };
    let mut text = block[field].as_str().unwrap_or_default().to_string();
    text.push_str(piece);
    block[field] = Value::String(text);
}

/// The assembled message as JSON bytes; an error when the stream ends before
/// `message_stop` (a cut answer).
pub fn aggregate_message(body: &[u8]) -> Result<Bytes> {
    let mut framer = SseFramer::default();
    let mut events = framer.push(body);
    events.extend(framer.finish());
    let mut message = Map::new();
    let mut blocks: BTreeMap<u64, Value> = BTreeMap::new();
    let mut tool_json: BTreeMap<u64, String> = BTreeMap::new();
    let mut stopped = false;
    for event in events {
        let Ok(data) = serde_json::from_str::<Value>(&event.data) else {
            continue;
        };
        let index = data["index"].as_u64().unwrap_or(0);
        match data["type"].as_str().unwrap_or_default() {
            "message_start" => {
                if let Value::Object(start) = &data["message"] {
                    message = start.clone();
                }
            }
            "content_block_start" => {
                blocks.insert(index, data["content_block"].clone());
            }
            "content_block_delta" => {
                let delta = &data["delta"];
                let block = blocks.entry(index).or_insert(Value::Null);
                match delta["type"].as_str().unwrap_or_default() {
                    "text_delta" => append(block, "text", delta.get("text")),
                    "thinking_delta" => append(block, "thinking", delta.get("thinking")),
                    "signature_delta" => block["signature"] = delta["signature"].clone(),
                    "input_json_delta" => {
                        let json = tool_json.entry(index).or_default();
                        json.push_str(delta["partial_json"].as_str().unwrap_or_default());
                    }
                    _ => {}
                }
            }
            "message_delta" => {
                for key in ["stop_reason", "stop_sequence"] {
                    if let Some(value) = data["delta"].get(key) {
                        message.insert(key.to_string(), value.clone());
                    }
                }
                if let (Some(Value::Object(usage)), Value::Object(later)) =
                    (message.get_mut("usage"), &data["usage"])
                {
                    usage.extend(later.clone());
                }
            }
            "message_stop" => stopped = true,
            _ => {}
        }
    }
    if !stopped {
        return Err(GatewayError::BadGateway(
            "the upstream ended the stream without finishing the answer (no message_stop)".into(),
        ));
    }
    for (index, json) in tool_json {
        if let Some(block) = blocks.get_mut(&index) {
            block["input"] = serde_json::from_str(&json).unwrap_or(Value::Object(Map::new()));
        }
    }
    message.insert(
        "content".into(),
        Value::Array(blocks.into_values().collect()),
    );
    Ok(Bytes::from(
        serde_json::to_vec(&Value::Object(message)).unwrap_or_default(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assembles_text_thinking_and_tools() {
        let stream = concat!(
            "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude\",\"content\":[],\"stop_reason\":null,\"usage\":{\"input_tokens\":10,\"output_tokens\":1}}}\n\n",
            "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"thinking\",\"thinking\":\"\"}}\n\n",
            "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"thinking_delta\",\"thinking\":\"hm\"}}\n\n",
            "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"signature_delta\",\"signature\":\"sig\"}}\n\n",
            "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n",
            "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi\"}}\n\n",
            "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":2,\"content_block\":{\"type\":\"tool_use\",\"id\":\"t1\",\"name\":\"f\",\"input\":{}}}\n\n",
            "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":2,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"a\\\":\"}}\n\n",
            "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":2,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"1}\"}}\n\n",
            "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":7}}\n\n",
            "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n",
        );
        let message: Value = aggregate_message(stream.as_bytes())
            .map(|bytes| serde_json::from_slice(&bytes).unwrap_or_default())
            .unwrap_or_default();
        assert_eq!(message["id"], "msg_1");
        assert_eq!(message["stop_reason"], "tool_use");
        assert_eq!(message["usage"]["output_tokens"], 7);
        assert_eq!(message["usage"]["input_tokens"], 10);
        assert_eq!(message["content"][0]["thinking"], "hm");
        assert_eq!(message["content"][0]["signature"], "sig");
        assert_eq!(message["content"][1]["text"], "Hi");
        assert_eq!(message["content"][2]["input"], serde_json::json!({"a": 1}));
        let cut = stream
            .rsplit_once("event: message_stop")
            .map_or("", |(head, _)| head);
        assert!(aggregate_message(cut.as_bytes()).is_err());
    }
}
