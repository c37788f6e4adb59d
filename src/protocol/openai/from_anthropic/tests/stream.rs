//! Stream translation tests: OpenAI chunk sequences in, Anthropic events out, each
//! checked for well-formedness and assembled the way the SDK's accumulator does.

use serde_json::{Value, json};

use super::super::StreamTranslator;
use super::harness::{accumulate, assert_well_formed, call, chunk, done, finish, run, text, usage};
use crate::protocol::StreamTranslate;

#[test]
fn text_stream() {
    let mut translator = StreamTranslator::new("claude-sonnet-4-5");
    let frames = run(
        &mut translator,
        vec![
            chunk(
                json!({"role": "assistant", "content": "", "refusal": null}),
                Value::Null,
            ),
            text("Hello"),
            text(" world"),
            finish("stop"),
            usage(19, 10, 4),
            done(),
        ],
    );
    assert_well_formed(&frames);
    assert_eq!(
        frames[0].1,
        json!({"type": "message_start", "message": {
            "id": "msg_chatcmpl-123", "type": "message", "role": "assistant",
            "model": "claude-sonnet-4-5", "content": [], "stop_reason": null, "stop_sequence": null,
            "usage": {"input_tokens": 0, "output_tokens": 0,
                "cache_read_input_tokens": 0, "cache_creation_input_tokens": 0}}})
    );
    let message = accumulate(&frames);
    assert_eq!(
        message["content"],
        json!([{"type": "text", "text": "Hello world"}])
    );
    assert_eq!(message["stop_reason"], "end_turn");
    assert_eq!(message["stop_sequence"], Value::Null);
    assert_eq!(
        message["usage"],
        json!({"input_tokens": 15, "output_tokens": 10,
            "cache_read_input_tokens": 4, "cache_creation_input_tokens": 0})
    );
    let counted = translator.usage().unwrap_or_default();
    assert_eq!(
        (
            counted.prompt_tokens,
            counted.completion_tokens,
            counted.cached()
        ),
        (19, 10, 4)
    );
    assert_eq!(translator.text_chars(), 11);
    assert_eq!(translator.upstream_error(), None);
    assert!(translator.finish().is_empty(), "ends once");
}

#[test]
fn reasoning_then_text() {
    let mut translator = StreamTranslator::new("m");
    let frames = run(
        &mut translator,
        vec![
            chunk(
                json!({"role": "assistant", "reasoning_content": "Let me "}),
                Value::Null,
            ),
            chunk(json!({"reasoning_content": "think."}), Value::Null),
            text("Answer."),
            finish("length"),
            done(),
        ],
    );
    assert_well_formed(&frames);
    let deltas: Vec<&str> = frames
        .iter()
        .filter_map(|(_, d)| d["delta"]["type"].as_str())
        .collect();
    assert_eq!(
        deltas,
        [
            "thinking_delta",
            "thinking_delta",
            "signature_delta",
            "text_delta"
        ]
    );
    let message = accumulate(&frames);
    assert_eq!(
        message["content"],
        json!([{"type": "thinking", "thinking": "Let me think.", "signature": ""},
            {"type": "text", "text": "Answer."}])
    );
    assert_eq!(message["stop_reason"], "max_tokens");
    assert_eq!(message["usage"]["output_tokens"], 0, "no usage chunk came");
    assert_eq!(translator.text_chars(), 20);
}

#[test]
fn interleaved_text_and_tool_calls() {
    let mut translator = StreamTranslator::new("m");
    let frames = run(
        &mut translator,
        vec![
            text("Checking."),
            call(0, Some("call_a"), Some("get_weather"), ""),
            call(0, None, None, "{\"location\":"),
            call(0, None, None, "\"Paris\"}"),
            text("And the time:"),
            call(1, Some("call_b"), Some("now"), "{}"),
            finish("tool_calls"),
            done(),
        ],
    );
    assert_well_formed(&frames);
    let message = accumulate(&frames);
    assert_eq!(
        message["content"],
        json!([
            {"type": "text", "text": "Checking."},
            {"type": "tool_use", "id": "call_a", "name": "get_weather", "input": {"location": "Paris"}},
            {"type": "text", "text": "And the time:"},
            {"type": "tool_use", "id": "call_b", "name": "now", "input": {}},
        ])
    );
    assert_eq!(message["stop_reason"], "tool_use");
}

#[test]
fn parallel_tool_calls_with_split_arguments() {
    let mut events = vec![chunk(
        json!({"role": "assistant", "content": null}),
        Value::Null,
    )];
    let calls = [
        (0, "call_1", "{\"location\": \"Boston, MA\"}"),
        (1, "call_2", "{\"unit\": \"celsius\", \"days\": [1, 2]}"),
    ];
    for (index, id, arguments) in calls {
        events.push(call(index, Some(id), Some("get_weather"), ""));
        let chars: Vec<char> = arguments.chars().collect();
        events.extend(
            chars
                .chunks(3)
                .map(|part| call(index, None, None, &part.iter().collect::<String>())),
        );
    }
    events.extend([finish("tool_calls"), usage(80, 30, 0), done()]);
    let mut translator = StreamTranslator::new("m");
    let frames = run(&mut translator, events);
    assert_well_formed(&frames);
    let starts: Vec<&Value> = frames
        .iter()
        .filter(|(n, _)| n == "content_block_start")
        .map(|(_, d)| &d["index"])
        .collect();
    assert_eq!(starts, [&json!(0), &json!(1)]);
    let message = accumulate(&frames);
    assert_eq!(
        message["content"],
        json!([
            {"type": "tool_use", "id": "call_1", "name": "get_weather", "input": {"location": "Boston, MA"}},
            {"type": "tool_use", "id": "call_2", "name": "get_weather", "input": {"unit": "celsius", "days": [1, 2]}},
        ])
    );
    assert_eq!(
        (
            message["stop_reason"].clone(),
            message["usage"]["output_tokens"].clone()
        ),
        (json!("tool_use"), json!(30))
    );
    let argument_chars: usize = calls.iter().map(|(_, _, a)| a.len()).sum();
    assert_eq!(translator.text_chars(), argument_chars);
}

#[test]
fn calls_without_index_or_all_numbered_zero() {
    let whole = |id: &str, args: &str| {
        chunk(
            json!({"tool_calls": [{"id": id, "type": "function", "function": {"name": "f", "arguments": args}}]}),
            Value::Null,
        )
    };
    let zero = |id: &str| {
        chunk(
            json!({"tool_calls": [{"index": 0, "id": id, "type": "function", "function": {"name": "g", "arguments": "{}"}}]}),
            Value::Null,
        )
    };
    let frames = run(
        &mut StreamTranslator::new("m"),
        vec![
            whole("a", "{\"x\":"),
            whole("a", "1}"),
            whole("b", "{}"),
            zero("c"),
            zero("d"),
            finish("stop"),
            done(),
        ],
    );
    assert_well_formed(&frames);
    let message = accumulate(&frames);
    let ids: Vec<&Value> = message["content"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|b| &b["id"])
        .collect();
    assert_eq!(ids, [&json!("a"), &json!("b"), &json!("c"), &json!("d")]);
    assert_eq!(message["content"][0]["input"], json!({"x": 1}));
    assert_eq!(message["stop_reason"], "tool_use", "stop after tool calls");
}
