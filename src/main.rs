//! The `gateway` command: `serve` (default) runs the gateway, `openapi` prints the
//! OpenAPI document.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use gateway::clock::Clock;
use gateway::config::{Config, DEFAULT_CONFIG_PATH};
use gateway::error::GatewayError;

#[derive(Parser)]
#[command(name = "gateway", version, about = "AI API gateway")]
struct Cli {
    /// Settings file.
    #[arg(long, global = true, default_value = DEFAULT_CONFIG_PATH)]
    config: PathBuf,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Start the server (the default).
    Serve,
    /// Print the OpenAPI document as JSON.
    Openapi,
}

fn main() -> ExitCode {
    return_large_buffers_to_the_os();
    let cli = Cli::parse();
    if let Some(Command::Openapi) = cli.command {
        // A closed pipe (`gateway openapi | head`) is not an error worth a panic.
        let mut out = std::io::stdout().lock();
        return match writeln!(out, "{}", gateway::api::openapi_json()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
            Err(err) => {
                eprintln!("gateway: cannot write the document: {err}");
                ExitCode::FAILURE
            }
        };
    }
    let config = match Config::load(&cli.config) {
        Ok(config) => config,
        Err(err) => {
            eprintln!("gateway: configuration error: {err}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("gateway: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(serve(config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(GatewayError::Config(message)) => {
            eprintln!("gateway: configuration error: {message}");
            ExitCode::from(2)
        }
        Err(err) => {
            eprintln!("gateway: {err}");
            ExitCode::FAILURE
        }
    }
}

/// Allocations of 1 MiB and more (argon2's 19 MiB working memory at each login) go
/// straight to the OS and back, instead of staying in glibc's heap after use.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn return_large_buffers_to_the_os() {
    // SAFETY: `mallopt` only sets a glibc allocator tunable; it is called once, before
    // any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn return_large_buffers_to_the_os() {}

async fn serve(config: Config) -> Result<(), GatewayError> {
    let telemetry = gateway::telemetry::init(Clock::new(config.timezone), &config.telemetry)?;
    let server = gateway::app::start(config, shutdown_signal()).await?;
    tracing::info!(
        "gateway listening on http://{addr}; Swagger UI at http://{addr}/docs",
        addr = server.addr
    );
    let served = server.wait().await;
    telemetry.shutdown().await;
    served?;
    tracing::info!("gateway stopped; request logs flushed");
    Ok(())
}

/// Resolves on SIGINT or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    tracing::info!("shutdown signal received; finishing in-flight requests");
}
