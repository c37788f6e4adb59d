//! kill -9 under load loses no answered request: the gateway binary is killed while
//! requests flow, and after a restart every request that got its answer is in the log
//! exactly once, and the user's balance is charged for exactly those rows.

use crate::common::{MockUpstream, TestApp, TestDb, TestResult, UPSTREAM_KEY};
use crate::process::{GatewayProcess, child_config};
use crate::traffic::{Traffic, logged_exactly_once, priced_payer, stored_balance};

#[tokio::test]
async fn kill_9_under_load_loses_no_answered_request() -> TestResult {
    let mock = MockUpstream::start(&[UPSTREAM_KEY], &[])?;
    let app = TestApp::start_on(TestDb::new().await?, &[]).await?;
    let (user_id, sk) = priced_payer(&app, &mock).await?;
    let TestApp { server, db, .. } = app;
    server.shutdown().await?;
    let before = stored_balance(&db.url, user_id).await?;

    // A long flush interval: many answered rows are only in the queue at the kill.
    let dir = db.dir.path();
    let extra = format!(
        "[log_writer]\nflush_interval_ms = 1000\ndir = \"{}\"\n",
        dir.display()
    );
    let config = child_config(dir, &db.url, &extra)?;
    let mut gateway = GatewayProcess::start(&config).await?;
    let traffic = Traffic::start(&gateway.base, &sk, 16);
    traffic.until_answered(300).await;
    gateway.kill()?;
    let answered = traffic.finish().await?;
    assert!(
        answered.len() >= 300,
        "only {} answers before the kill",
        answered.len()
    );

    // The restart writes what the journal holds before it serves.
    drop(GatewayProcess::start(&config).await?);
    logged_exactly_once(&db.url, &answered, user_id, before).await
}
