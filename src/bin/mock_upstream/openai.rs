//! The smaller OpenAI-style endpoints: legacy completions, embeddings, rerank,
//! image generation and speech.

use std::sync::LazyLock;

use bytes::Bytes;
use poem::Response;
use poem::http::StatusCode;
use serde_json::{Value, json};

use crate::chat::Usage;
use crate::reply::{self, Dialect, Sse};
use crate::request::Ctx;

const EMBEDDING_DIMENSIONS: usize = 8;
const MAX_IMAGES: usize = 10;
/// A 1x1 transparent PNG.
const PNG_1X1: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";
const SPEECH_LEN: usize = 4096;

/// POST /v1/completions: a `text_completion`, as JSON or SSE.
pub fn completions(ctx: &Ctx) -> Response {
    let scenario = ctx.scenario();
    if ctx.req.is_stream() || scenario.sse_for_non_stream {
        let with_usage = scenario.usage && (ctx.req.include_usage() || !ctx.req.is_stream());
        return reply::sse(completion_chunks(ctx, with_usage), ctx);
    }
    let mut body = text_completion(ctx, &ctx.script.text(), Some("stop"));
    if scenario.usage {
        body["usage"] = json!(Usage::of(&ctx.script));
    }
    reply::json(StatusCode::OK, &body)
}

fn text_completion(ctx: &Ctx, text: &str, finish_reason: Option<&str>) -> Value {
    json!({
        "id": ctx.id("cmpl-"),
        "object": "text_completion",
        "created": ctx.created,
        "model": ctx.model(),
        "choices": [{"text": text, "index": 0, "logprobs": null, "finish_reason": finish_reason}],
    })
}

fn completion_chunks(ctx: &Ctx, with_usage: bool) -> serde_json::Result<Sse> {
    let mut sse = Sse::default();
    for word in ctx.script.words() {
        sse.data(&text_completion(ctx, word, None))?;
    }
    sse.data(&text_completion(ctx, "", Some("stop")))?;
    if with_usage {
        let mut last = text_completion(ctx, "", None);
        last["choices"] = json!([]);
        last["usage"] = json!(Usage::of(&ctx.script));
        sse.data(&last)?;
    }
    sse.done();
    Ok(sse)
}

/// POST /v1/embeddings: one deterministic vector per input.
pub fn embeddings(ctx: &Ctx) -> Response {
    let count = match &ctx.req.input {
        None | Some(Value::Null) => {
            return reply::bad_request(Dialect::OpenAi, "'input' is a required property");
        }
        // A list of token ids is one input; a list of strings or token lists is many.
        Some(Value::Array(items)) if !items.first().is_some_and(Value::is_number) => items.len(),
        Some(_) => 1,
    };
    let data: Vec<Value> = (0..count)
        .map(|index| json!({"object": "embedding", "index": index, "embedding": vector(index)}))
        .collect();
    let tokens = ctx.script.input_tokens;
    let mut body = json!({"object": "list", "data": data, "model": ctx.model()});
    if ctx.scenario().usage {
        body["usage"] = json!({"prompt_tokens": tokens, "total_tokens": tokens});
    }
    reply::json(StatusCode::OK, &body)
}

/// Values in -1..=1, rounded to 6 decimals so they print short.
fn vector(index: usize) -> [f64; EMBEDDING_DIMENSIONS] {
    std::array::from_fn(|j| {
        let x = ((index * EMBEDDING_DIMENSIONS + j + 1) as f64 * 0.618).sin();
        (x * 1e6).round() / 1e6
    })
}

/// POST /v1/rerank: the documents scored by their position, best first.
pub fn rerank(ctx: &Ctx) -> Response {
    let Some(documents) = &ctx.req.documents else {
        return reply::bad_request(Dialect::OpenAi, "'documents' is a required property");
    };
    let top_n = ctx.req.top_n.unwrap_or(documents.len());
    let results: Vec<Value> = (0..documents.len().min(top_n))
        .map(|index| json!({"index": index, "relevance_score": 1.0 / (index as f64 + 1.0)}))
        .collect();
    let mut body = json!({"id": ctx.id("rerank-"), "model": ctx.model(), "results": results});
    if ctx.scenario().usage {
        body["usage"] = json!({"total_tokens": ctx.script.input_tokens});
    }
    reply::json(StatusCode::OK, &body)
}

/// POST /v1/images/generations: `n` tiny PNGs as base64.
pub fn images(ctx: &Ctx) -> Response {
    let n = ctx.req.n.unwrap_or(1);
    if !(1..=MAX_IMAGES).contains(&n) {
        let message = format!("n must be within 1..={MAX_IMAGES}");
        return reply::bad_request(Dialect::OpenAi, &message);
    }
    let data = vec![json!({"b64_json": PNG_1X1}); n];
    reply::json(
        StatusCode::OK,
        &json!({"created": ctx.created, "data": data}),
    )
}

/// Fake MP3 bytes: an ID3 tag marker followed by a fixed pattern.
static SPEECH: LazyLock<Bytes> = LazyLock::new(|| {
    let pattern = (0..SPEECH_LEN - 3).map(|i| (i * 31 % 251) as u8);
    b"ID3".iter().copied().chain(pattern).collect()
});

/// POST /v1/audio/speech: the same few KB of `audio/mpeg` every time.
pub fn speech() -> Response {
    Response::builder()
        .content_type("audio/mpeg")
        .body(SPEECH.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vectors_are_deterministic_and_distinct() {
        assert_eq!(vector(0), vector(0));
        assert_ne!(vector(0), vector(1));
        assert!(vector(3).iter().all(|x| (-1.0..=1.0).contains(x)));
    }

    #[test]
    fn speech_is_a_fixed_blob() {
        assert_eq!(SPEECH.len(), SPEECH_LEN);
        assert!(SPEECH.starts_with(b"ID3"));
    }
}
