//! POST /v1/responses: an OpenAI Responses API object, or its event stream.
//!
//! Non-stream answers carry reasoning and function calls when asked; the stream
//! carries the text message only.

use poem::Response;
use poem::http::StatusCode;
use serde_json::{Value, json};

use crate::reply::{self, Sse};
use crate::request::Ctx;
use crate::script;

pub fn reply(ctx: &Ctx) -> Response {
    let scenario = ctx.scenario();
    if ctx.req.is_stream() || scenario.sse_for_non_stream {
        reply::sse(events(ctx), ctx)
    } else {
        reply::json(StatusCode::OK, &response(ctx, "completed", output(ctx)))
    }
}

fn response(ctx: &Ctx, status: &str, output: Vec<Value>) -> Value {
    let script = &ctx.script;
    let usage = (ctx.scenario().usage && status == "completed").then(|| {
        let (input, output) = (script.prompt_tokens(), script.output_tokens());
        json!({
            "input_tokens": input,
            "input_tokens_details": {"cached_tokens": script.cache_read_tokens},
            "output_tokens": output,
            "output_tokens_details": {"reasoning_tokens": script.reasoning_tokens()},
            "total_tokens": input + output,
        })
    });
    json!({
        "id": ctx.id("resp_"),
        "object": "response",
        "created_at": ctx.created,
        "status": status,
        "error": null,
        "incomplete_details": null,
        "model": ctx.model(),
        "output": output,
        "parallel_tool_calls": true,
        "usage": usage,
    })
}

fn message(ctx: &Ctx, status: &str, text: &str) -> Value {
    json!({
        "type": "message",
        "id": ctx.id("msg_"),
        "status": status,
        "role": "assistant",
        "content": if status == "completed" { json!([output_text(text)]) } else { json!([]) },
    })
}

fn output_text(text: &str) -> Value {
    json!({"type": "output_text", "text": text, "annotations": []})
}

fn output(ctx: &Ctx) -> Vec<Value> {
    let script = &ctx.script;
    let mut items = Vec::new();
    if script.reasoning {
        let summary = json!([{"type": "summary_text", "text": script.reasoning().concat()}]);
        items.push(json!({"type": "reasoning", "id": ctx.id("rs_"), "summary": summary}));
    }
    for i in 0..script.tool_calls {
        items.push(json!({
            "type": "function_call",
            "id": format!("fc_{i}"),
            "call_id": script::tool_id(i),
            "name": script::tool_name(i),
            "arguments": script::tool_args(i),
            "status": "completed",
        }));
    }
    if !script.uses_tools() {
        items.push(message(ctx, "completed", &script.text()));
    }
    items
}

/// `event: TYPE` frames whose data carries `type` and a running `sequence_number`.
struct Events {
    sse: Sse,
    sequence: u64,
}

impl Events {
    fn emit(&mut self, kind: &str, mut data: Value) -> serde_json::Result<()> {
        data["type"] = json!(kind);
        data["sequence_number"] = json!(self.sequence);
        self.sequence += 1;
        self.sse.event(kind, &data)
    }
}

fn events(ctx: &Ctx) -> serde_json::Result<Sse> {
    let text = ctx.script.text();
    let item_id = ctx.id("msg_");
    let at = |extra: Value| {
        let mut data = json!({"item_id": item_id, "output_index": 0, "content_index": 0});
        if let (Some(data), Value::Object(extra)) = (data.as_object_mut(), extra) {
            data.extend(extra);
        }
        data
    };
    let mut out = Events {
        sse: Sse::default(),
        sequence: 0,
    };
    let pending = response(ctx, "in_progress", Vec::new());
    out.emit("response.created", json!({"response": pending}))?;
    out.emit("response.in_progress", json!({"response": pending}))?;
    let item = message(ctx, "in_progress", "");
    out.emit(
        "response.output_item.added",
        json!({"output_index": 0, "item": item}),
    )?;
    let part = json!({"part": output_text("")});
    out.emit("response.content_part.added", at(part))?;
    for word in ctx.script.words() {
        out.emit("response.output_text.delta", at(json!({"delta": word})))?;
    }
    out.emit("response.output_text.done", at(json!({"text": text})))?;
    let part = json!({"part": output_text(&text)});
    out.emit("response.content_part.done", at(part))?;
    let item = message(ctx, "completed", &text);
    out.emit(
        "response.output_item.done",
        json!({"output_index": 0, "item": item}),
    )?;
    let done = response(ctx, "completed", vec![item]);
    out.emit("response.completed", json!({"response": done}))?;
    Ok(out.sse)
}
