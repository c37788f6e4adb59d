//! The relay when things go wrong: bad input, routing failures and upstream errors.

use serde_json::{Value, json};

use crate::common::{RelayFixture, TestResult, UPSTREAM_KEY, request_id};

#[tokio::test]
async fn bad_input_is_rejected_before_anything_goes_upstream() -> TestResult {
    let fx = RelayFixture::start_with(&[("server", "max_body_bytes = 2048")]).await?;
    let cases: [(&str, u16, &str, Option<&str>); 6] = [
        ("{not json", 400, "not valid JSON", None),
        ("", 400, "empty", None),
        (r#"{"messages": []}"#, 400, "model", Some("model")),
        (
            r#"{"model": 4, "messages": []}"#,
            400,
            "model",
            Some("model"),
        ),
        (
            r#"{"model": "", "messages": []}"#,
            400,
            "model",
            Some("model"),
        ),
        (r#"["model"]"#, 400, "JSON object", None),
    ];
    for (body, status, needle, param) in cases {
        let response = fx.post_raw("/v1/chat/completions", body).await?;
        assert_eq!(response.status(), status, "{body}");
        let answer: Value = serde_json::from_slice(&response.bytes().await?)?;
        let message = answer["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains(needle), "{body}: {message}");
        assert_eq!(answer["error"]["param"].as_str(), param, "{body}");
    }
    let big =
        json!({"model": "gpt-4o", "messages": [{"role": "user", "content": "x".repeat(4096)}]});
    let (status, _, text) = fx.post("/v1/chat/completions", big).await?;
    assert_eq!(status, 413, "{text}");
    // Chunked upload without a length is limited too.
    let chunks =
        futures_util::stream::iter((0..10).map(|_| Ok::<_, std::io::Error>(vec![b' '; 512])));
    let response = fx
        .post_raw("/v1/chat/completions", reqwest::Body::wrap_stream(chunks))
        .await?;
    assert_eq!(response.status(), 413);
    Ok(())
}

#[tokio::test]
async fn routing_failures_name_the_thing() -> TestResult {
    let fx = RelayFixture::start().await?;
    let admin = &fx.admin;
    fx.app
        .send(
            "POST",
            "/providers",
            Some(admin),
            Some(json!({"name": "nokeys", "api_type": "openai", "base_url": fx.mock.base})),
        )
        .await?;
    fx.app.send("POST", "/providers", Some(admin), Some(json!({"name": "off", "api_type": "openai", "base_url": fx.mock.base, "enabled": false}))).await?;
    fx.app
        .send(
            "POST",
            "/providers/off/keys",
            Some(admin),
            Some(json!({"key": UPSTREAM_KEY})),
        )
        .await?;
    let cases = [
        ("no-such-model", 404, "no-such-model"),
        ("ghost/gpt-4o", 404, "ghost/gpt-4o"),
        ("nokeys/gpt-4o", 503, "nokeys"),
        ("off/gpt-4o", 503, "off"),
    ];
    for (model, status, needle) in cases {
        let (got, _, text) = fx
            .post(
                "/v1/chat/completions",
                json!({"model": model, "messages": []}),
            )
            .await?;
        assert_eq!(got, status, "{model}: {text}");
        let answer: Value = serde_json::from_str(&text)?;
        assert!(
            answer["error"]["message"]
                .as_str()
                .unwrap_or_default()
                .contains(needle),
            "{text}"
        );
    }
    // Grants: a token limited to embeddings may not chat.
    let narrow = fx
        .app
        .new_token(
            admin,
            json!({"name": "emb", "models": ["mock/text-embedding-3-small"]}),
        )
        .await?;
    let response = fx
        .app
        .http
        .post(fx.app.url("/v1/chat/completions"))
        .bearer_auth(&narrow)
        .header("content-type", "application/json")
        .body(r#"{"model":"gpt-4o","messages":[]}"#)
        .send()
        .await?;
    assert_eq!(response.status(), 403);
    let answer: Value = serde_json::from_slice(&response.bytes().await?)?;
    assert!(
        answer["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("mock/gpt-4o")
    );
    Ok(())
}

#[tokio::test]
async fn upstream_errors_keep_their_status_and_text() -> TestResult {
    let fx = RelayFixture::start().await?;
    for (status, message) in [
        (429u16, "slow down please"),
        (500, "the upstream broke"),
        (400, "bad messages"),
    ] {
        for stream in [false, true] {
            let body = json!({"model": "gpt-4o", "stream": stream, "messages": [], "mock": {"status": status, "error_message": message}});
            let (got, headers, text) = fx.post("/v1/chat/completions", body).await?;
            assert_eq!(got, status, "{text}");
            let answer: Value = serde_json::from_str(&text)?;
            assert_eq!(answer["error"]["message"], message);
            if status == 429 {
                assert_eq!(
                    headers.get("retry-after").and_then(|v| v.to_str().ok()),
                    Some("1")
                );
            }
            let row = fx.log_row(&request_id(&headers)).await?;
            assert_eq!(row["status"], status);
            assert!(
                row["error"].as_str().unwrap_or_default().contains(message),
                "upstream text logged: {row}"
            );
        }
    }
    // Connection refused: 502.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?;
    fx.app
        .add_provider(&fx.admin, "dead", &format!("http://{closed}"), UPSTREAM_KEY)
        .await?;
    let (status, _, text) = fx
        .post(
            "/v1/chat/completions",
            json!({"model": "dead/m", "messages": []}),
        )
        .await?;
    assert_eq!(status, 502, "{text}");
    assert!(text.contains("dead"), "{text}");
    Ok(())
}
