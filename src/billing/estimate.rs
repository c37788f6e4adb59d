//! What a request may cost before it is sent, read from the body the upstream will
//! receive (after any translation): the output limit it carries and the prompt size.
//!
//! Output: the largest of `max_tokens`, `max_completion_tokens` and
//! `max_output_tokens` (integers or floats such as `4096.0`, rounded up), times `n`
//! (or `best_of`) choices; [`DEFAULT_OUTPUT_TOKENS`] when the body sets none.
//!
//! Prompt: the text a model reads (message contents, system prompts, instructions,
//! tool calls and results, tool definitions with their parameter names) counted with
//! a BPE tokenizer (`text`), not the JSON syntax around it; 3 tokens per message and 3
//! per request for the chat framing; images by the provider's rule (`images`); token-id
//! arrays (`prompt: [1, 2]`) one token an id; other embedded files (base64 audio,
//! PDFs) a token per 4 bytes. Identifiers, signatures and other values the model does
//! not read are skipped.

mod images;
mod text;

#[cfg(test)]
mod tests;

use bytes::Bytes;
use serde_json::{Map, Value};

pub use text::warm_up;

/// Output tokens assumed for a body without any limit (the upstream's own maximum
/// applies then, which may be more: see the over-spend bound in `docs/billing.md`).
pub const DEFAULT_OUTPUT_TOKENS: i64 = 1024;

/// Chat framing: tokens per message, and per request for the answer's start.
const PER_MESSAGE: i64 = 3;
const PER_REQUEST: i64 = 3;

/// Values the model never reads as text.
const NOT_TEXT: &[&str] = &[
    "model",
    "role",
    "type",
    "id",
    "tool_call_id",
    "tool_use_id",
    "call_id",
    "signature",
    "encrypted_content",
    "media_type",
    "detail",
    "format",
    "user",
    "metadata",
    "service_tier",
    "reasoning_effort",
    "prompt_cache_key",
    "safety_identifier",
    "stream_options",
    "cache_control",
    "tool_choice",
    "stop",
    "stop_sequences",
];

/// Base64 payloads that are not images (audio, files).
const BLOBS: &[&str] = &["data", "file_data"];

/// Prompt tokens and the output limit of one upstream request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Estimate {
    pub prompt_tokens: i64,
    pub output_tokens: i64,
}

/// The prompt of an upstream request, for an estimate when no usage arrives: counted
/// at most once, and only when asked for.
#[derive(Debug, Default)]
pub enum Prompt {
    /// Nothing was sent upstream.
    #[default]
    NotSent,
    Body(Bytes),
    Counted(i64),
}

impl Prompt {
    /// The body sent, and its prompt tokens if they were counted already.
    pub fn sent(body: Bytes, counted: Option<i64>) -> Prompt {
        counted.map_or(Prompt::Body(body), Prompt::Counted)
    }

    pub fn tokens(&mut self) -> i64 {
        let tokens = match self {
            Prompt::NotSent => 0,
            Prompt::Body(body) => prompt_tokens(body),
            Prompt::Counted(tokens) => *tokens,
        };
        *self = Prompt::Counted(tokens);
        tokens
    }
}

/// The estimate of an upstream request body.
pub fn of_body(body: &[u8]) -> Estimate {
    let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body) else {
        return Estimate {
            prompt_tokens: bytes_as_tokens(body.len()),
            output_tokens: DEFAULT_OUTPUT_TOKENS,
        };
    };
    Estimate {
        prompt_tokens: prompt_tokens_of(&map),
        output_tokens: output_tokens(&map),
    }
}

/// The prompt tokens of a request body alone.
pub fn prompt_tokens(body: &[u8]) -> i64 {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => prompt_tokens_of(&map),
        _ => bytes_as_tokens(body.len()),
    }
}

fn bytes_as_tokens(bytes: usize) -> i64 {
    i64::try_from(bytes.div_ceil(4)).unwrap_or(i64::MAX)
}

/// The output the upstream may generate: its limit times the number of choices.
fn output_tokens(body: &Map<String, Value>) -> i64 {
    let limit = ["max_tokens", "max_completion_tokens", "max_output_tokens"]
        .iter()
        .filter_map(|name| body.get(*name).and_then(whole_number))
        .max()
        .unwrap_or(DEFAULT_OUTPUT_TOKENS);
    let choices = ["n", "best_of"]
        .iter()
        .filter_map(|name| body.get(*name).and_then(whole_number))
        .max()
        .unwrap_or(1);
    limit.saturating_mul(choices)
}

