//! Metric labels stay bounded: a model no admin cached or aliased is counted under a
//! fixed label, whatever name the client sent.

use serde_json::json;

use crate::common::{RelayFixture, TestResult};

#[tokio::test]
async fn random_model_names_do_not_become_metric_labels() -> TestResult {
    let fx = RelayFixture::start().await?;
    let names: Vec<String> = (0..25)
        .map(|_| format!("rnd-{}", gateway::accounts::random_alphanumeric(12)))
        .collect();
    for name in &names {
        // Through the provider prefix (forwarded as is) and as a bare name (404).
        for model in [format!("mock/{name}"), name.clone()] {
            let body = json!({"model": model, "messages": [{"role": "user", "content": "hi"}]});
            let (status, _, text) = fx.post("/v1/chat/completions", body).await?;
            assert!(status == 200 || status == 404, "{status} {text}");
        }
    }
    let body = json!({"model": "mock/gpt-4o", "messages": [{"role": "user", "content": "hi"}]});
    let (status, _, _) = fx.post("/v1/chat/completions", body).await?;
    assert_eq!(status, 200);

    let text = fx
        .app
        .http
        .get(fx.app.url("/metrics"))
        .send()
        .await?
        .text()
        .await?;
    assert!(text.contains("model=\"mock/gpt-4o\""), "{text}");
    for name in &names {
        assert!(!text.contains(name.as_str()), "{name} is a label:\n{text}");
    }
    Ok(())
}
