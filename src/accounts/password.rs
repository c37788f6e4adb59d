//! Password hashing (argon2id) off the async threads and under a process-wide
//! semaphore with one permit per CPU: each hash takes about 19 MiB and a core for tens
//! of milliseconds, so a burst of logins waits here instead of taking every core and
//! gigabytes of memory at once.

use std::sync::LazyLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rand::rngs::OsRng;
use tokio::sync::Semaphore;

use super::random_alphanumeric;
use crate::error::{GatewayError, Result};

/// Hashes running at once: see [`hashing_slots`].
static HASHING: LazyLock<Semaphore> = LazyLock::new(|| Semaphore::new(hashing_slots()));

/// An argon2 hash nobody's password matches, for unknown usernames (so both answers
/// take as long).
static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| hash_now(&random_alphanumeric(32)).unwrap_or_default());

/// How many password hashes may run at once: the machine's CPUs.
fn hashing_slots() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// Runs `work` on a blocking thread once a hashing permit is free.
async fn gated<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T> {
    let _permit = HASHING
        .acquire()
        .await
        .map_err(|_| GatewayError::Internal("password hashing is shut down".into()))?;
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|err| GatewayError::Internal(format!("password hashing failed: {err}")))
}

/// Hashes a password with argon2id and a random salt (PHC string).
pub async fn hash_password(password: String) -> Result<String> {
    gated(move || hash_now(&password)).await?
}

/// Checks a password against a stored PHC hash (`None`: an unknown user, checked
/// against a dummy hash); a malformed hash never verifies.
pub async fn verify_password(password: String, hash: Option<String>) -> Result<bool> {
    gated(move || verify_now(&password, hash.as_deref().unwrap_or(&DUMMY_HASH))).await
}

fn hash_now(password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|err| GatewayError::Internal(format!("password hashing failed: {err}")))
}

fn verify_now(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[tokio::test]
    async fn password_round_trip() -> Result<()> {
        let hash = hash_password("correct horse".into()).await?;
        assert!(hash.starts_with("$argon2"));
        assert!(verify_password("correct horse".into(), Some(hash.clone())).await?);
        assert!(!verify_password("wrong".into(), Some(hash)).await?);
        assert!(!verify_password("correct horse".into(), Some("not-a-hash".into())).await?);
        assert!(!verify_password("".into(), None).await?);
        Ok(())
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn no_more_hashes_at_once_than_cpus() -> Result<()> {
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..hashing_slots() * 4 + 4)
            .map(|_| {
                let (running, most) = (running.clone(), most.clone());
                tokio::spawn(gated(move || {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    std::thread::sleep(std::time::Duration::from_millis(20));
                    running.fetch_sub(1, Ordering::SeqCst);
                }))
            })
            .collect();
        for task in tasks {
            task.await
                .map_err(|err| GatewayError::Internal(err.to_string()))??;
        }
        let most = most.load(Ordering::SeqCst);
        assert!((1..=hashing_slots()).contains(&most), "{most} at once");
        Ok(())
    }
}
