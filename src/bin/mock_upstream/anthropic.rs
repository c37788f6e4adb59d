//! POST /v1/messages and /v1/messages/count_tokens: the Anthropic Messages API,
//! as one JSON message or the full event stream.

use poem::Response;
use poem::http::StatusCode;
use serde_json::{Value, json};

use crate::reply::{self, Dialect, Sse};
use crate::request::Ctx;
use crate::script::{self, SIGNATURE};

pub fn messages(ctx: &Ctx) -> Response {
    if ctx.req.max_tokens.is_none() {
        return reply::bad_request(Dialect::Anthropic, "max_tokens: Field required");
    }
    let scenario = ctx.scenario();
    if ctx.req.is_stream() || scenario.sse_for_non_stream {
        reply::sse(events(ctx), ctx)
    } else {
        let output_tokens = ctx.script.output_tokens();
        let body = message(ctx, content(ctx), stop_reason(ctx), output_tokens);
        reply::json(StatusCode::OK, &body)
    }
}

pub fn count_tokens(ctx: &Ctx) -> Response {
    let body = json!({"input_tokens": ctx.script.input_tokens});
    reply::json(StatusCode::OK, &body)
}

fn stop_reason(ctx: &Ctx) -> Value {
    json!(if ctx.script.uses_tools() {
        "tool_use"
    } else {
        "end_turn"
    })
}

fn message(ctx: &Ctx, content: Value, stop_reason: Value, output_tokens: u64) -> Value {
    let script = &ctx.script;
    let mut body = json!({
        "id": ctx.id("msg_"),
        "type": "message",
        "role": "assistant",
        "model": ctx.model(),
        "content": content,
        "stop_reason": stop_reason,
        "stop_sequence": null,
    });
    if ctx.scenario().usage {
        body["usage"] = json!({
            "input_tokens": script.input_tokens,
            "output_tokens": output_tokens,
            "cache_read_input_tokens": script.cache_read_tokens,
            "cache_creation_input_tokens": script.cache_creation_tokens,
        });
    }
    body
}

fn tool_use(i: usize, input: Value) -> Value {
    json!({"type": "tool_use", "id": script::tool_id(i), "name": script::tool_name(i), "input": input})
}

/// Content blocks of a non-stream answer: thinking, then text or tool uses.
fn content(ctx: &Ctx) -> Value {
    let script = &ctx.script;
    let mut blocks = Vec::new();
    if script.reasoning {
        let thinking = script.reasoning().concat();
        blocks.push(json!({"type": "thinking", "thinking": thinking, "signature": SIGNATURE}));
    }
    for i in 0..script.tool_calls {
        blocks.push(tool_use(i, json!({"city": "Paris", "n": i})));
    }
    if !script.uses_tools() {
        blocks.push(json!({"type": "text", "text": script.text()}));
    }
    Value::Array(blocks)
}

/// Content block events with a running index; one `ping` follows the first block start.
struct Blocks {
    sse: Sse,
    index: usize,
    pinged: bool,
}

impl Blocks {
    fn start(&mut self, block: Value) -> serde_json::Result<()> {
        let event =
            json!({"type": "content_block_start", "index": self.index, "content_block": block});
        self.sse.event("content_block_start", &event)?;
        if !self.pinged {
            self.pinged = true;
            self.sse.event("ping", &json!({"type": "ping"}))?;
        }
        Ok(())
    }

    fn delta(&mut self, delta: Value) -> serde_json::Result<()> {
        let event = json!({"type": "content_block_delta", "index": self.index, "delta": delta});
        self.sse.event("content_block_delta", &event)
    }

    fn stop(&mut self) -> serde_json::Result<()> {
        let event = json!({"type": "content_block_stop", "index": self.index});
        self.index += 1;
        self.sse.event("content_block_stop", &event)
    }
}

