//! The rules over real HTTP on loopback: per-key answers, `Retry-After`, first-K
//! failures, a reset connection, a slow first byte, path prefixes and the stats.

use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::listener::NoDelayAcceptor;
use crate::rules::Rules;
use crate::server::MockUpstream;

type TestResult = anyhow::Result<()>;

/// Serves a mock with these rules on 127.0.0.1; returns its base URL.
async fn serve(rules: &[&str]) -> anyhow::Result<String> {
    let texts: Vec<String> = rules.iter().map(|r| (*r).to_string()).collect();
    let rules = Rules::parse(&texts).map_err(anyhow::Error::msg)?;
    let acceptor = NoDelayAcceptor::bind((Ipv4Addr::LOCALHOST, 0).into()).await?;
    let base = format!("http://{}", acceptor.addr());
    let models = ["gpt-4o".to_string()];
    let app = MockUpstream::new(&models, Vec::new(), acceptor.connections(), rules)?;
    tokio::spawn(poem::Server::new_with_acceptor(acceptor).run(app));
    Ok(base)
}

async fn chat(base: &str, path: &str, key: &str) -> reqwest::Result<reqwest::Response> {
    reqwest::Client::new()
        .post(format!("{base}{path}/v1/chat/completions"))
        .bearer_auth(key)
        .header("content-type", "application/json")
        .body(
            json!({"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}).to_string(),
        )
        .send()
        .await
}

#[tokio::test]
async fn keys_fail_as_their_rules_say() -> TestResult {
    let base = serve(&[
        r#"{"key":"sk-revoked","scenario":{"status":401}}"#,
        r#"{"key":"sk-busy","scenario":{"status":429,"retry_after":7}}"#,
        r#"{"key":"sk-flaky","times":2,"scenario":{"status":503}}"#,
    ])
    .await?;
    assert_eq!(chat(&base, "", "sk-revoked").await?.status(), 401);
    let busy = chat(&base, "", "sk-busy").await?;
    assert_eq!(busy.status(), 429);
    assert_eq!(busy.headers()["retry-after"], "7");
    let mut flaky = Vec::new();
    for _ in 0..3 {
        flaky.push(chat(&base, "", "sk-flaky").await?.status().as_u16());
    }
    assert_eq!(flaky, [503, 503, 200]);
    assert_eq!(chat(&base, "", "sk-good").await?.status(), 200);
    let stats = reqwest::get(format!("{base}/_mock/stats"))
        .await?
        .bytes()
        .await?;
    let stats: Value = serde_json::from_slice(&stats)?;
    assert_eq!(stats["requests"], 6);
    assert_eq!(stats["by_key"]["sk-flaky"], 3);
    Ok(())
}

#[tokio::test]
async fn paths_pick_a_provider_behaviour() -> TestResult {
    let base = serve(&[
        r#"{"path":"/down","scenario":{"reset":true}}"#,
        r#"{"path":"/slow","scenario":{"first_byte_delay_ms":300}}"#,
    ])
    .await?;
    let reset = chat(&base, "/down", "sk-any").await;
    assert!(reset.is_err(), "a reset connection gives no response");
    let started = Instant::now();
    let slow = chat(&base, "/slow", "sk-any").await?;
    assert_eq!(slow.status(), 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(chat(&base, "", "sk-any").await?.status(), 200);
    Ok(())
}
