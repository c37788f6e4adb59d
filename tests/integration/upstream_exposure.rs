//! What the upstream side must not leak: upstream URLs in client error messages,
//! credentials written into a provider's `base_url`, and client headers (account ids,
//! cookies, SDK telemetry) riding on the operator's key.

use std::time::Duration;

use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::common::{RelayFixture, TestResult, UPSTREAM_KEY, table_text};

/// A loopback port nothing listens on.
async fn closed_port() -> TestResult<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    Ok(listener.local_addr()?.port())
}

/// A loopback server that answers every connection with `reply` (after reading the
/// request head), then resets it (RST, not a clean close).
async fn resetting_server(reply: &'static [u8]) -> TestResult<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut buf = vec![0u8; 64 * 1024];
            let _ = tokio::time::timeout(Duration::from_secs(2), socket.read(&mut buf)).await;
            let _ = socket.write_all(reply).await;
            let _ = socket.set_zero_linger();
            drop(socket);
        }
    });
    Ok(port)
}

#[tokio::test]
async fn upstream_urls_never_reach_the_client() -> TestResult {
    let fx = RelayFixture::start().await?;
    let refused = closed_port().await?;
    let reset = resetting_server(b"").await?;
    let cut = resetting_server(
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 500\r\n\r\n{\"id\":",
    )
    .await?;
    for (name, port) in [("refused", refused), ("reset", reset), ("cut", cut)] {
        let base = format!("http://127.0.0.1:{port}");
        fx.app.add_provider(&fx.admin, name, &base, "sk-x").await?;
        let ids = json!({"ids": ["m"]});
        let cache = format!("/models/{name}/cache");
        fx.app
            .send("POST", &cache, Some(&fx.admin), Some(ids))
            .await?;
        let address = format!("127.0.0.1:{port}");
        for stream in [false, true] {
            let body = json!({"model": format!("{name}/m"), "stream": stream,
                "messages": [{"role": "user", "content": "hi"}]});
            let (status, _, text) = fx.post("/v1/chat/completions", body).await?;
            assert!(status == 502 || status == 200, "{name}: {status} {text}");
            assert!(
                !text.contains(&address) && !text.contains("http://"),
                "{name} (stream {stream}): {text}"
            );
            assert!(text.contains(&format!("provider `{name}`")), "{text}");
        }
        // Model discovery reports the same failures without the URL.
        let (status, body) = fx
            .app
            .send("GET", &format!("/models/{name}"), Some(&fx.admin), None)
            .await?;
        assert!(status == 502 || status == 504, "{name}: {status} {body}");
        let text = body.to_string();
        assert!(
            !text.contains(&address) && !text.contains("http://"),
            "{text}"
        );
    }
    Ok(())
}

#[tokio::test]
async fn credentials_in_base_url_are_refused_and_never_stored() -> TestResult {
    let fx = RelayFixture::start().await?;
    let input =
        |base_url: &str| json!({"name": "leaky", "api_type": "openai", "base_url": base_url});
    for base_url in [
        "https://alice:pw-secret-1@api.example.com",
        "https://token-secret-2@api.example.com/v1",
        "https://api.example.com/v1?key=key-secret-3",
        "https://api.example.com/v1?api_key=key-secret-4&x=1",
        "https://api.example.com/#key-secret-5",
    ] {
        let (status, body) = fx
            .app
            .send("POST", "/providers", Some(&fx.admin), Some(input(base_url)))
            .await?;
        assert_eq!(status, 400, "{base_url}: {body}");
        assert_eq!(body["error"]["param"], "base_url", "{body}");
        assert!(!body.to_string().contains("secret"), "{body}");
    }
    // Replacing an existing provider is checked the same way.
    let (status, body) = fx
        .app
        .send(
            "PUT",
            "/providers/mock",
            Some(&fx.admin),
            Some(json!({"name": "mock", "api_type": "openai",
                "base_url": "http://bob:pw-secret-6@127.0.0.1:9"})),
        )
        .await?;
    assert_eq!(status, 400, "{body}");
    // A clean URL with a path still works.
    let (status, body) = fx
        .app
        .send(
            "POST",
            "/providers",
            Some(&fx.admin),
            Some(input("https://api.example.com/v1/")),
        )
        .await?;
    assert_eq!(status, 201, "{body}");

    let (_, audit) = fx
        .app
        .send("GET", "/audit?limit=500", Some(&fx.admin), None)
        .await?;
    assert!(!audit.to_string().contains("secret"), "{audit}");
    let stored = table_text(&fx.app.db.url, &["providers", "audit_log"]).await?;
    assert!(!stored.contains("secret"), "{stored}");
    Ok(())
}

/// The request header names the mock received, from its `x-mock-headers` answer.
fn received(headers: &reqwest::header::HeaderMap) -> Vec<String> {
    headers
        .get("x-mock-headers")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .split(',')
        .map(str::to_string)
        .collect()
}

/// Client headers that must never reach an upstream.
const DROPPED: &[(&str, &str)] = &[
    ("openai-organization", "org-client"),
    ("openai-project", "proj-client"),
    ("cookie", "session=abc"),
    ("x-stainless-os", "Linux"),
    ("x-forwarded-for", "10.0.0.1"),
    ("x-custom", "1"),
];

/// A client's trace context: the gateway sends its own (when tracing is on), never this.
const CLIENT_TRACEPARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

#[tokio::test]
async fn client_headers_are_forwarded_by_allowlist() -> TestResult {
    let fx = RelayFixture::start().await?;
    let claude = json!({"name": "claude", "api_type": "anthropic", "base_url": fx.mock.base});
    fx.app
        .send("POST", "/providers", Some(&fx.admin), Some(claude))
        .await?;
    let key = json!({"key": UPSTREAM_KEY});
    fx.app
        .send("POST", "/providers/claude/keys", Some(&fx.admin), Some(key))
        .await?;
    let ids = json!({"ids": ["claude-sonnet-4"]});
    fx.app
        .send("POST", "/models/claude/cache", Some(&fx.admin), Some(ids))
        .await?;

    // OpenAI upstream: its beta header passes, Anthropic's does not.
    let mut request = fx.app.http.post(fx.app.url("/v1/chat/completions"));
    for (name, value) in DROPPED {
        request = request.header(*name, *value);
    }
    let response = request
        .bearer_auth(&fx.sk)
        .header("traceparent", CLIENT_TRACEPARENT)
        .header("openai-beta", "assistants=v2")
        .header("anthropic-beta", "tools-2024-04-04")
        .header("x-mock", "{}")
        .header("content-type", "application/json")
        .body(
            json!({"model": "mock/gpt-4o", "messages": [{"role": "user", "content": "hi"}]})
                .to_string(),
        )
        .send()
        .await?;
    assert_eq!(response.status(), 200);
    let names = received(response.headers());
    for want in ["authorization", "content-type", "openai-beta", "x-mock"] {
        assert!(names.iter().any(|n| n == want), "{want} missing: {names:?}");
    }
    for (name, _) in DROPPED.iter().chain(&[("anthropic-beta", "")]) {
        assert!(
            !names.iter().any(|n| n == name),
            "{name} forwarded: {names:?}"
        );
    }
    let traceparent = response.headers().get("x-mock-traceparent");
    assert!(
        traceparent.is_none_or(|v| v != CLIENT_TRACEPARENT),
        "{traceparent:?}"
    );

    // Anthropic upstream: the beta header passes, the version is the client's.
    let mut request = fx.app.http.post(fx.app.url("/v1/messages"));
    for (name, value) in DROPPED {
        request = request.header(*name, *value);
    }
    let response = request
        .header("x-api-key", &fx.sk)
        .header("anthropic-version", "2023-06-01")
        .header("anthropic-beta", "tools-2024-04-04")
        .header("openai-beta", "assistants=v2")
        .header("content-type", "application/json")
        .body(
            json!({"model": "claude/claude-sonnet-4", "max_tokens": 16,
            "messages": [{"role": "user", "content": "hi"}]})
            .to_string(),
        )
        .send()
        .await?;
    assert_eq!(response.status(), 200);
    let names = received(response.headers());
    for want in ["x-api-key", "anthropic-version", "anthropic-beta"] {
        assert!(names.iter().any(|n| n == want), "{want} missing: {names:?}");
    }
    for (name, _) in DROPPED
        .iter()
        .chain(&[("openai-beta", ""), ("authorization", "")])
    {
        assert!(
            !names.iter().any(|n| n == name),
            "{name} forwarded: {names:?}"
        );
    }
    Ok(())
}
