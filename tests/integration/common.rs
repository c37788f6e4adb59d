//! Test harness: start the gateway in process on a fresh database, spawn mock-upstream,
//! and small helpers for JSON over HTTP.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use gateway::app::{RunningServer, start};
use gateway::config::Config;
use serde_json::{Value, json};

pub const ADMIN_PASSWORD: &str = "test-admin-password";

pub type TestResult<T = ()> = anyhow::Result<T>;

/// A fresh database for one test: a SQLite file in a temporary folder, or a new
/// PostgreSQL database on the server named by `TEST_DATABASE_URL`.
pub struct TestDb {
    pub url: String,
    pub dir: tempfile::TempDir,
}

impl TestDb {
    pub async fn new() -> TestResult<TestDb> {
        let dir = tempfile::tempdir()?;
        let url = match std::env::var("TEST_DATABASE_URL") {
            Ok(server) if !server.is_empty() => fresh_postgres(&server).await?,
            _ => format!("sqlite://{}", dir.path().join("gateway.db").display()),
        };
        Ok(TestDb { url, dir })
    }
}

#[cfg(feature = "postgres")]
async fn fresh_postgres(server: &str) -> TestResult<String> {
    use sqlx::Connection;
    let name = format!(
        "gw_test_{}",
        gateway::accounts::random_alphanumeric(12).to_lowercase()
    );
    let mut conn = sqlx::PgConnection::connect(server).await?;
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await?;
    conn.close().await?;
    let base = server.rsplit_once('/').map_or(server, |(base, _)| base);
    Ok(format!("{base}/{name}"))
}

#[cfg(not(feature = "postgres"))]
async fn fresh_postgres(_server: &str) -> TestResult<String> {
    anyhow::bail!("TEST_DATABASE_URL is set but the tests were built without --features postgres")
}

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
"#,
        secret = secret.display()
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

/// mock-upstream as a child process; killed on drop.
pub struct MockUpstream {
    child: Child,
    pub base: String,
}

impl MockUpstream {
    /// Starts mock-upstream accepting only `keys` (any key when empty).
    pub fn start(keys: &[&str], models: &[&str]) -> TestResult<MockUpstream> {
        let mut command = Command::new(env!("CARGO_BIN_EXE_mock-upstream"));
        command
            .arg("--port")
            .arg("0")
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        for key in keys {
            command.arg("--key").arg(key);
        }
        if !models.is_empty() {
            command.arg("--models").arg(models.join(","));
        }
        let mut child = command.spawn()?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| anyhow::anyhow!("no stdout"))?;
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line)?;
        let addr = line
            .trim()
            .strip_prefix("listening on ")
            .ok_or_else(|| anyhow::anyhow!("unexpected first line: {line}"))?;
        Ok(MockUpstream {
            child,
            base: format!("http://{addr}"),
        })
    }
}

impl Drop for MockUpstream {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Every text value stored in the given tables, read straight from the database, so
/// tests can prove what is (not) kept at rest.
pub async fn table_text(url: &str, tables: &[&str]) -> TestResult<String> {
    let mut all = String::new();
    for table in tables {
        let sql = format!("SELECT * FROM {table}");
        if url.starts_with("sqlite:") {
            use sqlx::{Column, Row};
            let pool = sqlx::SqlitePool::connect(url).await?;
            for row in sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                .fetch_all(&pool)
                .await?
            {
                for column in row.columns() {
                    if let Ok(Some(text)) = row.try_get::<Option<String>, _>(column.ordinal()) {
                        all.push_str(&text);
                        all.push('\n');
                    }
                }
            }
            pool.close().await;
        } else {
            all.push_str(&postgres_text(url, &sql).await?);
        }
    }
    Ok(all)
}

#[cfg(feature = "postgres")]
async fn postgres_text(url: &str, sql: &str) -> TestResult<String> {
    use sqlx::{Column, Row};
    let mut all = String::new();
    let pool = sqlx::PgPool::connect(url).await?;
    for row in sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_all(&pool)
        .await?
    {
        for column in row.columns() {
            if let Ok(Some(text)) = row.try_get::<Option<String>, _>(column.ordinal()) {
                all.push_str(&text);
                all.push('\n');
            }
        }
    }
    pool.close().await;
    Ok(all)
}

#[cfg(not(feature = "postgres"))]
async fn postgres_text(_url: &str, _sql: &str) -> TestResult<String> {
    anyhow::bail!("PostgreSQL tests need --features postgres")
}

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

/// The single number a `SELECT COUNT(*) ...` returns, read straight from the database.
pub async fn count_rows(url: &str, sql: &str) -> TestResult<i64> {
    let sql = sqlx::AssertSqlSafe(sql.to_string());
    if url.starts_with("sqlite:") {
        let pool = sqlx::SqlitePool::connect(url).await?;
        let (count,): (i64,) = sqlx::query_as(sql).fetch_one(&pool).await?;
        pool.close().await;
        return Ok(count);
    }
    count_postgres(url, sql).await
}

#[cfg(feature = "postgres")]
async fn count_postgres(url: &str, sql: sqlx::AssertSqlSafe<String>) -> TestResult<i64> {
    let pool = sqlx::PgPool::connect(url).await?;
    let (count,): (i64,) = sqlx::query_as(sql).fetch_one(&pool).await?;
    pool.close().await;
    Ok(count)
}

#[cfg(not(feature = "postgres"))]
async fn count_postgres(_url: &str, _sql: sqlx::AssertSqlSafe<String>) -> TestResult<i64> {
    anyhow::bail!("PostgreSQL tests need --features postgres")
}
