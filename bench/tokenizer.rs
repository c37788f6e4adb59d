//! Hot-path cost of the reservation estimate (`gateway::billing::estimate::of_body`:
//! JSON parse, BPE token count, image headers) against the estimate it replaced
//! (request bytes / 4, nothing parsed), on request bodies from a one-line chat to a
//! Claude-Code-sized agent turn, a 1 MB screenshot and a 1 MB pasted document.
//!
//! Run: `cargo bench --bench tokenizer` (release build). Prints a Markdown table:
//! the tokens each estimate gives, p50 / p99 microseconds per call, and the p50 added.

use std::hint::black_box;
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use gateway::billing::estimate;
use serde_json::{Value, json};

fn chat(messages: Value, extra: Value) -> Vec<u8> {
    let mut body = json!({"model": "gpt-4o", "max_tokens": 1024, "messages": messages});
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        body.extend(extra.clone());
    }
    body.to_string().into_bytes()
}

/// A PNG header declaring 1920 x 1080, padded to 1 MB.
fn screenshot() -> String {
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
    png.extend_from_slice(&1920u32.to_be_bytes());
    png.extend_from_slice(&1080u32.to_be_bytes());
    png.extend_from_slice(&[8, 6, 0, 0, 0, 0, 0, 0, 0]);
    png.resize(1_000_000, 0x5a);
    STANDARD.encode(png)
}

/// About 100 KB like a coding agent's turn: a long system prompt, 20 tool definitions
/// and a conversation with tool calls and file contents.
fn agent_turn() -> Vec<u8> {
    let system = "You are an interactive CLI tool that helps users with software engineering tasks. Use the tools available to you. ".repeat(120);
    let tools: Vec<Value> = (0..20)
        .map(|i| {
            json!({"type": "function", "function": {"name": format!("tool_{i}"),
                "description": "Reads a file from the local filesystem and returns its contents with line numbers. ".repeat(10),
                "parameters": {"type": "object", "properties": {
                    "file_path": {"type": "string", "description": "The absolute path to the file to read"},
                    "offset": {"type": "number", "description": "The line number to start reading from"},
                    "limit": {"type": "number", "description": "The number of lines to read"}},
                    "required": ["file_path"]}}})
        })
        .collect();
    let code =
        "fn main() {\n    let answer = compute(41);\n    println!(\"{answer}\");\n}\n".repeat(60);
    let mut messages = vec![json!({"role": "system", "content": system})];
    for i in 0..8 {
        messages.push(json!({"role": "user", "content": format!("Please look at src/file_{i}.rs and fix the bug.")}));
        messages.push(json!({"role": "assistant", "content": null, "tool_calls": [{"id": format!("call_{i}"), "type": "function",
            "function": {"name": "tool_0", "arguments": format!("{{\"file_path\":\"/repo/src/file_{i}.rs\"}}")}}]}));
        messages
            .push(json!({"role": "tool", "tool_call_id": format!("call_{i}"), "content": code}));
    }
    chat(Value::Array(messages), json!({"tools": tools}))
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let at = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[at].as_secs_f64() * 1e6
}

/// p50 and p99 in microseconds of `iterations` calls of `f`.
fn measure(iterations: usize, mut f: impl FnMut() -> i64) -> (f64, f64) {
    let mut times = Vec::with_capacity(iterations);
    for _ in 0..iterations {
        let start = Instant::now();
        black_box(f());
        times.push(start.elapsed());
    }
    times.sort();
    (percentile(&times, 0.50), percentile(&times, 0.99))
}

fn rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches(" kB").parse().ok())
        })
        .unwrap_or(0)
}

fn main() {
    let chinese =
        "你好，请帮我总结一下这份关于季度收入、客户流失和新定价方案的报告，并列出三个风险。"
            .repeat(40);
    let english =
        "Please summarise the following report about quarterly revenue, churn and pricing. "
            .repeat(25);
    let image = format!("data:image/png;base64,{}", screenshot());
    let document = "The quick brown fox jumps over the lazy dog while the gateway counts tokens. "
        .repeat(13_000);
    let bodies: Vec<(&str, Vec<u8>, usize)> = vec![
        (
            "one-line chat",
            chat(
                json!([{"role": "user", "content": "Hello, how are you?"}]),
                json!({}),
            ),
            20_000,
        ),
        (
            "2 KB English chat",
            chat(json!([{"role": "user", "content": english}]), json!({})),
            5_000,
        ),
        (
            "3.6 KB Chinese chat",
            chat(json!([{"role": "user", "content": chinese}]), json!({})),
            5_000,
        ),
        ("100 KB agent turn (tools)", agent_turn(), 300),
        (
            "1 MB screenshot + text",
            chat(
                json!([{"role": "user", "content": [
            {"type": "text", "text": "What is on this screen?"},
            {"type": "image_url", "image_url": {"url": image}}]}]),
                json!({}),
            ),
            200,
        ),
        (
            "1 MB pasted document",
            chat(json!([{"role": "user", "content": document}]), json!({})),
            100,
        ),
    ];

    let before = rss_kb();
    let start = Instant::now();
    estimate::warm_up();
    let load = start.elapsed();
    println!(
        "tokenizer load (once per process, at start): {:.0} ms, RSS +{:.1} MB\n",
        load.as_secs_f64() * 1e3,
        (rss_kb().saturating_sub(before)) as f64 / 1024.0
    );
    println!(
        "| request body | bytes | tokens: bytes/4 | tokens: estimate | off p50 us | off p99 us | on p50 us | on p99 us | added p50 us |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for (name, body, iterations) in &bodies {
        let old_tokens = i64::try_from(body.len().div_ceil(4)).unwrap_or(i64::MAX);
        let new_tokens = estimate::of_body(body).prompt_tokens;
        // Off: the old estimate, the body's size. On: the estimate from its content.
        let (off50, off99) = measure(*iterations, || {
            i64::try_from(black_box(body).len().div_ceil(4)).unwrap_or(0)
        });
        let (on50, on99) = measure(*iterations, || {
            estimate::of_body(black_box(body)).prompt_tokens
        });
        println!(
            "| {name} | {} | {old_tokens} | {new_tokens} | {off50:.2} | {off99:.2} | {on50:.1} | {on99:.1} | {:.1} |",
            body.len(),
            on50 - off50
        );
    }
}
