//! Accounts: password hashing (argon2, gated), random secrets, the authenticated principal
//! that endpoints check permissions against, model grants, login lockout, gateway
//! token keys and their batched last-use times.

mod grants;
mod last_used;
mod lockout;
mod password;

pub use grants::{ModelGrants, parse_models};
pub use last_used::LastUsed;
pub use lockout::{LoginLimiter, Refused, client_key};
pub use password::{hash_password, verify_password};

use rand::Rng;
use rand::distributions::Alphanumeric;
use rand::rngs::OsRng;
use sha2::{Digest, Sha256};

use crate::error::{GatewayError, Result};

pub const ROLE_ADMIN: &str = "admin";
pub const ROLE_USER: &str = "user";

/// Who is calling the control plane.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user_id: i64,
    pub username: String,
    pub role: String,
    /// SHA-256 of the session token, so logout can revoke it.
    pub session_hash: String,
}

impl Principal {
    pub fn is_admin(&self) -> bool {
        self.role == ROLE_ADMIN
    }

    /// Fails with 403 unless the caller is an admin.
    pub fn require_admin(&self) -> Result<()> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(GatewayError::Forbidden(
                "this action needs the admin role".into(),
            ))
        }
    }
}

/// `len` random alphanumeric characters from the operating system's CSPRNG.
pub fn random_alphanumeric(len: usize) -> String {
    OsRng
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

/// A request id: 24 alphanumeric characters from a fast thread-local generator (ids
/// only need to be unique, not secret).
pub fn request_id() -> String {
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(24)
        .map(char::from)
        .collect()
}

/// A new gateway token key: `sk-` and 48 random alphanumeric characters.
pub fn new_token_key() -> String {
    format!("sk-{}", random_alphanumeric(48))
}

/// How a token key is shown after creation: its first 8 characters and the last 4.
pub fn token_prefix(key: &str) -> String {
    let head: String = key.chars().take(8).collect();
    let tail: String = key
        .chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    format!("{head}...{tail}")
}

/// Hex SHA-256 of a secret; what is stored instead of session tokens and `sk-` keys.
pub fn sha256_hex(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_secrets_differ() {
        let a = random_alphanumeric(48);
        assert_eq!(a.len(), 48);
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(a, random_alphanumeric(48));
        assert_eq!(sha256_hex("abc").len(), 64);
        let key = new_token_key();
        assert_eq!(key.len(), 51);
        assert!(key.starts_with("sk-"));
        assert_eq!(
            token_prefix("sk-abcdefghijklmnopqrstuvwxyz"),
            "sk-abcde...wxyz"
        );
    }
}
