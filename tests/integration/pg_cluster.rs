//! A throwaway PostgreSQL cluster of the test's own (initdb + pg_ctl from
//! `/usr/lib/postgresql/*/bin`) on a free port, so a test can stop and start the
//! database without touching the shared server. Run as the `postgres` user (through
//! `runuser`) when the tests run as root, since PostgreSQL refuses to run as root.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::common::TestResult;

/// A cluster on 127.0.0.1; stopped and deleted on drop.
pub struct Cluster {
    bin: PathBuf,
    dir: tempfile::TempDir,
    port: u16,
    /// Run the tools as `postgres` (we are root).
    as_postgres: bool,
}

/// The newest installed PostgreSQL's `bin` folder.
fn postgres_bin() -> Option<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|entry| {
            let path = entry.ok()?.path();
            let version = path.file_name()?.to_str()?.parse().ok()?;
            let bin = path.join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

/// The uid and gid of the `postgres` user.
fn postgres_user() -> TestResult<(u32, u32)> {
    let passwd = std::fs::read_to_string("/etc/passwd")?;
    let line = passwd
        .lines()
        .find(|l| l.starts_with("postgres:"))
        .ok_or_else(|| anyhow::anyhow!("we run as root and there is no postgres user"))?;
    let mut ids = line.split(':').skip(2).map(str::parse::<u32>);
    match (ids.next(), ids.next()) {
        (Some(Ok(uid)), Some(Ok(gid))) => Ok((uid, gid)),
        _ => anyhow::bail!("unreadable /etc/passwd line: {line}"),
    }
}

impl Cluster {
    /// Creates and starts a cluster; `None` (with a loud message) when PostgreSQL is
    /// not installed.
    pub fn start() -> TestResult<Option<Cluster>> {
        let Some(bin) = postgres_bin() else {
            eprintln!(
                "\n*** SKIPPED: no PostgreSQL in /usr/lib/postgresql/*/bin (initdb, pg_ctl); \
                 install the postgresql package to run this test ***\n"
            );
            return Ok(None);
        };
        let dir = tempfile::tempdir()?;
        let as_postgres = std::fs::metadata("/proc/self")?.uid() == 0;
        if as_postgres {
            let (uid, gid) = postgres_user()?;
            std::os::unix::fs::chown(dir.path(), Some(uid), Some(gid))?;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let cluster = Cluster {
            bin,
            dir,
            port,
            as_postgres,
        };
        let data = cluster.data();
        cluster.run(
            "initdb",
            &[
                "-D",
                &data,
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
            ],
        )?;
        cluster.resume()?;
        Ok(Some(cluster))
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    fn run(&self, tool: &str, args: &[&str]) -> TestResult {
        let program = self.bin.join(tool);
        let mut command = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&program);
            c
        } else {
            Command::new(&program)
        };
        let output = command
            .args(args)
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .output()?;
        anyhow::ensure!(
            output.status.success(),
            "{tool} failed: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        Ok(())
    }

    /// Starts (again) and waits until it takes connections.
    pub fn resume(&self) -> TestResult {
        let dir = self.dir.path();
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            dir.display()
        );
        let log = dir.join("postgres.log");
        self.run(
            "pg_ctl",
            &[
                "-D",
                &self.data(),
                "-l",
                &path(&log),
                "-o",
                &options,
                "-w",
                "start",
            ],
        )
    }

    /// Stops it (clients are disconnected) and waits until it is down.
    pub fn halt(&self) -> TestResult {
        self.run("pg_ctl", &["-D", &self.data(), "-m", "fast", "-w", "stop"])
    }
}

fn path(p: &Path) -> String {
    p.display().to_string()
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self.run(
            "pg_ctl",
            &["-D", &self.data(), "-m", "immediate", "-w", "stop"],
        );
    }
}
