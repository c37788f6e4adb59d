//! POST /v1/chat/completions: an OpenAI chat completion as JSON or as SSE chunks.
//!
//! Typed structs serialized straight to bytes: this is the benchmark's hot path.

use poem::Response;
use poem::http::StatusCode;
use serde::Serialize;

use crate::reply::{self, Sse};
use crate::request::Ctx;
use crate::script::{self, Script};

const FINGERPRINT: &str = "fp_mock";

#[derive(Serialize)]
pub struct Usage {
    prompt_tokens: u64,
    completion_tokens: u64,
    total_tokens: u64,
    prompt_tokens_details: PromptDetails,
    completion_tokens_details: CompletionDetails,
}

#[derive(Serialize)]
struct PromptDetails {
    cached_tokens: u64,
}

#[derive(Serialize)]
struct CompletionDetails {
    reasoning_tokens: u64,
}

impl Usage {
    pub fn of(script: &Script) -> Self {
        let prompt_tokens = script.prompt_tokens();
        let completion_tokens = script.output_tokens();
        Self {
            prompt_tokens,
            completion_tokens,
            total_tokens: prompt_tokens + completion_tokens,
            prompt_tokens_details: PromptDetails {
                cached_tokens: script.cache_read_tokens,
            },
            completion_tokens_details: CompletionDetails {
                reasoning_tokens: script.reasoning_tokens(),
            },
        }
    }
}

pub fn reply(ctx: &Ctx) -> Response {
    let scenario = ctx.scenario();
    if ctx.req.is_stream() {
        let with_usage = scenario.usage && ctx.req.include_usage();
        reply::sse(chunks(ctx, with_usage), ctx)
    } else if scenario.sse_for_non_stream {
        reply::sse(chunks(ctx, scenario.usage), ctx)
    } else {
        reply::json(StatusCode::OK, &completion(ctx))
    }
}

fn finish_reason(script: &Script) -> &'static str {
    if script.uses_tools() {
        "tool_calls"
    } else {
        "stop"
    }
}

#[derive(Serialize)]
struct Completion<'a> {
    id: String,
    object: &'static str,
    created: u64,
    model: &'a str,
    choices: [Choice; 1],
    #[serde(skip_serializing_if = "Option::is_none")]
    usage: Option<Usage>,
    system_fingerprint: &'static str,
}

#[derive(Serialize)]
struct Choice {
    index: u32,
    message: Message,
    logprobs: (),
    finish_reason: &'static str,
}

#[derive(Serialize)]
struct Message {
    role: &'static str,
    content: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reasoning_content: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tool_calls: Vec<ToolCall>,
    refusal: (),
    annotations: [(); 0],
}

#[derive(Serialize)]
struct ToolCall {
    id: String,
    #[serde(rename = "type")]
    kind: &'static str,
    function: Function,
}

#[derive(Serialize)]
struct Function {
    name: String,
    arguments: String,
}

fn completion<'a>(ctx: &'a Ctx) -> Completion<'a> {
    let script = &ctx.script;
    let tool_calls = (0..script.tool_calls)
        .map(|i| ToolCall {
            id: script::tool_id(i),
            kind: "function",
            function: Function {
                name: script::tool_name(i),
                arguments: script::tool_args(i),
            },
        })
        .collect();
    let message = Message {
        role: "assistant",
        content: (!script.uses_tools()).then(|| script.text()),
        reasoning_content: script.reasoning.then(|| script.reasoning().concat()),
        tool_calls,
        refusal: (),
        annotations: [],
    };
    Completion {
        id: ctx.id("chatcmpl-"),
        object: "chat.completion",
        created: ctx.created,
        model: ctx.model(),
        choices: [Choice {
            index: 0,
            message,
            logprobs: (),
            finish_reason: finish_reason(script),
        }],
        usage: ctx.scenario().usage.then(|| Usage::of(script)),
        system_fingerprint: FINGERPRINT,
    }
}

#[derive(Serialize)]
struct Chunk<'a> {
    id: &'a str,
    object: &'static str,
    created: u64,
    model: &'a str,
    system_fingerprint: &'static str,
    choices: &'a [ChunkChoice<'a>],
    /// Like OpenAI: `null` on every chunk when usage was asked for, absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    usage: Option<Option<&'a Usage>>,
}

#[derive(Serialize)]
struct ChunkChoice<'a> {
    index: u32,
    delta: Delta<'a>,
    logprobs: (),
    finish_reason: Option<&'static str>,
}

#[derive(Default, Serialize)]
struct Delta<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    role: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    content: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reasoning_content: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tool_calls: Option<[ToolCallDelta<'a>; 1]>,
}

#[derive(Serialize)]
struct ToolCallDelta<'a> {
    index: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a str>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    kind: Option<&'static str>,
    function: FunctionDelta<'a>,
}

#[derive(Serialize)]
struct FunctionDelta<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    arguments: &'a str,
}

/// The `chat.completion.chunk` frames: role, reasoning, content or tool calls, finish,
/// then the usage-only chunk when `with_usage`, then `[DONE]`.
fn chunks(ctx: &Ctx, with_usage: bool) -> serde_json::Result<Sse> {
    let script = &ctx.script;
    let id = ctx.id("chatcmpl-");
    let mut sse = Sse::default();
    let mut chunk = Chunk {
        id: &id,
        object: "chat.completion.chunk",
        created: ctx.created,
        model: ctx.model(),
        system_fingerprint: FINGERPRINT,
        choices: &[],
        usage: with_usage.then_some(None),
    };
    let mut send = |delta: Delta, finish_reason: Option<&'static str>| {
        let choice = ChunkChoice {
            index: 0,
            delta,
            logprobs: (),
            finish_reason,
        };
        sse.data(&Chunk {
            choices: std::slice::from_ref(&choice),
            ..chunk
        })
    };
    let role = Delta {
        role: Some("assistant"),
        content: Some(""),
        ..Delta::default()
    };
    send(role, None)?;
    for &piece in script.reasoning() {
        let reasoning_content = Some(piece);
        send(
            Delta {
                reasoning_content,
                ..Delta::default()
            },
            None,
        )?;
    }
    for word in script.words() {
        send(
            Delta {
                content: Some(word),
                ..Delta::default()
            },
            None,
        )?;
    }
    for i in 0..script.tool_calls {
        let (call_id, name) = (script::tool_id(i), script::tool_name(i));
        let call = |id, kind, name, arguments| {
            let function = FunctionDelta { name, arguments };
            let tool_calls = Some([ToolCallDelta {
                index: i,
                id,
                kind,
                function,
            }]);
            Delta {
                tool_calls,
                ..Delta::default()
            }
        };
        send(
            call(Some(&call_id), Some("function"), Some(&name), ""),
            None,
        )?;
        for piece in &script::tool_arg_pieces(i) {
            send(call(None, None, None, piece), None)?;
        }
    }
    send(Delta::default(), Some(finish_reason(script)))?;
    if with_usage {
        let usage = Usage::of(script);
        chunk.usage = Some(Some(&usage));
        sse.data(&chunk)?;
    }
    sse.done();
    Ok(sse)
}

#[cfg(test)]
#[path = "chat_tests.rs"]
mod tests;
