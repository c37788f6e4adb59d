//! Login abuse protection: after `MAX_FAILURES` failed logins for one username within
//! `WINDOW`, that username is locked for `WINDOW` (429), whoever tries.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const MAX_FAILURES: usize = 5;
const WINDOW: Duration = Duration::from_secs(60);
/// Above this many tracked usernames, stale entries are swept.
const SWEEP_AT: usize = 10_000;

#[derive(Default)]
struct Attempts {
    failures: Vec<Instant>,
    locked_until: Option<Instant>,
}

/// Failed-login bookkeeping, in memory.
#[derive(Default)]
pub struct LoginLimiter {
    by_user: Mutex<HashMap<String, Attempts>>,
}

impl LoginLimiter {
    /// Seconds until the username may try again, if it is locked now.
    pub fn locked_for(&self, username: &str) -> Option<u64> {
        let now = Instant::now();
        let map = self
            .by_user
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let until = map.get(username)?.locked_until?;
        (until > now).then(|| (until - now).as_secs().max(1))
    }

    /// Records a failure; locks the username when the limit is reached.
    pub fn record_failure(&self, username: &str) {
        let now = Instant::now();
        let mut map = self
            .by_user
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if map.len() >= SWEEP_AT {
            map.retain(|_, a| {
                a.failures.last().is_some_and(|t| now - *t < WINDOW)
                    || a.locked_until.is_some_and(|t| t > now)
            });
        }
        let attempts = map.entry(username.to_string()).or_default();
        attempts.failures.retain(|t| now - *t < WINDOW);
        attempts.failures.push(now);
        if attempts.failures.len() >= MAX_FAILURES {
            attempts.locked_until = Some(now + WINDOW);
            attempts.failures.clear();
        }
    }

    /// Forgets the failures of a username after a successful login.
    pub fn record_success(&self, username: &str) {
        let mut map = self
            .by_user
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        map.remove(username);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_after_five_failures() {
        let limiter = LoginLimiter::default();
        for _ in 0..4 {
            limiter.record_failure("bob");
            assert_eq!(limiter.locked_for("bob"), None);
        }
        limiter.record_failure("bob");
        assert!(limiter.locked_for("bob").is_some_and(|s| s <= 60));
        assert_eq!(limiter.locked_for("alice"), None);
        limiter.record_success("bob");
        assert_eq!(limiter.locked_for("bob"), None);
    }
}
