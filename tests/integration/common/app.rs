//! The gateway started in process on a test database, and JSON over HTTP to it.

use std::path::Path;

use gateway::app::{RunningServer, start};
use gateway::config::Config;
use serde_json::{Value, json};

use super::{ADMIN_PASSWORD, TestDb, TestResult};

/// Settings text for a test gateway; each `(section, line)` of `extra` is put into
/// that section (e.g. `("security", "key_strategy = \"none\"")`).
pub fn config_text(db_url: &str, secret: &Path, extra: &[(&str, &str)]) -> String {
    let mut text = format!(
        r#"
[server]
listen = "127.0.0.1:0"
shutdown_grace_seconds = 5
[database]
url = "{db_url}"
max_connections = 4
[security]
secret_file = "{secret}"
[admin]
password = "{ADMIN_PASSWORD}"
[log_writer]
flush_interval_ms = 20
dir = "{dir}"
[upstream]
# Mock scenarios ride in this header through translated requests.
forward_headers = ["x-mock"]
"#,
        secret = secret.display(),
        dir = secret.parent().unwrap_or(Path::new(".")).display()
    );
    for (section, line) in extra {
        let header = format!("[{section}]\n");
        match text.find(&header) {
            Some(at) => text.insert_str(at + header.len(), &format!("{line}\n")),
            None => text.push_str(&format!("{header}{line}\n")),
        }
    }
    text
}

/// A running gateway over a test database.
pub struct TestApp {
    pub base: String,
    pub http: reqwest::Client,
    pub server: RunningServer,
    pub db: TestDb,
}

impl TestApp {
    pub async fn start() -> TestResult<TestApp> {
        TestApp::start_with(&[]).await
    }

    /// Starts with extra settings (see [`config_text`]).
    pub async fn start_with(extra: &[(&str, &str)]) -> TestResult<TestApp> {
        let db = TestDb::new().await?;
        TestApp::start_on(db, extra).await
    }

    pub async fn start_on(db: TestDb, extra: &[(&str, &str)]) -> TestResult<TestApp> {
        let secret = db.dir.path().join("secret.key");
        let config_path = db.dir.path().join("custom-config.toml");
        std::fs::write(&config_path, config_text(&db.url, &secret, extra))?;
        let config = Config::load(&config_path)?;
        let server = start(config, std::future::pending()).await?;
        Ok(TestApp {
            base: format!("http://{}", server.addr),
            http: reqwest::Client::new(),
            server,
            db,
        })
    }

    /// Stops the server (flushing logs) and starts a new one on the same database.
    pub async fn restart(self) -> TestResult<TestApp> {
        let TestApp { server, db, .. } = self;
        server.shutdown().await?;
        TestApp::start_on(db, &[]).await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn login(&self, username: &str, password: &str) -> TestResult<String> {
        let (status, body) = self
            .send(
                "POST",
                "/auth/login",
                None,
                Some(json!({"username": username, "password": password})),
            )
            .await?;
        assert_eq!(status, 200, "login failed: {body}");
        Ok(body["token"]
            .as_str()
            .ok_or_else(|| anyhow::anyhow!("no token"))?
            .to_string())
    }

    pub async fn admin(&self) -> TestResult<String> {
        self.login("admin", ADMIN_PASSWORD).await
    }

    /// Sends a JSON request; returns the status and the parsed body (Null if empty).
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> TestResult<(u16, Value)> {
        let method = reqwest::Method::from_bytes(method.as_bytes())?;
        let mut request = self.http.request(method, self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(serde_json::to_vec(&body)?);
        }
        let response = request.send().await?;
        let status = response.status().as_u16();
        let bytes = response.bytes().await?;
        let value = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).map_err(|err| {
                anyhow::anyhow!("not JSON ({err}): {}", String::from_utf8_lossy(&bytes))
            })?
        };
        Ok((status, value))
    }

    /// Creates an openai-type provider pointing at `base_url` with one key.
    pub async fn add_provider(
        &self,
        token: &str,
        name: &str,
        base_url: &str,
        key: &str,
    ) -> TestResult {
        let (status, body) = self
            .send(
                "POST",
                "/providers",
                Some(token),
                Some(json!({
                    "name": name, "api_type": "openai", "base_url": base_url
                })),
            )
            .await?;
        assert_eq!(status, 201, "{body}");
        let (status, body) = self
            .send(
                "POST",
                &format!("/providers/{name}/keys"),
                Some(token),
                Some(json!({"key": key})),
            )
            .await?;
        assert_eq!(status, 201, "{body}");
        Ok(())
    }

    /// Creates a gateway token with `body` (name defaults to "test"); returns its key.
    pub async fn new_token(&self, session: &str, mut body: Value) -> TestResult<String> {
        if body.get("name").is_none() {
            body["name"] = json!("test");
        }
        let (status, created) = self
            .send("POST", "/tokens", Some(session), Some(body))
            .await?;
        anyhow::ensure!(status == 201, "token create failed: {status} {created}");
        Ok(created["key"].as_str().unwrap_or_default().to_string())
    }

    /// Creates a user with `models` grants and logs in; returns (user id, session).
    pub async fn new_user(
        &self,
        admin: &str,
        username: &str,
        models: &[&str],
    ) -> TestResult<(i64, String)> {
        let password = format!("{username}-password");
        let (status, user) = self
            .send(
                "POST",
                "/users",
                Some(admin),
                Some(json!({"username": username, "password": password, "models": models})),
            )
            .await?;
        anyhow::ensure!(status == 201, "user create failed: {status} {user}");
        let session = self.login(username, &password).await?;
        Ok((user["id"].as_i64().unwrap_or_default(), session))
    }

    /// Polls `GET /logs` until `want` rows match `pred` (the writer is asynchronous).
    pub async fn wait_logs(
        &self,
        token: &str,
        want: usize,
        pred: impl Fn(&Value) -> bool,
    ) -> TestResult<Vec<Value>> {
        for _ in 0..100 {
            let (_, body) = self
                .send("GET", "/logs?limit=500", Some(token), None)
                .await?;
            let rows: Vec<Value> = body["items"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .filter(|r| pred(r))
                .collect();
            if rows.len() >= want {
                return Ok(rows);
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        anyhow::bail!("fewer than {want} matching log rows")
    }
}
