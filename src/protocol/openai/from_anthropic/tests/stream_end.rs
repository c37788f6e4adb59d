//! How a stream ends: an upstream error, a cut, a clean end with or without `[DONE]`.

use serde_json::json;

use super::super::StreamTranslator;
use super::harness::{accumulate, assert_well_formed, done, event, finish, run, text};
use crate::protocol::StreamTranslate;

#[test]
fn upstream_error_mid_stream() {
    let mut translator = StreamTranslator::new("m");
    let error = json!({"error": {"message": "The server had an error while processing your request.",
        "type": "server_error", "param": null, "code": null}});
    let frames = run(
        &mut translator,
        vec![
            text("Hel"),
            event(&error.to_string()),
            text("lo"),
            finish("stop"),
            done(),
        ],
    );
    let names: Vec<&str> = frames.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "message_start",
            "ping",
            "content_block_start",
            "content_block_delta",
            "error"
        ]
    );
    assert_eq!(
        frames[4].1,
        json!({"type": "error", "error": {"type": "api_error",
            "message": "The server had an error while processing your request."}})
    );
    assert_eq!(
        translator.upstream_error().as_deref(),
        Some("The server had an error while processing your request.")
    );
}

#[test]
fn error_types_follow_the_upstream() {
    let cases = [
        (
            json!({"message": "slow down", "type": "requests", "code": "rate_limit_exceeded"}),
            "rate_limit_error",
        ),
        (
            json!({"message": "bad", "type": "invalid_request_error"}),
            "invalid_request_error",
        ),
        (
            json!({"message": "key", "code": "invalid_api_key"}),
            "authentication_error",
        ),
        (json!({"message": "busy", "code": 529}), "overloaded_error"),
        (json!("plain text error"), "api_error"),
    ];
    for (error, kind) in cases {
        let mut translator = StreamTranslator::new("m");
        let frames = run(
            &mut translator,
            vec![event(&json!({"error": error}).to_string())],
        );
        assert_eq!(
            frames.len(),
            1,
            "an error before any chunk sends only the error"
        );
        assert_eq!(frames[0].1["error"]["type"], kind, "{error}");
    }
}

#[test]
fn cut_streams_get_no_ending() {
    let mut translator = StreamTranslator::new("m");
    let frames = run(&mut translator, vec![text("Hel"), text("lo")]);
    assert!(
        frames
            .iter()
            .all(|(n, _)| n != "message_stop" && n != "message_delta")
    );
    assert_eq!(translator.text_chars(), 5);
    let frames = run(&mut StreamTranslator::new("m"), vec![]);
    assert!(frames.is_empty());
    let frames = run(&mut StreamTranslator::new("m"), vec![done()]);
    assert!(frames.is_empty(), "[DONE] alone opens no message");
}

#[test]
fn a_clean_end_without_done_or_without_finish_reason() {
    let frames = run(
        &mut StreamTranslator::new("m"),
        vec![text("ok"), finish("content_filter")],
    );
    assert_well_formed(&frames);
    assert_eq!(accumulate(&frames)["stop_reason"], "refusal");
    let frames = run(&mut StreamTranslator::new("m"), vec![text("ok"), done()]);
    assert_well_formed(&frames);
    assert_eq!(accumulate(&frames)["stop_reason"], "end_turn");
}
