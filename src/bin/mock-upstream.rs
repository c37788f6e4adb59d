//! mock-upstream: a fake OpenAI- and Anthropic-compatible LLM upstream for the
//! integration tests, the benchmark baseline and the README demo.
//!
//! It binds 127.0.0.1 only, prints `listening on 127.0.0.1:PORT` once bound and
//! answers deterministically; a `mock` object in the JSON request body picks a
//! scenario (delays, errors, cut streams, tool calls...), see `scenario.rs`; so does an
//! `x-mock` header holding the same JSON (for requests the gateway translates), and a
//! `--rule` chosen by the upstream key or the URL path (`rules.rs`). `GET /_mock/stats`
//! counts the requests that arrived, per key. Every response reports what arrived: the
//! key (`x-mock-key`), the `traceparent` (`x-mock-traceparent`) and the names of all
//! request headers (`x-mock-headers`).

#[path = "mock_upstream/anthropic.rs"]
mod anthropic;
#[path = "mock_upstream/chat.rs"]
mod chat;
#[path = "mock_upstream/credentials.rs"]
mod credentials;
#[path = "mock_upstream/listener.rs"]
mod listener;
#[path = "mock_upstream/models.rs"]
mod models;
#[path = "mock_upstream/openai.rs"]
mod openai;
#[path = "mock_upstream/reply.rs"]
mod reply;
#[path = "mock_upstream/request.rs"]
mod request;
#[path = "mock_upstream/responses.rs"]
mod responses;
#[path = "mock_upstream/rules.rs"]
mod rules;
#[path = "mock_upstream/scenario.rs"]
mod scenario;
#[path = "mock_upstream/script.rs"]
mod script;
#[path = "mock_upstream/server.rs"]
mod server;
#[path = "mock_upstream/stats.rs"]
mod stats;
#[path = "mock_upstream/thinking.rs"]
mod thinking;

use std::io::Write;
use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use tokio::signal::unix::{SignalKind, signal};

/// How long in-flight responses may run on after SIGINT/SIGTERM.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

/// Fake OpenAI/Anthropic upstream for tests, benchmarks and demos.
#[derive(Parser)]
#[command(name = "mock-upstream", version)]
struct Cli {
    /// Port to listen on (127.0.0.1 only); 0 picks a free port.
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Model ids served by GET /v1/models, comma separated.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "gpt-4o,gpt-4o-mini,text-embedding-3-small"
    )]
    models: Vec<String>,
    /// File with the model ids (JSON array or one id per line); overrides --models.
    #[arg(long)]
    models_file: Option<PathBuf>,
    /// Accepted API key (repeatable); without any, every non-empty key is accepted.
    #[arg(long = "key")]
    keys: Vec<String>,
    /// Scenario by key or path prefix (repeatable), JSON such as
    /// `{"key":"sk-bad","times":2,"scenario":{"status":401}}`; see rules.rs.
    #[arg(long = "rule")]
    rules: Vec<String>,
}

#[tokio::main]
async fn main() -> ExitCode {
    match run(Cli::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("mock-upstream: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), String> {
    let model_ids = match &cli.models_file {
        Some(path) => models::load(path)?,
        None => cli.models,
    };
    let rules = rules::Rules::parse(&cli.rules)?;
    let acceptor = listener::NoDelayAcceptor::bind((Ipv4Addr::LOCALHOST, cli.port).into())
        .await
        .map_err(|err| format!("cannot listen on 127.0.0.1:{}: {err}", cli.port))?;
    let app = server::MockUpstream::new(&model_ids, cli.keys, acceptor.connections(), rules)
        .map_err(|err| format!("cannot render the model list: {err}"))?;
    announce(&acceptor)?;
    let shutdown = shutdown_signal()?;
    poem::Server::new_with_acceptor(acceptor)
        .run_with_graceful_shutdown(app, shutdown, Some(SHUTDOWN_GRACE))
        .await
        .map_err(|err| format!("server failed: {err}"))
}

/// Prints the one line tests wait for, and flushes it at once.
fn announce(acceptor: &listener::NoDelayAcceptor) -> Result<(), String> {
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "listening on {}", acceptor.addr())
        .and_then(|()| stdout.flush())
        .map_err(|err| format!("cannot write to stdout: {err}"))
}

/// Resolves on the first SIGINT or SIGTERM. Handlers are installed before returning.
fn shutdown_signal() -> Result<impl Future<Output = ()>, String> {
    let install =
        |kind| signal(kind).map_err(|err| format!("cannot install signal handler: {err}"));
    let mut interrupt = install(SignalKind::interrupt())?;
    let mut terminate = install(SignalKind::terminate())?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
    })
}
