//! Paying traffic for the durability tests: a user with a balance and a token for a
//! priced model, clients that send chat requests and keep the ids of the answers, and
//! the checks that every answer is logged exactly once and charged exactly once.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::common::{MockUpstream, TestApp, TestResult, UPSTREAM_KEY, count_rows, table_text};

/// A priced model and a user with a large balance: returns the user id and its `sk-`.
pub async fn priced_payer(app: &TestApp, mock: &MockUpstream) -> TestResult<(i64, String)> {
    let admin = app.admin().await?;
    app.add_provider(&admin, "mock", &mock.base, UPSTREAM_KEY)
        .await?;
    let ids = json!({"ids": ["gpt-4o"]});
    app.send("POST", "/models/mock/cache", Some(&admin), Some(ids))
        .await?;
    let price =
        json!({"model": "mock/gpt-4o", "input_price": 1_000_000, "output_price": 2_000_000});
    let (status, body) = app
        .send("POST", "/prices", Some(&admin), Some(price))
        .await?;
    anyhow::ensure!(status == 201, "{body}");
    let (user_id, user) = app.new_user(&admin, "payer", &["*"]).await?;
    let top_up = json!({"amount": 1_000_000_000, "reason": "test"});
    let path = format!("/users/{user_id}/balance");
    let (status, body) = app.send("POST", &path, Some(&admin), Some(top_up)).await?;
    anyhow::ensure!(status == 200, "{body}");
    Ok((user_id, app.new_token(&user, json!({})).await?))
}

/// Clients sending chat requests to a gateway until stopped or the gateway goes away.
pub struct Traffic {
    answered: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    clients: Vec<tokio::task::JoinHandle<()>>,
}

impl Traffic {
    pub fn start(base: &str, sk: &str, clients: usize) -> Traffic {
        let answered = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let url = format!("{base}/v1/chat/completions");
        let clients = (0..clients)
            .map(|_| {
                tokio::spawn(client(
                    url.clone(),
                    sk.to_string(),
                    answered.clone(),
                    stop.clone(),
                ))
            })
            .collect();
        Traffic {
            answered,
            stop,
            clients,
        }
    }

    /// How many requests got their whole answer so far.
    pub fn answered(&self) -> usize {
        self.answered.lock().map(|a| a.len()).unwrap_or(0)
    }

    /// Waits until `count` answers arrived (at most a minute).
    pub async fn until_answered(&self, count: usize) {
        let started = Instant::now();
        while self.answered() < count && started.elapsed() < Duration::from_secs(60) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Stops the clients (if the gateway has not gone away already); the answered ids.
    pub async fn finish(self) -> TestResult<Vec<String>> {
        self.stop.store(true, Ordering::SeqCst);
        for client in self.clients {
            client.await?;
        }
        Ok(self.answered.lock().map(|a| a.clone()).unwrap_or_default())
    }
}

async fn client(url: String, sk: String, answered: Arc<Mutex<Vec<String>>>, stop: Arc<AtomicBool>) {
    let http = reqwest::Client::new();
    let body = json!({"model": "mock/gpt-4o", "messages": [{"role": "user", "content": "hi"}]})
        .to_string();
    while !stop.load(Ordering::SeqCst) {
        let sent = http
            .post(&url)
            .bearer_auth(&sk)
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .await;
        let Ok(response) = sent else { return };
        let id = response
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(String::from);
        // Answered: a 200 whose whole body arrived.
        let complete = response.status() == 200 && response.bytes().await.is_ok();
        match id {
            Some(id) if complete => answered.lock().map(|mut a| a.push(id)).unwrap_or(()),
            _ => return,
        }
    }
}

/// Checks that each answered request has exactly one log row, and that the user was
/// charged (since `balance_before`) the sum of the costs of the rows and nothing more.
pub async fn logged_exactly_once(
    url: &str,
    answered: &[String],
    user_id: i64,
    balance_before: i64,
) -> TestResult {
    let text = table_text(url, &["request_logs"]).await?;
    let missing: Vec<&String> = answered
        .iter()
        .filter(|id| text.matches(id.as_str()).count() != 1)
        .collect();
    anyhow::ensure!(
        missing.is_empty(),
        "{} of {} answered requests not logged exactly once, e.g. {:?}",
        missing.len(),
        answered.len(),
        missing.first()
    );
    let charged = count_rows(
        url,
        &format!("SELECT CAST(COALESCE(SUM(cost), 0) AS BIGINT) FROM request_logs WHERE user_id = {user_id}"),
    )
    .await?;
    let balance = count_rows(
        url,
        &format!("SELECT balance FROM users WHERE id = {user_id}"),
    )
    .await?;
    anyhow::ensure!(charged > 0, "nothing charged");
    anyhow::ensure!(
        balance_before - balance == charged,
        "charged {} for rows costing {charged}",
        balance_before - balance
    );
    Ok(())
}

/// The stored balance of a user.
pub async fn stored_balance(url: &str, user_id: i64) -> TestResult<i64> {
    count_rows(
        url,
        &format!("SELECT balance FROM users WHERE id = {user_id}"),
    )
    .await
}
