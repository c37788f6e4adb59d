//! Login throttling over real HTTP: per client address (a burst of distinct usernames
//! from one address is refused before any password is hashed, and the refused names
//! are not kept) and per username (across addresses). Clients pick their loopback
//! source address (127.0.0.x) so the gateway sees different addresses.

use std::net::{IpAddr, Ipv4Addr};

use serde_json::{Value, json};

use crate::common::{ADMIN_PASSWORD, TestApp, TestResult};

/// A client whose connections come from 127.0.0.`last`.
fn client_from(last: u8) -> TestResult<reqwest::Client> {
    let address = IpAddr::V4(Ipv4Addr::new(127, 0, 0, last));
    Ok(reqwest::Client::builder().local_address(address).build()?)
}

async fn login(
    app: &TestApp,
    client: &reqwest::Client,
    username: &str,
    password: &str,
) -> TestResult<(u16, Value)> {
    let response = client
        .post(app.url("/auth/login"))
        .header("content-type", "application/json")
        .body(json!({"username": username, "password": password}).to_string())
        .send()
        .await?;
    let status = response.status().as_u16();
    Ok((status, serde_json::from_str(&response.text().await?)?))
}

#[tokio::test]
async fn distinct_usernames_from_one_address_are_refused_early() -> TestResult {
    let app = TestApp::start_with(&[("security", "login_attempts_per_minute = 5")]).await?;
    let flood = client_from(10)?;
    let attempts = (0..60).map(|n| {
        let (app, flood) = (&app, &flood);
        async move { login(app, flood, &format!("nobody-{n}"), "guess").await }
    });
    let answers = futures_util::future::join_all(attempts).await;
    let mut statuses = Vec::new();
    for answer in answers {
        let (status, body) = answer?;
        if status == 429 {
            assert_eq!(body["error"]["type"], "rate_limit_error", "{body}");
            let message = body["error"]["message"].as_str().unwrap_or_default();
            assert!(message.contains("from this address"), "{message}");
        }
        statuses.push(status);
    }
    let checked = statuses.iter().filter(|s| **s == 401).count();
    let refused = statuses.iter().filter(|s| **s == 429).count();
    // The burst of 5 was checked (one more may have refilled on a slow machine);
    // everything else was refused before its password was hashed.
    assert!((5..=6).contains(&checked), "{statuses:?}");
    assert_eq!(checked + refused, 60, "{statuses:?}");
    // Only the checked usernames are held in memory, not the refused ones.
    assert_eq!(app.server.state.limiter.tracked_usernames(), checked);

    // Another address is not affected: the admin logs in from it.
    let (status, body) = login(&app, &client_from(11)?, "admin", ADMIN_PASSWORD).await?;
    assert_eq!(status, 200, "{body}");
    Ok(())
}

#[tokio::test]
async fn one_username_is_limited_across_addresses() -> TestResult {
    let app = TestApp::start().await?;
    for last in 20..25 {
        let (status, body) = login(&app, &client_from(last)?, "admin", "wrong").await?;
        assert_eq!(status, 401, "{body}");
    }
    // The sixth try in the minute is refused, even from a fresh address with the
    // right password; other usernames still get their answer.
    let (status, body) = login(&app, &client_from(30)?, "admin", ADMIN_PASSWORD).await?;
    assert_eq!(status, 429, "{body}");
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("for this user"), "{message}");
    let (status, _) = login(&app, &client_from(30)?, "eve", "x").await?;
    assert_eq!(status, 401);
    Ok(())
}
