//! The relay fixture: a gateway in front of mock-upstream with a free model and a
//! token, and helpers to read what the relay answers.

use serde_json::{Value, json};

use super::{MockUpstream, TestApp, TestResult};

/// The mock key every relay test provider uses.
pub const UPSTREAM_KEY: &str = "sk-upstream-key-0001";

/// A gateway with provider `mock` (key [`UPSTREAM_KEY`], models gpt-4o and
/// text-embedding-3-small cached, every model free) in front of a fresh mock-upstream,
/// and an admin `sk-`.
pub struct RelayFixture {
    pub app: TestApp,
    pub mock: MockUpstream,
    pub admin: String,
    pub sk: String,
}

impl RelayFixture {
    pub async fn start() -> TestResult<RelayFixture> {
        RelayFixture::start_with(&[]).await
    }

    pub async fn start_with(extra: &[(&str, &str)]) -> TestResult<RelayFixture> {
        let mock = MockUpstream::start(&[UPSTREAM_KEY], &[])?;
        let app = TestApp::start_with(extra).await?;
        let admin = app.admin().await?;
        app.add_provider(&admin, "mock", &mock.base, UPSTREAM_KEY)
            .await?;
        let ids = json!({"ids": ["gpt-4o", "text-embedding-3-small"]});
        app.send("POST", "/models/mock/cache", Some(&admin), Some(ids))
            .await?;
        // Relay tests are not about billing: everything is free here.
        let free = json!({"model": "*", "free": true});
        let (status, body) = app
            .send("POST", "/prices", Some(&admin), Some(free))
            .await?;
        anyhow::ensure!(status == 201, "price create failed: {status} {body}");
        let sk = app.new_token(&admin, json!({"name": "relay"})).await?;
        Ok(RelayFixture {
            app,
            mock,
            admin,
            sk,
        })
    }

    /// POSTs raw bytes to a `/v1` path with the fixture's token.
    pub async fn post_raw(
        &self,
        path: &str,
        body: impl Into<reqwest::Body>,
    ) -> TestResult<reqwest::Response> {
        Ok(self
            .app
            .http
            .post(self.app.url(path))
            .bearer_auth(&self.sk)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await?)
    }

    /// POSTs JSON to a `/v1` path; returns status, headers and body text.
    pub async fn post(
        &self,
        path: &str,
        body: Value,
    ) -> TestResult<(u16, reqwest::header::HeaderMap, String)> {
        let response = self.post_raw(path, serde_json::to_vec(&body)?).await?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        Ok((status, headers, response.text().await?))
    }

    /// The log row of a request id (waits for the writer).
    pub async fn log_row(&self, request_id: &str) -> TestResult<Value> {
        let rows = self
            .app
            .wait_logs(&self.admin, 1, |r| r["request_id"] == request_id)
            .await?;
        Ok(rows[0].clone())
    }
}

/// `data:` payloads of an event stream body.
pub fn sse_data(body: &str) -> Vec<String> {
    body.split("\n\n")
        .filter_map(|event| {
            event
                .lines()
                .find_map(|l| l.strip_prefix("data: "))
                .map(String::from)
        })
        .collect()
}

/// The `x-request-id` header of a response (empty when absent).
pub fn request_id(headers: &reqwest::header::HeaderMap) -> String {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

/// Small conveniences on reqwest without its `json` feature.
pub trait JsonExt {
    fn json_body(self, body: &Value) -> Self;
}

impl JsonExt for reqwest::RequestBuilder {
    fn json_body(self, body: &Value) -> Self {
        self.header("content-type", "application/json")
            .body(body.to_string())
    }
}

pub trait JsonValue {
    async fn json_value(self) -> TestResult<Value>;
}

impl JsonValue for reqwest::Response {
    async fn json_value(self) -> TestResult<Value> {
        Ok(serde_json::from_slice(&self.bytes().await?)?)
    }
}
