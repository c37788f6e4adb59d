use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use super::images::tests::png;
use super::*;

fn estimate(body: Value) -> Estimate {
    of_body(body.to_string().as_bytes())
}

fn output(body: Value) -> i64 {
    estimate(body).output_tokens
}

#[test]
fn output_limit_is_whatever_the_body_allows_most() {
    assert_eq!(output(json!({"max_tokens": 500})), 500);
    assert_eq!(output(json!({"max_completion_tokens": 700})), 700);
    assert_eq!(output(json!({"max_output_tokens": 900})), 900);
    assert_eq!(output(json!({"max_tokens": 4096.0})), 4096);
    assert_eq!(output(json!({"max_tokens": 10.2})), 11);
    // An Anthropic upstream reads max_tokens and ignores the other: the larger counts.
    assert_eq!(
        output(json!({"max_tokens": 64000, "max_completion_tokens": 1})),
        64000
    );
    assert_eq!(output(json!({"max_tokens": 100, "n": 3})), 300);
    assert_eq!(
        output(json!({"max_tokens": 100, "best_of": 4, "n": 2})),
        400
    );
    assert_eq!(output(json!({"max_tokens": 1e300})), i64::MAX);
    assert_eq!(output(json!({"max_tokens": u64::MAX})), i64::MAX);
    for none in [
        json!({}),
        json!({"max_tokens": null}),
        json!({"max_tokens": "100"}),
        json!({"max_tokens": 0}),
        json!({"max_tokens": -5}),
    ] {
        assert_eq!(output(none), DEFAULT_OUTPUT_TOKENS);
    }
    assert_eq!(of_body(b"not json").output_tokens, DEFAULT_OUTPUT_TOKENS);
}

#[test]
fn prompt_counts_the_text_not_the_json_around_it() {
    let chat = json!({"model": "gpt-4o", "messages": [
        {"role": "system", "content": "hello world"},
        {"role": "user", "content": [{"type": "text", "text": "hello world"}]},
    ]});
    // 2 + 2 text tokens, 3 per message, 3 for the request.
    assert_eq!(estimate(chat.clone()).prompt_tokens, 4 + 2 * 3 + 3);
    let anthropic = json!({"model": "claude", "max_tokens": 10, "system": "hello world",
        "messages": [{"role": "user", "content": "hello world"}]});
    assert_eq!(estimate(anthropic).prompt_tokens, 4 + 3 + 3);
    assert_eq!(estimate(json!({"input": "hello world"})).prompt_tokens, 2);
    assert_eq!(
        estimate(json!({"instructions": "hello world", "input": [
            {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "hello world"}]}
        ]}))
        .prompt_tokens,
        4 + 3 + 3
    );
    // Token ids count one each; a prompt string is text.
    assert_eq!(estimate(json!({"prompt": [1, 2, 3]})).prompt_tokens, 3);
    assert_eq!(estimate(json!({"prompt": "hello world"})).prompt_tokens, 2);
    assert_eq!(of_body(b"12345678").prompt_tokens, 2);
}

#[test]
fn tool_calls_results_and_definitions_are_read_ids_and_signatures_are_not() {
    let bare = estimate(json!({"messages": []})).prompt_tokens;
    let with_call = estimate(json!({"messages": [
        {"role": "assistant", "content": null, "tool_calls": [{"id": "call_abcdefghijklmnop", "type": "function",
            "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}}]},
        {"role": "tool", "tool_call_id": "call_abcdefghijklmnop", "content": "sunny"},
    ]}))
    .prompt_tokens;
    let read = text::count(&["get_weather", "{\"city\":\"Paris\"}", "sunny"]);
    assert_eq!(
        with_call,
        bare + read + 2 * 3,
        "ids are skipped; name and args are read"
    );
    let thinking = estimate(json!({"messages": [{"role": "assistant", "content": [
        {"type": "thinking", "thinking": "hello world", "signature": "c2lnbmF0dXJlIGJ5dGVzIHRoYXQgYXJlIG5vdCB0ZXh0"}
    ]}]}));
    assert_eq!(thinking.prompt_tokens, 2 + 3 + 3);
    // Parameter names in a tool schema are read.
    let tools = estimate(
        json!({"tools": [{"type": "function", "function": {"name": "f",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}]}),
    );
    let names = [
        "type",
        "function",
        "function",
        "name",
        "f",
        "parameters",
        "type",
        "object",
    ];
    let rest = ["properties", "city", "type", "string"];
    assert_eq!(
        tools.prompt_tokens,
        text::count(&names) + text::count(&rest)
    );
}

#[test]
fn images_by_the_provider_rule_and_other_files_by_size() {
    let screenshot = STANDARD.encode(png(1920, 1080, 1_000_000));
    let url = format!("data:image/png;base64,{screenshot}");
    let openai = |part: Value| estimate(json!({"messages": [{"role": "user", "content": [part]}]}));
    let framing = 3 + 3;
    let high = openai(json!({"type": "image_url", "image_url": {"url": url}}));
    assert_eq!(high.prompt_tokens, 1105 + framing, "not 1.3 MB / 4");
    let low = openai(json!({"type": "image_url", "image_url": {"url": url, "detail": "low"}}));
    assert_eq!(low.prompt_tokens, 85 + framing);
    let remote =
        openai(json!({"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}));
    assert_eq!(remote.prompt_tokens, images::OPENAI_MAX + framing);
    let responses = openai(json!({"type": "input_image", "image_url": url, "detail": "low"}));
    assert_eq!(responses.prompt_tokens, 85 + framing);
    let claude = openai(
        json!({"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": screenshot}}),
    );
    assert_eq!(claude.prompt_tokens, images::ANTHROPIC_MAX + framing);
    let small = STANDARD.encode(png(200, 200, 10));
    let claude = openai(
        json!({"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": small}}),
    );
    assert_eq!(claude.prompt_tokens, 54 + framing);
    let claude_url = openai(
        json!({"type": "image", "source": {"type": "url", "url": "https://example.com/a.png"}}),
    );
    assert_eq!(claude_url.prompt_tokens, images::ANTHROPIC_MAX + framing);
    // Audio and documents: a token per 4 bytes of base64.
    let audio = openai(
        json!({"type": "input_audio", "input_audio": {"data": "A".repeat(4000), "format": "wav"}}),
    );
    assert_eq!(audio.prompt_tokens, 1000 + framing);
    let pdf = openai(
        json!({"type": "file", "file": {"file_data": format!("data:application/pdf;base64,{}", "A".repeat(3972))}}),
    );
    assert_eq!(pdf.prompt_tokens, 1000 + framing);
}
