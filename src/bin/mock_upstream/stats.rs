//! What reached the mock: requests counted per upstream key, served as
//! `GET /_mock/stats` so a test can prove a request never got here.

use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError};

use poem::Response;
use poem::http::StatusCode;
use serde::Serialize;

use crate::reply;

#[derive(Default, Serialize)]
struct Counts {
    /// Every request except the stats themselves.
    requests: u64,
    /// Requests per key (the Bearer or x-api-key value, empty when none was sent).
    by_key: BTreeMap<String, u64>,
}

#[derive(Default)]
pub struct Stats(Mutex<Counts>);

impl Stats {
    pub fn count(&self, key: &[u8]) {
        let mut counts = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        counts.requests += 1;
        let key = String::from_utf8_lossy(key);
        match counts.by_key.get_mut(key.as_ref()) {
            Some(n) => *n += 1,
            None => {
                counts.by_key.insert(key.into_owned(), 1);
            }
        }
    }

    pub fn response(&self) -> Response {
        let counts = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        reply::json(StatusCode::OK, &*counts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn counts_per_key() {
        let stats = Stats::default();
        stats.count(b"sk-a");
        stats.count(b"sk-a");
        stats.count(b"");
        let body = stats.response().into_body().into_string().await;
        let value: serde_json::Value =
            serde_json::from_str(&body.unwrap_or_default()).unwrap_or_default();
        assert_eq!(
            value,
            serde_json::json!({"requests": 3, "by_key": {"sk-a": 2, "": 1}})
        );
    }
}
