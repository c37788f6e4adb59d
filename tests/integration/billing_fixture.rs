//! The billing fixture: a priced model on mock-upstream, a user with a balance and a
//! token, and a chat request body.

use serde_json::{Value, json};

use crate::common::{MockUpstream, TestApp, TestDb, TestResult, UPSTREAM_KEY, request_id};

/// 1 micro-unit per input token, 2 per output token.
pub const PRICE: &str =
    r#"{"model": "mock/gpt-4o", "input_price": 1000000, "output_price": 2000000}"#;

pub struct Billing {
    pub app: TestApp,
    pub _mock: MockUpstream,
    pub admin: String,
    pub user_id: i64,
    pub user: String,
    pub sk: String,
}

impl Billing {
    pub async fn start(balance: i64, token: Value) -> TestResult<Billing> {
        Billing::start_on(TestDb::new().await?, balance, token).await
    }

    pub async fn start_on(db: TestDb, balance: i64, token: Value) -> TestResult<Billing> {
        let mock = MockUpstream::start(&[UPSTREAM_KEY], &[])?;
        let app = TestApp::start_on(db, &[]).await?;
        let admin = app.admin().await?;
        app.add_provider(&admin, "mock", &mock.base, UPSTREAM_KEY)
            .await?;
        app.send(
            "POST",
            "/models/mock/cache",
            Some(&admin),
            Some(json!({"ids": ["gpt-4o"]})),
        )
        .await?;
        let (status, body) = app
            .send(
                "POST",
                "/prices",
                Some(&admin),
                Some(serde_json::from_str(PRICE)?),
            )
            .await?;
        anyhow::ensure!(status == 201, "{body}");
        let (user_id, user) = app.new_user(&admin, "payer", &["*"]).await?;
        if balance != 0 {
            let (status, body) = app
                .send(
                    "POST",
                    &format!("/users/{user_id}/balance"),
                    Some(&admin),
                    Some(json!({"amount": balance, "reason": "test top-up"})),
                )
                .await?;
            anyhow::ensure!(status == 200, "{body}");
        }
        let sk = app.new_token(&user, token).await?;
        Ok(Billing {
            app,
            _mock: mock,
            admin,
            user_id,
            user,
            sk,
        })
    }

    pub async fn chat(&self, body: Value) -> TestResult<(u16, String, String)> {
        let response = self
            .app
            .http
            .post(self.app.url("/v1/chat/completions"))
            .bearer_auth(&self.sk)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await?;
        let status = response.status().as_u16();
        let id = request_id(response.headers());
        Ok((status, id, response.text().await?))
    }

    pub async fn balance(&self) -> TestResult<i64> {
        let (_, me) = self.app.send("GET", "/me", Some(&self.user), None).await?;
        Ok(me["balance"].as_i64().unwrap_or(i64::MIN))
    }

    pub async fn row(&self, request_id: &str) -> TestResult<Value> {
        Ok(self
            .app
            .wait_logs(&self.admin, 1, |r| r["request_id"] == request_id)
            .await?
            .remove(0))
    }
}

pub fn chat_body(extra: Value) -> Value {
    let mut body = json!({"model": "mock/gpt-4o", "max_tokens": 10, "messages": [{"role": "user", "content": "hello"}]});
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        body.extend(extra.clone());
    }
    body
}
