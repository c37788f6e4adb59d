//! Bulk key import: pasted text and lists, trimmed, with blanks skipped, duplicates
//! (in the pool or in the request) and invalid keys reported; the single-key body still
//! works and refuses a key the pool has.

use serde_json::{Value, json};

use crate::common::{TestApp, TestResult};

async fn add(app: &TestApp, admin: &str, body: Value) -> TestResult<(u16, Value)> {
    app.send("POST", "/providers/p/keys", Some(admin), Some(body))
        .await
}

async fn pool(app: &TestApp, admin: &str) -> TestResult<Vec<String>> {
    let (_, keys) = app
        .send("GET", "/providers/p/keys?reveal=true", Some(admin), None)
        .await?;
    Ok(keys
        .as_array()
        .into_iter()
        .flatten()
        .map(|k| k["key"].as_str().unwrap_or_default().to_string())
        .collect())
}

#[tokio::test]
async fn pasted_keys_are_split_trimmed_and_deduplicated() -> TestResult {
    let app = TestApp::start().await?;
    let admin = app.admin().await?;
    app.add_provider(&admin, "p", "http://127.0.0.1:9", "sk-existing-0001")
        .await?;

    let pasted = " sk-new-000000001,sk-new-000000002\n\n  sk-existing-0001 \r\n\
                  sk-new-000000001 , ,sk-bad-\u{4e2d}\u{6587}\tsk-new-000000003\n";
    let (status, summary) = add(&app, &admin, json!({"keys": pasted})).await?;
    assert_eq!(status, 200, "{summary}");
    let added: Vec<&str> = summary["added"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|k| k["key"].as_str())
        .collect();
    assert_eq!(added, ["sk-n...0001", "sk-n...0002", "sk-n...0003"]);
    assert_eq!(summary["added"][0]["status"], "enabled");
    assert_eq!(summary["duplicate"], json!(["sk-e...0001", "sk-n...0001"]));
    assert_eq!(summary["invalid"].as_array().map(Vec::len), Some(1));
    assert!(
        summary["invalid"][0]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("visible ASCII"))
    );
    assert_eq!(
        pool(&app, &admin).await?,
        [
            "sk-existing-0001",
            "sk-new-000000001",
            "sk-new-000000002",
            "sk-new-000000003"
        ]
    );

    // A list works the same way; nothing new means nothing written or audited.
    let list = json!({"keys": ["sk-new-000000002", " ", "sk-list-00000004"]});
    let (status, summary) = add(&app, &admin, list).await?;
    assert_eq!(status, 200, "{summary}");
    assert_eq!(summary["added"].as_array().map(Vec::len), Some(1));
    assert_eq!(summary["duplicate"], json!(["sk-n...0002"]));
    let again = json!({"keys": ["sk-list-00000004"]});
    let (status, summary) = add(&app, &admin, again).await?;
    assert_eq!(
        (status, summary["added"].as_array().map(Vec::len)),
        (200, Some(0))
    );

    let (_, audit) = app
        .send("GET", "/audit?action=key_import", Some(&admin), None)
        .await?;
    let items = audit["items"].as_array().cloned().unwrap_or_default();
    assert_eq!(items.len(), 2, "{audit}");
    let first = items[1]["summary"].as_str().unwrap_or_default();
    assert!(
        first.contains("1 duplicate") || first.contains("2 duplicate"),
        "{first}"
    );
    assert!(
        !audit.to_string().contains("sk-new-000000001"),
        "no whole key in the audit"
    );
    Ok(())
}

#[tokio::test]
async fn the_single_key_body_still_works_and_refuses_duplicates() -> TestResult {
    let app = TestApp::start().await?;
    let admin = app.admin().await?;
    app.add_provider(&admin, "p", "http://127.0.0.1:9", "sk-existing-0001")
        .await?;
    let (status, key) = add(&app, &admin, json!({"key": "  sk-single-00002 "})).await?;
    // 15 characters: 3 shown at each end (masking never shows more than half).
    assert_eq!((status, &key["key"]), (201, &json!("sk-...002")));
    let (status, body) = add(&app, &admin, json!({"key": "sk-single-00002"})).await?;
    assert_eq!(status, 409, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("already"))
    );

    for bad in [
        json!({}),
        json!({"key": "a", "keys": ["b"]}),
        json!({"keys": " ,\n "}),
        json!({"keys": []}),
        json!({"keys": 12}),
        json!({"keys": [1, 2]}),
        json!({"key": "   "}),
        json!({"key": "sk-x", "extra": 1}),
    ] {
        let (status, body) = add(&app, &admin, bad.clone()).await?;
        assert_eq!(status, 400, "{bad} -> {body}");
    }
    let too_many: Vec<String> = (0..1001).map(|i| format!("sk-many-{i:05}")).collect();
    let (status, body) = add(&app, &admin, json!({"keys": too_many})).await?;
    assert_eq!(status, 400, "{body}");
    assert_eq!(pool(&app, &admin).await?.len(), 2);
    Ok(())
}
