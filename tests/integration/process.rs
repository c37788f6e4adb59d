//! The real gateway binary as a child process (for tests that kill it), with the
//! settings of a [`TestApp`](crate::common::TestApp) that prepared its database.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::common::{ADMIN_PASSWORD, TestResult};

/// A gateway process; killed (SIGKILL) on drop.
pub struct GatewayProcess {
    child: Child,
    pub base: String,
}

/// Settings for a child gateway on `db_url`, with the test's secret file, a free port
/// and `extra` settings text appended (whole sections).
pub fn child_config(dir: &Path, db_url: &str, extra: &str) -> TestResult<PathBuf> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let text = format!(
        "[server]\nlisten = \"127.0.0.1:{port}\"\n[database]\nurl = \"{db_url}\"\n\
         [security]\nsecret_file = \"{secret}\"\n[admin]\npassword = \"{ADMIN_PASSWORD}\"\n{extra}",
        secret = dir.join("secret.key").display()
    );
    let path = dir.join("child-config.toml");
    std::fs::write(&path, text)?;
    Ok(path)
}

impl GatewayProcess {
    /// Starts the binary with `config` and waits until it answers `/health`.
    pub async fn start(config: &Path) -> TestResult<GatewayProcess> {
        let text = std::fs::read_to_string(config)?;
        let listen = text
            .lines()
            .find_map(|l| l.strip_prefix("listen = \""))
            .and_then(|rest| rest.strip_suffix('"'))
            .ok_or_else(|| anyhow::anyhow!("no listen address in {}", config.display()))?;
        let child = Command::new(env!("CARGO_BIN_EXE_gateway"))
            .arg("--config")
            .arg(config)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        let mut process = GatewayProcess {
            child,
            base: format!("http://{listen}"),
        };
        let http = reqwest::Client::new();
        for _ in 0..400 {
            if http
                .get(format!("{}/health", process.base))
                .send()
                .await
                .is_ok()
            {
                return Ok(process);
            }
            if let Some(status) = process.child.try_wait()? {
                anyhow::bail!("gateway exited at start: {status}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        anyhow::bail!("gateway did not start")
    }

    /// SIGKILL: no shutdown, no flush.
    pub fn kill(&mut self) -> TestResult {
        self.child.kill()?;
        self.child.wait()?;
        Ok(())
    }
}

impl Drop for GatewayProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
