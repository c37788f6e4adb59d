//! Tests of rule parsing, path prefixes, matching and use limits.

use super::*;

fn rules(texts: &[&str]) -> Rules {
    let texts: Vec<String> = texts.iter().map(|t| (*t).to_string()).collect();
    match Rules::parse(&texts) {
        Ok(rules) => rules,
        Err(err) => panic!("rules should parse: {err}"),
    }
}

fn status(applied: Option<Result<Scenario, String>>) -> Option<u16> {
    applied.and_then(Result::ok).and_then(|s| s.status)
}

#[test]
fn rejects_bad_rules() {
    let parse = |text: &str| Rules::parse(&[text.to_string()]).err();
    assert!(parse(r#"{"key":"k"}"#).is_some(), "scenario is required");
    assert!(parse(r#"{"kee":"k","scenario":{}}"#).is_some());
    assert!(parse(r#"{"scenario":{"status":200}}"#).is_some());
    assert!(parse(r#"{"scenario":{"stauts":500}}"#).is_some());
    assert!(parse(r#"{"path":"down","scenario":{}}"#).is_some());
    assert!(parse(r#"{"path":"/down/","scenario":{}}"#).is_some());
    assert!(parse(r#"{"path":"/down","scenario":{"reset":true}}"#).is_none());
}

#[test]
fn a_key_rule_applies_to_that_key_only() {
    let rules = rules(&[r#"{"key":"sk-bad","scenario":{"status":401}}"#]);
    let base = Scenario::default();
    assert_eq!(status(rules.apply(b"sk-bad", None, &base)), Some(401));
    assert_eq!(status(rules.apply(b"sk-bad", None, &base)), Some(401));
    assert!(rules.apply(b"sk-good", None, &base).is_none());
}

#[test]
fn times_limits_a_rule_to_its_first_requests() {
    let rules = rules(&[r#"{"key":"sk-flaky","times":2,"scenario":{"status":503}}"#]);
    let base = Scenario::default();
    assert_eq!(status(rules.apply(b"sk-flaky", None, &base)), Some(503));
    assert_eq!(status(rules.apply(b"sk-flaky", None, &base)), Some(503));
    assert!(rules.apply(b"sk-flaky", None, &base).is_none());
}

#[test]
fn the_rule_overlays_the_body_scenario() {
    let rules = rules(&[r#"{"scenario":{"first_byte_delay_ms":50,"retry_after":7}}"#]);
    let base = Scenario {
        chunks: 3,
        first_byte_delay_ms: 1,
        ..Scenario::default()
    };
    let applied = rules.apply(b"any", None, &base).and_then(Result::ok);
    let expected = Scenario {
        chunks: 3,
        first_byte_delay_ms: 50,
        retry_after: Some(7),
        ..Scenario::default()
    };
    assert_eq!(applied, Some(expected));
}

#[test]
fn path_prefixes_are_split_off_and_matched() {
    let rules = rules(&[
        r#"{"path":"/down","scenario":{"reset":true}}"#,
        r#"{"path":"/down/slow","scenario":{"first_byte_delay_ms":10}}"#,
        r#"{"key":"sk-x","scenario":{"status":500}}"#,
    ]);
    assert_eq!(
        rules.split_path("/down/v1/chat/completions"),
        (Some("/down"), "/v1/chat/completions")
    );
    assert_eq!(
        rules.split_path("/down/slow/v1/models"),
        (Some("/down/slow"), "/v1/models")
    );
    assert_eq!(rules.split_path("/downer/v1"), (None, "/downer/v1"));
    assert_eq!(rules.split_path("/v1/models"), (None, "/v1/models"));
    let base = Scenario::default();
    let reset = rules.apply(b"sk-x", Some("/down"), &base);
    assert!(reset.and_then(Result::ok).is_some_and(|s| s.reset));
    assert_eq!(status(rules.apply(b"sk-x", None, &base)), Some(500));
}