/// A positive integer, or a float rounded up (`4096.0`, `1e4`).
fn whole_number(value: &Value) -> Option<i64> {
    let number = match value {
        Value::Number(number) => number,
        _ => return None,
    };
    number
        .as_i64()
        .or_else(|| number.as_u64().map(|_| i64::MAX))
        .or_else(|| {
            let float = number.as_f64()?.ceil();
            // `as` saturates: 1e300 becomes i64::MAX.
            float.is_finite().then_some(float as i64)
        })
        .filter(|n| *n > 0)
}

fn prompt_tokens_of(body: &Map<String, Value>) -> i64 {
    let mut walk = Walk::default();
    for (key, value) in body {
        match key.as_str() {
            name if NOT_TEXT.contains(&name) => {}
            "messages" | "input" => walk.messages(value),
            "tools" | "functions" => walk.value(value, Context::Schema),
            "prompt" => walk.value(value, Context::TokenIds),
            _ => walk.value(value, Context::Text),
        }
    }
    text::count(&walk.text).saturating_add(walk.tokens)
}

/// How the values under a key are read.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Context {
    Text,
    /// Tool definitions: parameter names are read too.
    Schema,
    /// A prompt or input given as token ids.
    TokenIds,
}

/// The text pieces to tokenize, and the tokens already known (images, framing, ids).
#[derive(Default)]
struct Walk<'a> {
    text: Vec<&'a str>,
    tokens: i64,
}

impl<'a> Walk<'a> {
    fn add(&mut self, tokens: i64) {
        self.tokens = self.tokens.saturating_add(tokens);
    }

    /// `messages` (chat, Messages) or `input` (Responses, embeddings).
    fn messages(&mut self, value: &'a Value) {
        match value {
            Value::Array(items) => {
                self.add(PER_REQUEST);
                for item in items {
                    if item.is_object() {
                        self.add(PER_MESSAGE);
                    }
                    self.value(item, Context::TokenIds);
                }
            }
            other => self.value(other, Context::Text),
        }
    }

    fn value(&mut self, value: &'a Value, context: Context) {
        match value {
            Value::String(text) if text.starts_with("data:") => {
                self.add(bytes_as_tokens(text.len()));
            }
            Value::String(text) => self.text.push(text),
            Value::Number(_) if context == Context::TokenIds => self.add(1),
            Value::Array(items) => items.iter().for_each(|item| self.value(item, context)),
            Value::Object(map) => self.object(map, context),
            _ => {}
        }
    }

    fn object(&mut self, map: &'a Map<String, Value>, context: Context) {
        if let Some(tokens) = image_tokens(map) {
            self.add(tokens);
            return;
        }
        // Inside a message or a definition, numbers are settings, not token ids.
        let inner = match context {
            Context::TokenIds => Context::Text,
            other => other,
        };
        for (key, value) in map {
            if context == Context::Schema {
                self.text.push(key);
            }
            match (key.as_str(), value) {
                (name, _) if NOT_TEXT.contains(&name) && inner != Context::Schema => {}
                (name, Value::String(data)) if BLOBS.contains(&name) => {
                    self.add(bytes_as_tokens(data.len()));
                }
                _ => self.value(value, inner),
            }
        }
    }
}

/// The tokens of an image block, if `map` is one.
fn image_tokens(map: &Map<String, Value>) -> Option<i64> {
    let kind = map.get("type").and_then(Value::as_str)?;
    let low = |detail: Option<&Value>| detail.and_then(Value::as_str) == Some("low");
    match kind {
        // Chat: {"type":"image_url","image_url":{"url","detail"}}; Responses:
        // {"type":"input_image","image_url":"...","detail"}.
        "image_url" | "input_image" => {
            let image = map.get("image_url");
            let url = image
                .and_then(|i| i.get("url"))
                .or(image)
                .and_then(Value::as_str);
            let rule = images::Rule::OpenAi {
                low_detail: low(image.and_then(|i| i.get("detail"))) || low(map.get("detail")),
            };
            Some(rule.tokens(url.and_then(images::size_of_data_url)))
        }
        // Messages: {"type":"image","source":{"type":"base64","data"} or {"type":"url"}}.
        "image" => {
            let source = map.get("source")?;
            let data = match source.get("type").and_then(Value::as_str) {
                Some("base64") => source.get("data").and_then(Value::as_str),
                _ => None,
            };
            Some(images::Rule::Anthropic.tokens(data.and_then(images::size_of_base64)))
        }
        _ => None,
    }
}
