//! First start: create the first admin, with the configured password or a generated one
//! printed once.

use crate::accounts::{ROLE_ADMIN, hash_password, random_alphanumeric};
use crate::config::Config;
use crate::error::Result;
use crate::store::{ConfigStore, NewUser};

pub async fn ensure_first_admin(store: &dyn ConfigStore, config: &Config) -> Result<()> {
    if store.count_users().await? > 0 {
        return Ok(());
    }
    let generated = config.admin_password.is_empty();
    let password = if generated {
        random_alphanumeric(20)
    } else {
        config.admin_password.clone()
    };
    let password_hash = hash_password(password.clone()).await?;
    store
        .create_user(&NewUser {
            username: config.admin_username.clone(),
            display_name: "Administrator".to_string(),
            password_hash,
            role: ROLE_ADMIN.to_string(),
            enabled: true,
            models: "[\"*\"]".to_string(),
        })
        .await?;
    if generated {
        tracing::warn!(
            username = %config.admin_username,
            %password,
            "created the first admin with a generated password; it is shown only this once"
        );
    } else {
        tracing::info!(username = %config.admin_username, "created the first admin");
    }
    Ok(())
}
