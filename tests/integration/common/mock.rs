//! mock-upstream as a child process.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use super::TestResult;

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
