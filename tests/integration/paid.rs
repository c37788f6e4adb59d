//! Fixture for the reservation tests: a gateway whose models cost money, in front of
//! mock-upstream as provider `mock` (openai type, model gpt-4o) and provider `claude`
//! (anthropic type, model claude-sonnet-4), and a user `payer` with a balance and an
//! `sk-` token.

use serde_json::{Value, json};

use crate::common::{JsonExt, MockUpstream, TestApp, TestResult, UPSTREAM_KEY, request_id};

pub struct Paid {
    pub app: TestApp,
    _mock: MockUpstream,
    pub admin: String,
    pub user_id: i64,
    pub user: String,
    pub sk: String,
}

/// One answer: status, `x-request-id`, body text.
pub struct Answer {
    pub status: u16,
    pub id: String,
    pub text: String,
}

impl Paid {
    /// Every model at `input` / `output` micro-units per 1M tokens; the user holds
    /// `balance`; the token is created with `token` (e.g. a `quota_limit`).
    pub async fn start(
        config: &[(&str, &str)],
        input: i64,
        output: i64,
        balance: i64,
        token: Value,
    ) -> TestResult<Paid> {
        let mock = MockUpstream::start(&[UPSTREAM_KEY], &[])?;
        let app = TestApp::start_with(config).await?;
        let admin = app.admin().await?;
        app.add_provider(&admin, "mock", &mock.base, UPSTREAM_KEY)
            .await?;
        let claude = json!({"name": "claude", "api_type": "anthropic", "base_url": mock.base});
        let writes = [
            ("/providers", claude),
            ("/providers/claude/keys", json!({"key": UPSTREAM_KEY})),
            ("/models/mock/cache", json!({"ids": ["gpt-4o"]})),
            ("/models/claude/cache", json!({"ids": ["claude-sonnet-4"]})),
            (
                "/prices",
                json!({"model": "*", "input_price": input, "output_price": output}),
            ),
        ];
        for (path, body) in writes {
            let (status, answer) = app.send("POST", path, Some(&admin), Some(body)).await?;
            anyhow::ensure!(status == 200 || status == 201, "{path}: {answer}");
        }
        let (user_id, user) = app.new_user(&admin, "payer", &["*"]).await?;
        let paid = Paid {
            sk: app.new_token(&user, token).await?,
            app,
            _mock: mock,
            admin,
            user_id,
            user,
        };
        paid.top_up(balance).await?;
        Ok(paid)
    }

    pub async fn top_up(&self, amount: i64) -> TestResult {
        if amount == 0 {
            return Ok(());
        }
        let (status, body) = self
            .app
            .send(
                "POST",
                &format!("/users/{}/balance", self.user_id),
                Some(&self.admin),
                Some(json!({"amount": amount, "reason": "test"})),
            )
            .await?;
        anyhow::ensure!(status == 200, "{body}");
        Ok(())
    }

    /// POSTs `body` to `path` with the user's token (`x-api-key` on /v1/messages); a
    /// `mock` object in it goes in the `x-mock` header, so it is not part of the prompt.
    pub fn request(&self, path: &str, mut body: Value) -> reqwest::RequestBuilder {
        let scenario = body.as_object_mut().and_then(|o| o.remove("mock"));
        let mut request = self.app.http.post(self.app.url(path));
        if let Some(scenario) = scenario {
            request = request.header("x-mock", scenario.to_string());
        }
        request = if path == "/v1/messages" {
            request
                .header("x-api-key", &self.sk)
                .header("anthropic-version", "2023-06-01")
        } else {
            request.bearer_auth(&self.sk)
        };
        request.json_body(&body)
    }

    pub async fn post(&self, path: &str, body: Value) -> TestResult<Answer> {
        let response = self.request(path, body).send().await?;
        let status = response.status().as_u16();
        let id = request_id(response.headers());
        Ok(Answer {
            status,
            id,
            text: response.text().await?,
        })
    }

    /// The log row of a request (waits for the writer).
    pub async fn row(&self, request_id: &str) -> TestResult<Value> {
        Ok(self
            .app
            .wait_logs(&self.admin, 1, |r| r["request_id"] == request_id)
            .await?
            .remove(0))
    }

    /// The live balance (`GET /me`).
    pub async fn balance(&self) -> TestResult<i64> {
        let (_, me) = self.app.send("GET", "/me", Some(&self.user), None).await?;
        me["balance"]
            .as_i64()
            .ok_or_else(|| anyhow::anyhow!("no balance in {me}"))
    }
}

/// A chat request for `model` with one user message and `extra` top-level fields.
pub fn chat(model: &str, content: Value, extra: Value) -> Value {
    let mut body = json!({"model": model, "messages": [{"role": "user", "content": content}]});
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        body.extend(extra.clone());
    }
    body
}
