//! Bad settings stop the binary with a message naming the file and key, and exit code 2.

use std::process::Command;

use crate::common::TestResult;

fn run_with(config: &str) -> TestResult<(i32, String)> {
    run_with_env(config, &[])
}

/// Runs the binary with `config` and the environment variables `env`; returns its exit
/// code and stderr.
pub fn run_with_env(config: &str, env: &[(&str, &str)]) -> TestResult<(i32, String)> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("custom-config.toml");
    std::fs::write(&path, config)?;
    let output = Command::new(env!("CARGO_BIN_EXE_gateway"))
        .arg("--config")
        .arg(&path)
        .env_remove("GATEWAY_LISTEN")
        .env_remove("GATEWAY_DATABASE_URL")
        .envs(env.iter().copied())
        .output()?;
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    Ok((output.status.code().unwrap_or(-1), stderr))
}

#[test]
fn config_errors_exit_2_with_a_clear_message() -> TestResult {
    let cases = [
        (
            "[server]\nlisten = \"127.0.0.1:0\"\nlisten_port = 3\n",
            "listen_port",
        ),
        ("[server]\nlisten = 3000\n", "server.listen"),
        ("[server]\nlisten = \"not an address\"\n", "server.listen"),
        (
            "[security]\nkey_strategy = \"rot13\"\n",
            "security.key_strategy",
        ),
        (
            "[display]\ntimezone = \"Mars/Olympus\"\n",
            "display.timezone",
        ),
        (
            "[upstream]\nidle_timeout_ms = 0\n",
            "upstream.idle_timeout_ms",
        ),
        ("[database]\nurl = \"mysql://x\"\n", "database.url"),
        ("[unknown_section]\n", "unknown_section"),
        ("[server\n", "not valid TOML"),
    ];
    for (config, needle) in cases {
        let (code, stderr) = run_with(config)?;
        assert_eq!(code, 2, "{config}: {stderr}");
        assert!(
            stderr.contains("custom-config.toml"),
            "names the file: {stderr}"
        );
        assert!(
            stderr.contains(needle),
            "{config}: `{stderr}` should name `{needle}`"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    Ok(())
}

#[test]
fn malformed_alias_file_is_a_start_error() -> TestResult {
    let dir = tempfile::tempdir()?;
    std::fs::write(dir.path().join("redirect.toml"), "\"gpt-4-fast\" = 5\n")?;
    let path = dir.path().join("custom-config.toml");
    std::fs::write(&path, "[server]\nlisten = \"127.0.0.1:0\"\n")?;
    let output = Command::new(env!("CARGO_BIN_EXE_gateway"))
        .arg("--config")
        .arg(&path)
        .output()?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("redirect.toml") && stderr.contains("gpt-4-fast"),
        "{stderr}"
    );
    Ok(())
}

#[test]
fn postgres_url_without_the_feature_says_how_to_build() -> TestResult {
    if cfg!(feature = "postgres") {
        return Ok(());
    }
    let (code, stderr) = run_with(
        "[server]\nlisten = \"127.0.0.1:0\"\n[database]\nurl = \"postgres://postgres@127.0.0.1:1/x\"\n",
    )?;
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--features postgres"), "{stderr}");
    Ok(())
}

#[test]
fn openapi_command_prints_the_document() -> TestResult {
    let output = Command::new(env!("CARGO_BIN_EXE_gateway"))
        .arg("openapi")
        .output()?;
    assert!(output.status.success());
    let doc: serde_json::Value = serde_json::from_slice(&output.stdout)?;
    assert_eq!(
        doc["openapi"].as_str().map(|v| v.starts_with("3.")),
        Some(true)
    );
    assert!(doc["paths"]["/providers"]["post"].is_object());
    assert!(doc["components"]["securitySchemes"].is_object());
    Ok(())
}
