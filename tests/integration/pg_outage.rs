//! A PostgreSQL outage loses nothing: the test runs its own cluster and stops it while
//! paying requests flow. The data plane keeps answering, admin calls answer 503 fast,
//! and once the database is back every answered request is logged and charged exactly
//! once, also when the gateway was stopped (and restarted) during the outage.

use std::time::{Duration, Instant};

use crate::common::{MockUpstream, TestApp, TestDb, TestResult, UPSTREAM_KEY, count_rows};
use crate::pg_cluster::Cluster;
use crate::traffic::{Traffic, logged_exactly_once, priced_payer, stored_balance};

const SETTINGS: &[(&str, &str)] = &[("database", "acquire_timeout_ms = 1000")];

/// Waits until `count` answered chat requests are in the log (at most a minute).
async fn until_logged(url: &str, count: usize) -> TestResult {
    let sql = "SELECT COUNT(*) FROM request_logs WHERE request_type = 'chat' AND status = 200";
    let started = Instant::now();
    while count_rows(url, sql).await? < count as i64 {
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(60),
            "rows missing after a minute"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(())
}

#[tokio::test]
async fn a_postgres_outage_loses_no_row_and_admin_calls_answer_503() -> TestResult {
    let Some(cluster) = Cluster::start()? else {
        return Ok(());
    };
    let mock = MockUpstream::start(&[UPSTREAM_KEY], &[])?;
    let db = TestDb {
        url: cluster.url(),
        dir: tempfile::tempdir()?,
    };
    let app = TestApp::start_on(db, SETTINGS).await?;
    let (user_id, sk) = priced_payer(&app, &mock).await?;
    let admin = app.admin().await?;
    let url = app.db.url.clone();
    let before = stored_balance(&url, user_id).await?;

    // The database goes away and comes back while requests flow.
    let traffic = Traffic::start(&app.base, &sk, 4);
    traffic.until_answered(20).await;
    cluster.halt()?;
    let at_halt = traffic.answered();
    let asked = Instant::now();
    let (status, body) = app.send("GET", "/providers", Some(&admin), None).await?;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"]["type"], "service_unavailable");
    assert!(
        asked.elapsed() < Duration::from_secs(5),
        "answered after {:?}",
        asked.elapsed()
    );
    traffic.until_answered(at_halt + 50).await;
    assert!(
        traffic.answered() >= at_halt + 50,
        "the data plane answers during the outage"
    );
    cluster.resume()?;
    let answered = traffic.finish().await?;
    until_logged(&url, answered.len()).await?;
    logged_exactly_once(&url, &answered, user_id, before).await?;

    // Again, and this time the gateway stops before the database is back.
    let logged = answered.len();
    let traffic = Traffic::start(&app.base, &sk, 4);
    traffic.until_answered(20).await;
    cluster.halt()?;
    let at_halt = traffic.answered();
    traffic.until_answered(at_halt + 50).await;
    let answered = traffic.finish().await?;
    let TestApp { server, db, .. } = app;
    server.shutdown().await?;
    cluster.resume()?;
    let app = TestApp::start_on(db, SETTINGS).await?;
    until_logged(&app.db.url, logged + answered.len()).await?;
    logged_exactly_once(&app.db.url, &answered, user_id, before).await
}
