//! `GET /v1/models/{id}`: ids with a `/`, sent raw or percent-encoded, in the OpenAI
//! model shape; 404 in the OpenAI error shape for ids the token may not use or that
//! are not cached.

use serde_json::json;

use crate::common::{RelayFixture, TestResult};

#[tokio::test]
async fn retrieve_a_model_by_its_provider_id() -> TestResult {
    let fx = RelayFixture::start().await?;
    for path in ["/v1/models/mock/gpt-4o", "/v1/models/mock%2Fgpt-4o"] {
        let (status, body) = fx.app.send("GET", path, Some(&fx.sk), None).await?;
        assert_eq!(status, 200, "{path}: {body}");
        assert_eq!(
            body,
            json!({"id": "mock/gpt-4o", "object": "model", "created": 0, "owned_by": "mock"}),
            "{path}"
        );
    }
    // A query string survives the rewrite of the raw slash.
    let (status, _) = fx
        .app
        .send("GET", "/v1/models/mock/gpt-4o?x=1", Some(&fx.sk), None)
        .await?;
    assert_eq!(status, 200);
    Ok(())
}

#[tokio::test]
async fn unknown_or_forbidden_models_are_404_in_the_openai_shape() -> TestResult {
    let fx = RelayFixture::start().await?;
    let limited = fx
        .app
        .new_token(
            &fx.admin,
            json!({"name": "limited", "models": ["mock/text-embedding-3-small"]}),
        )
        .await?;
    let cases = [
        (&fx.sk, "/v1/models/mock/gpt-4o-mini", "not cached"),
        (&fx.sk, "/v1/models/nobody/gpt-4o", "unknown provider"),
        (&fx.sk, "/v1/models/gpt-4o", "no provider prefix"),
        (
            &limited,
            "/v1/models/mock/gpt-4o",
            "not granted to the token",
        ),
    ];
    for (token, path, why) in cases {
        let (status, body) = fx.app.send("GET", path, Some(token), None).await?;
        assert_eq!(status, 404, "{why}: {body}");
        let message = body["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains("does not exist"), "{why}: {body}");
        assert!(body["error"]["type"].is_string(), "{why}: {body}");
    }
    let (status, body) = fx
        .app
        .send(
            "GET",
            "/v1/models/mock/text-embedding-3-small",
            Some(&limited),
            None,
        )
        .await?;
    assert_eq!(
        (status, body["id"].as_str()),
        (200, Some("mock/text-embedding-3-small"))
    );
    let (status, _) = fx
        .app
        .send("GET", "/v1/models/mock/gpt-4o", None, None)
        .await?;
    assert_eq!(status, 401);
    Ok(())
}