fn events(ctx: &Ctx) -> serde_json::Result<Sse> {
    let script = &ctx.script;
    let mut out = Blocks {
        sse: Sse::default(),
        index: 0,
        pinged: false,
    };
    let start = message(ctx, json!([]), Value::Null, 1);
    out.sse.event(
        "message_start",
        &json!({"type": "message_start", "message": start}),
    )?;
    if script.reasoning {
        out.start(json!({"type": "thinking", "thinking": "", "signature": ""}))?;
        for piece in script.reasoning() {
            out.delta(json!({"type": "thinking_delta", "thinking": piece}))?;
        }
        out.delta(json!({"type": "signature_delta", "signature": SIGNATURE}))?;
        out.stop()?;
    }
    for i in 0..script.tool_calls {
        out.start(tool_use(i, json!({})))?;
        for piece in script::tool_arg_pieces(i) {
            out.delta(json!({"type": "input_json_delta", "partial_json": piece}))?;
        }
        out.stop()?;
    }
    if !script.uses_tools() {
        out.start(json!({"type": "text", "text": ""}))?;
        for word in script.words() {
            out.delta(json!({"type": "text_delta", "text": word}))?;
        }
        out.stop()?;
    }
    let mut delta = json!({
        "type": "message_delta",
        "delta": {"stop_reason": stop_reason(ctx), "stop_sequence": null},
    });
    if ctx.scenario().usage {
        delta["usage"] = json!({"output_tokens": script.output_tokens()});
    }
    out.sse.event("message_delta", &delta)?;
    out.sse
        .event("message_stop", &json!({"type": "message_stop"}))?;
    let mut sse = out.sse;
    if let Some(after) = ctx.scenario().stream_error {
        sse.truncate(after);
        let error = json!({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}});
        sse.event("error", &error)?;
    }
    Ok(sse)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::Payload;

    /// `(event name, data)` of every frame.
    fn stream(body: &str) -> Vec<(String, Value)> {
        let payload: Payload = serde_json::from_str(body).unwrap_or_default();
        let ctx = Ctx::new(&payload, body.len(), 1, None);
        let sse = events(&ctx).unwrap_or_default();
        sse.frames()
            .iter()
            .map(|frame| {
                let text = std::str::from_utf8(frame).unwrap_or_default();
                let (event, data) = text.split_once('\n').unwrap_or_default();
                let name = event.trim_start_matches("event: ").to_owned();
                let data = data.trim_start_matches("data: ").trim_end();
                (name, serde_json::from_str(data).unwrap_or_default())
            })
            .collect()
    }

    fn names(events: &[(String, Value)]) -> Vec<&str> {
        events.iter().map(|(name, _)| name.as_str()).collect()
    }

    #[test]
    fn text_stream_follows_the_messages_event_order() {
        let events = stream(r#"{"model":"c","mock":{"chunks":2}}"#);
        let expected = [
            "message_start",
            "content_block_start",
            "ping",
            "content_block_delta",
            "content_block_delta",
            "content_block_stop",
            "message_delta",
            "message_stop",
        ];
        assert_eq!(names(&events), expected);
        assert_eq!(events[0].1["message"]["model"], "c");
        assert_eq!(events[6].1["delta"]["stop_reason"], "end_turn");
        assert_eq!(events[6].1["usage"]["output_tokens"], 2);
    }

    #[test]
    fn thinking_then_tool_use_blocks() {
        let events = stream(r#"{"mock":{"reasoning":true,"tool_calls":1}}"#);
        let deltas: Vec<&str> = events
            .iter()
            .filter_map(|(_, data)| data["delta"]["type"].as_str())
            .collect();
        let thinking = ["thinking_delta"; 4];
        assert_eq!(deltas[..4], thinking);
        assert_eq!(deltas[4], "signature_delta");
        let json: String = events
            .iter()
            .filter_map(|(_, data)| data["delta"]["partial_json"].as_str())
            .collect();
        assert_eq!(json, r#"{"city":"Paris","n":0}"#);
        let tool_start = events.iter().find(|(_, data)| data["index"] == 1);
        assert_eq!(
            tool_start.map(|(_, data)| &data["content_block"]["type"]),
            Some(&json!("tool_use"))
        );
        assert_eq!(
            events[events.len() - 2].1["delta"]["stop_reason"],
            "tool_use"
        );
    }

    #[test]
    fn stream_error_replaces_the_rest() {
        let events = stream(r#"{"mock":{"stream_error":2}}"#);
        assert_eq!(
            names(&events),
            ["message_start", "content_block_start", "error"]
        );
        assert_eq!(events[2].1["error"]["type"], "overloaded_error");
    }
}
