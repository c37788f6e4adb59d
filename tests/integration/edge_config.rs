//! The edge settings (connection limits, login throttling, forwarded headers) refuse
//! bad values from the file and from their environment variables, naming both.

use crate::common::TestResult;
use crate::config_errors::run_with_env;

/// Settings text, environment variables, and what the error must say.
type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a [&'a str]);

#[test]
fn bad_edge_settings_stop_the_binary() -> TestResult {
    let cases: &[Case] = &[
        (
            "[server]\nheader_read_timeout_ms = 0\n",
            &[],
            &["server.header_read_timeout_ms", "greater than 0"],
        ),
        (
            "[server]\nmax_connections = 0\n",
            &[],
            &["server.max_connections", "greater than 0"],
        ),
        (
            "[server]\nmax_header_bytes = 100\n",
            &[],
            &["server.max_header_bytes", "between 1024 and"],
        ),
        (
            "",
            &[("GATEWAY_KEEP_ALIVE_TIMEOUT_MS", "0")],
            &[
                "server.keep_alive_timeout_ms",
                "set by the environment variable GATEWAY_KEEP_ALIVE_TIMEOUT_MS",
            ],
        ),
        (
            "[security]\nlogin_attempts_per_minute = 0\n",
            &[],
            &["security.login_attempts_per_minute", "between 1 and"],
        ),
        (
            "[security]\nlogin_attempts_per_minute = 5\n",
            &[("GATEWAY_LOGIN_ATTEMPTS_PER_MINUTE", "0")],
            &[
                "security.login_attempts_per_minute",
                "set by the environment variable GATEWAY_LOGIN_ATTEMPTS_PER_MINUTE",
            ],
        ),
        (
            "",
            &[("GATEWAY_LOGIN_ATTEMPTS_PER_MINUTE", "many")],
            &[
                "GATEWAY_LOGIN_ATTEMPTS_PER_MINUTE",
                "`many` is not a whole number",
            ],
        ),
        (
            "[upstream]\nforward_headers = [\"Authorization\"]\n",
            &[],
            &[
                "upstream.forward_headers",
                "`authorization` carries credentials",
            ],
        ),
        (
            "[upstream]\nforward_headers = [\"bad header\"]\n",
            &[],
            &["upstream.forward_headers", "not a valid header name"],
        ),
    ];
    for (config, env, needles) in cases {
        let (code, stderr) = run_with_env(config, env)?;
        assert_eq!(code, 2, "{config} {env:?}: {stderr}");
        for needle in *needles {
            assert!(
                stderr.contains(needle),
                "{config} {env:?}: `{stderr}` lacks `{needle}`"
            );
        }
    }
    Ok(())
}
