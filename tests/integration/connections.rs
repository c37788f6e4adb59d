//! Client connections over raw TCP: idle keep-alive connections and half-sent (or
//! trickled) request heads are closed after their timeouts while running requests are
//! not; beyond the connection cap new connections wait; oversized heads get a JSON 431
//! and wrong methods a JSON 405 with `Allow`.

use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::common::{RelayFixture, TestApp, TestResult};

/// Longest a test waits for the server to act (only reached when it does not).
const PATIENCE: Duration = Duration::from_secs(10);

const HEALTH: &[u8] = b"GET /health HTTP/1.1\r\nhost: gw\r\n\r\n";

async fn connect(app: &TestApp) -> TestResult<TcpStream> {
    Ok(TcpStream::connect(app.server.addr).await?)
}

/// Waits until the server closes the connection (end of stream or reset).
async fn closed_by_server(stream: &mut TcpStream) -> TestResult {
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout(PATIENCE, stream.read(&mut buf)).await {
            Err(_) => anyhow::bail!("the server kept the connection open"),
            Ok(Ok(0) | Err(_)) => return Ok(()),
            Ok(Ok(_)) => {}
        }
    }
}

/// Reads one HTTP/1.1 response head and its `content-length` body.
async fn read_response(stream: &mut TcpStream) -> TestResult<String> {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let text = String::from_utf8_lossy(&data).to_string();
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length: ")
                        .map(str::to_string)
                })
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            if body.len() >= length {
                return Ok(text);
            }
        }
        let n = tokio::time::timeout(PATIENCE, stream.read(&mut buf)).await??;
        anyhow::ensure!(n > 0, "closed before a whole response: {text}");
        data.extend_from_slice(&buf[..n]);
    }
}

#[tokio::test]
async fn idle_and_half_sent_connections_are_closed() -> TestResult {
    let fx = RelayFixture::start_with(&[
        ("server", "header_read_timeout_ms = 300"),
        ("server", "keep_alive_timeout_ms = 600"),
    ])
    .await?;
    let app = &fx.app;
    // Opened and never used.
    closed_by_server(&mut connect(app).await?).await?;
    // Kept alive after a request, then idle.
    let mut used = connect(app).await?;
    used.write_all(HEALTH).await?;
    assert!(read_response(&mut used).await?.starts_with("HTTP/1.1 200"));
    closed_by_server(&mut used).await?;
    // Half of a request head, then nothing.
    let mut half = connect(app).await?;
    half.write_all(b"GET /health HTTP/1.1\r\nhost: gw\r\n")
        .await?;
    closed_by_server(&mut half).await?;
    // A head trickled a byte at a time, each gap shorter than the timeout: the whole
    // head must still arrive within it.
    let mut trickle = connect(app).await?;
    let mut cut = false;
    for byte in b"GET /health HTTP/1.1\r\nx-padding: "
        .iter()
        .chain(&[b'a'; 64])
    {
        if trickle.write_all(&[*byte]).await.is_err() {
            cut = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    if !cut {
        closed_by_server(&mut trickle).await?;
    }

    // A request running longer than both timeouts is answered, on the same connection
    // as an earlier one.
    let mut slow = connect(app).await?;
    slow.write_all(HEALTH).await?;
    read_response(&mut slow).await?;
    let body = json!({"model": "mock/gpt-4o", "messages": [{"role": "user", "content": "hi"}],
        "mock": {"first_byte_delay_ms": 1500}})
    .to_string();
    let request = format!(
        "POST /v1/chat/completions HTTP/1.1\r\nhost: gw\r\nauthorization: Bearer {}\r\n\
         content-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        fx.sk,
        body.len()
    );
    slow.write_all(request.as_bytes()).await?;
    let answer = read_response(&mut slow).await?;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    Ok(())
}

#[tokio::test]
async fn beyond_the_cap_new_connections_wait() -> TestResult {
    let app = TestApp::start_with(&[("server", "max_connections = 2")]).await?;
    let mut first = connect(&app).await?;
    let mut second = connect(&app).await?;
    for stream in [&mut first, &mut second] {
        stream.write_all(HEALTH).await?;
        assert!(read_response(stream).await?.starts_with("HTTP/1.1 200"));
    }
    // The third connection is not served while both slots are taken...
    let mut third = connect(&app).await?;
    third.write_all(HEALTH).await?;
    let mut buf = [0u8; 64];
    let early = tokio::time::timeout(Duration::from_millis(500), third.read(&mut buf)).await;
    assert!(early.is_err(), "served beyond the cap: {early:?}");
    // ...and is as soon as one closes.
    drop(first);
    let answer = read_response(&mut third).await?;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    second.write_all(HEALTH).await?;
    assert!(
        read_response(&mut second)
            .await?
            .starts_with("HTTP/1.1 200")
    );
    Ok(())
}

#[tokio::test]
async fn oversized_heads_and_wrong_methods_get_json_errors() -> TestResult {
    let app = TestApp::start_with(&[("server", "max_header_bytes = 2048")]).await?;
    let response = app
        .http
        .get(app.url("/health"))
        .header("x-padding", "a".repeat(3000))
        .send()
        .await?;
    assert_eq!(response.status(), 431);
    let content_type = response.headers().get("content-type").cloned();
    let body: Value = serde_json::from_str(&response.text().await?)?;
    assert_eq!(body["error"]["type"], "invalid_request_error", "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("2048")),
        "{body}"
    );
    assert!(content_type.is_some_and(|v| v.as_bytes().starts_with(b"application/json")));
    // Within the limit the same request passes.
    let response = app
        .http
        .get(app.url("/health"))
        .header("x-padding", "a".repeat(1500))
        .send()
        .await?;
    assert_eq!(response.status(), 200);

    for (method, path, allow) in [
        ("PATCH", "/providers", "GET, POST"),
        ("POST", "/providers/p", "GET, PUT, DELETE"),
        ("GET", "/v1/chat/completions", "POST"),
    ] {
        let response = app
            .http
            .request(
                reqwest::Method::from_bytes(method.as_bytes())?,
                app.url(path),
            )
            .send()
            .await?;
        assert_eq!(response.status(), 405, "{method} {path}");
        let allowed = response.headers().get("allow").cloned();
        assert_eq!(allowed.as_ref().and_then(|v| v.to_str().ok()), Some(allow));
        let body: Value = serde_json::from_str(&response.text().await?)?;
        assert_eq!(body["error"]["type"], "method_not_allowed", "{body}");
    }
    Ok(())
}
