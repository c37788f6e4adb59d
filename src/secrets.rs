//! Provider keys at rest and on display: authenticated encryption (XChaCha20-Poly1305)
//! for the `masked` and `none` strategies, and masking per key strategy.

use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;

use crate::config::KeyStrategy;
use crate::error::{GatewayError, Result};

/// Prefix of an encrypted value in the database; anything else is a plain key.
const ENCRYPTED_PREFIX: &str = "enc:v1:";
const NONCE_LEN: usize = 24;

/// Encrypts and decrypts provider keys according to the key strategy.
#[derive(Clone)]
pub struct KeyVault {
    cipher: XChaCha20Poly1305,
    strategy: KeyStrategy,
}

impl KeyVault {
    /// Loads the 32-byte secret (hex) from `path`, creating it with mode 0600 if missing.
    pub fn open(path: &Path, strategy: KeyStrategy) -> Result<KeyVault> {
        let secret = match std::fs::read_to_string(path) {
            Ok(text) => hex::decode(text.trim()).map_err(|_| {
                GatewayError::Config(format!(
                    "{}: the key secret must be 64 hex characters",
                    path.display()
                ))
            })?,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => create_secret(path)?,
            Err(err) => {
                return Err(GatewayError::Config(format!(
                    "{}: cannot read the key secret: {err}",
                    path.display()
                )));
            }
        };
        let cipher = XChaCha20Poly1305::new_from_slice(&secret).map_err(|_| {
            GatewayError::Config(format!(
                "{}: the key secret must be 32 bytes (64 hex characters)",
                path.display()
            ))
        })?;
        Ok(KeyVault { cipher, strategy })
    }

    pub fn strategy(&self) -> KeyStrategy {
        self.strategy
    }

    /// The value to store for a new key.
    pub fn seal(&self, key: &str) -> Result<String> {
        if self.strategy == KeyStrategy::Plain {
            return Ok(key.to_string());
        }
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let ciphertext = self
            .cipher
            .encrypt(&nonce, key.as_bytes())
            .map_err(|_| GatewayError::Internal("key encryption failed".into()))?;
        let mut packed = nonce.to_vec();
        packed.extend_from_slice(&ciphertext);
        Ok(format!("{ENCRYPTED_PREFIX}{}", B64.encode(packed)))
    }

    /// The plain key from a stored value (stored values may predate a strategy change).
    pub fn open_value(&self, stored: &str) -> Result<String> {
        let Some(encoded) = stored.strip_prefix(ENCRYPTED_PREFIX) else {
            return Ok(stored.to_string());
        };
        let corrupt = || {
            GatewayError::Internal(
                "a stored provider key cannot be decrypted; was the secret file replaced?".into(),
            )
        };
        let packed = B64.decode(encoded).map_err(|_| corrupt())?;
        if packed.len() <= NONCE_LEN {
            return Err(corrupt());
        }
        let (nonce, ciphertext) = packed.split_at(NONCE_LEN);
        let plain = self
            .cipher
            .decrypt(XNonce::from_slice(nonce), ciphertext)
            .map_err(|_| corrupt())?;
        String::from_utf8(plain).map_err(|_| corrupt())
    }

    /// How a key is shown in the API, the audit log and request logs.
    pub fn display(&self, key: &str) -> Option<String> {
        display_key(self.strategy, key)
    }
}

/// `none`: never shown; `masked`: the first and last few characters around `...`;
/// `plain`: whole.
pub fn display_key(strategy: KeyStrategy, key: &str) -> Option<String> {
    match strategy {
        KeyStrategy::None => None,
        KeyStrategy::Plain => Some(key.to_string()),
        KeyStrategy::Masked => Some(mask(key)),
    }
}

/// What a masked key shows: 4 characters at each end of a key of 16 or more, a quarter
/// of it at each end of a shorter one (never more than half the key in all), and
/// nothing of a key under 8 characters.
fn mask(key: &str) -> String {
    let chars: Vec<char> = key.chars().collect();
    let shown = (chars.len() / 4).min(4);
    if shown < 2 {
        return "****".to_string();
    }
    let head: String = chars[..shown].iter().collect();
    let tail: String = chars[chars.len() - shown..].iter().collect();
    format!("{head}...{tail}")
}

fn create_secret(path: &Path) -> Result<Vec<u8>> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let mut secret = vec![0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut secret);
    write_private(path, hex::encode(&secret).as_bytes())?;
    tracing::info!(path = %path.display(), "generated the provider key secret");
    Ok(secret)
}

#[cfg(unix)]
fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(bytes)?;
    Ok(())
}

#[cfg(not(unix))]
fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masking_per_strategy() {
        let key = "sk-abcdefghijklmnop";
        assert_eq!(display_key(KeyStrategy::None, key), None);
        assert_eq!(
            display_key(KeyStrategy::Masked, key).as_deref(),
            Some("sk-a...mnop")
        );
        assert_eq!(display_key(KeyStrategy::Plain, key).as_deref(), Some(key));
    }

    /// Visible characters of a masked key (everything but the `...`).
    fn visible(key: &str) -> usize {
        let masked = mask(key);
        if masked == "****" {
            return 0;
        }
        masked.chars().count() - 3
    }

    #[test]
    fn masking_never_shows_more_than_half() {
        let alphabet: Vec<char> = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
            .chars()
            .collect();
        for len in 0..=alphabet.len() {
            let key: String = alphabet[..len].iter().collect();
            let shown = visible(&key);
            assert!(shown * 2 <= len, "{len}: {}", mask(&key));
            assert!(shown <= 8, "{len}: {}", mask(&key));
        }
        assert_eq!(mask(""), "****");
        assert_eq!(mask("sk-1234"), "****");
        assert_eq!(mask("sk-12345"), "sk...45");
        assert_eq!(mask("sk-abcdefghij"), "sk-...hij");
        assert_eq!(mask("sk-abcdefghijklm"), "sk-a...jklm");
        // Multi-byte characters count as one each and are never split.
        assert_eq!(mask("密钥密钥密钥密钥"), "密钥...密钥");
    }

    #[test]
    fn seal_and_open_round_trip() -> Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("secret.key");
        let vault = KeyVault::open(&path, KeyStrategy::Masked)?;
        let sealed = vault.seal("sk-secret-value-1234")?;
        assert!(sealed.starts_with(ENCRYPTED_PREFIX));
        assert!(!sealed.contains("secret-value"));
        assert_eq!(vault.open_value(&sealed)?, "sk-secret-value-1234");
        // Reopening reads the same secret file.
        let again = KeyVault::open(&path, KeyStrategy::Plain)?;
        assert_eq!(again.open_value(&sealed)?, "sk-secret-value-1234");
        assert_eq!(again.seal("sk-x")?, "sk-x");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path)?.permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        Ok(())
    }
}
