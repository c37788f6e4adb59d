//! `AccountStore` on SQL: users, login sessions and gateway tokens.

use async_trait::async_trait;

use super::pool::on_pool;
use super::{
    AccountStore, NewUser, SqlStore, TokenFields, TokenRow, UserFields, UserRow, conflict_on_unique,
};
use crate::error::Result;

#[async_trait]
impl AccountStore for SqlStore {
    async fn create_user(&self, user: &NewUser) -> Result<UserRow> {
        let now = self.clock.now_text();
        on_pool!(&self.pool, p => sqlx::query_as::<_, UserRow>(
            "INSERT INTO users (username, display_name, password_hash, role, enabled, models, \
             balance, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $7) \
             RETURNING *",
        )
        .bind(user.username.as_str())
        .bind(user.display_name.as_str())
        .bind(user.password_hash.as_str())
        .bind(user.role.as_str())
        .bind(user.enabled)
        .bind(user.models.as_str())
        .bind(now.as_str())
        .fetch_one(p)
        .await)
        .map_err(|err| conflict_on_unique(err, &format!("user `{}`", user.username)))
    }

    async fn get_user(&self, id: i64) -> Result<Option<UserRow>> {
        let sql = "SELECT * FROM users WHERE id = $1";
        Ok(on_pool!(&self.pool, p => sqlx::query_as(sql).bind(id).fetch_optional(p).await)?)
    }

    async fn get_user_by_name(&self, username: &str) -> Result<Option<UserRow>> {
        let sql = "SELECT * FROM users WHERE username = $1";
        Ok(on_pool!(&self.pool, p => sqlx::query_as(sql).bind(username).fetch_optional(p).await)?)
    }

    async fn count_users(&self) -> Result<i64> {
        let sql = "SELECT COUNT(*) FROM users";
        let (count,): (i64,) = on_pool!(&self.pool, p => sqlx::query_as(sql).fetch_one(p).await)?;
        Ok(count)
    }

    async fn create_session(&self, token_hash: &str, user_id: i64, expires_ms: i64) -> Result<()> {
        let now = self.clock.now_text();
        let sql = "INSERT INTO sessions (token_hash, user_id, expires_ts, created_at) \
                   VALUES ($1, $2, $3, $4)";
        on_pool!(&self.pool, p => sqlx::query(sql)
            .bind(token_hash)
            .bind(user_id)
            .bind(expires_ms)
            .bind(now.as_str())
            .execute(p)
            .await
            .map(|done| done.rows_affected()))?;
        Ok(())
    }

    async fn session_user(&self, token_hash: &str, now_ms: i64) -> Result<Option<UserRow>> {
        let sql = "SELECT u.* FROM sessions s JOIN users u ON u.id = s.user_id \
                   WHERE s.token_hash = $1 AND s.expires_ts > $2";
        Ok(on_pool!(&self.pool, p => sqlx::query_as(sql)
            .bind(token_hash)
            .bind(now_ms)
            .fetch_optional(p)
            .await)?)
    }

    async fn delete_session(&self, token_hash: &str) -> Result<bool> {
        let sql = "DELETE FROM sessions WHERE token_hash = $1";
        let removed = on_pool!(&self.pool, p => sqlx::query(sql)
            .bind(token_hash)
            .execute(p)
            .await
            .map(|done| done.rows_affected()))?;
        Ok(removed > 0)
    }

    async fn list_users(&self) -> Result<Vec<UserRow>> {
        let sql = "SELECT * FROM users ORDER BY id";
        Ok(on_pool!(&self.pool, p => sqlx::query_as(sql).fetch_all(p).await)?)
    }

    async fn update_user(&self, id: i64, f: &UserFields) -> Result<UserRow> {
        let now = self.clock.now_text();
        on_pool!(&self.pool, p => sqlx::query_as::<_, UserRow>(
            "UPDATE users SET username = $1, display_name = $2, role = $3, enabled = $4, \
             models = $5, password_hash = COALESCE($6, password_hash), updated_at = $7 \
             WHERE id = $8 RETURNING *",
        )
        .bind(f.username.as_str())
        .bind(f.display_name.as_str())
        .bind(f.role.as_str())
        .bind(f.enabled)
        .bind(f.models.as_str())
        .bind(f.password_hash.as_deref())
        .bind(now.as_str())
        .bind(id)
        .fetch_one(p)
        .await)
        .map_err(|err| conflict_on_unique(err, &format!("user `{}`", f.username)))
    }

    async fn set_password(&self, id: i64, password_hash: &str) -> Result<()> {
        let now = self.clock.now_text();
        let sql = "UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3";
        on_pool!(&self.pool, p => sqlx::query(sql)
            .bind(password_hash)
            .bind(now.as_str())
            .bind(id)
            .execute(p)
            .await
            .map(|done| done.rows_affected()))?;
        Ok(())
    }

    async fn delete_user(&self, id: i64) -> Result<Vec<TokenRow>> {
        on_pool!(&self.pool, p => {
            let mut tx = p.begin().await?;
            let tokens: Vec<TokenRow> =
                sqlx::query_as("DELETE FROM tokens WHERE user_id = $1 RETURNING *")
                    .bind(id)
                    .fetch_all(&mut *tx)
                    .await?;
            for sql in ["DELETE FROM sessions WHERE user_id = $1", "DELETE FROM users WHERE id = $1"] {
                sqlx::query(sql).bind(id).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(tokens)
        })
    }

    async fn count_enabled_admins(&self) -> Result<i64> {
        let sql = "SELECT COUNT(*) FROM users WHERE role = 'admin' AND enabled = $1";
        let (count,): (i64,) =
            on_pool!(&self.pool, p => sqlx::query_as(sql).bind(true).fetch_one(p).await)?;
        Ok(count)
    }

    async fn delete_user_sessions(&self, user_id: i64, keep: Option<&str>) -> Result<()> {
        let sql = "DELETE FROM sessions WHERE user_id = $1 AND ($2 IS NULL OR token_hash <> $2)";
        on_pool!(&self.pool, p => sqlx::query(sql)
            .bind(user_id)
            .bind(keep)
            .execute(p)
            .await
            .map(|done| done.rows_affected()))?;
        Ok(())
    }

    async fn create_token(
        &self,
        user_id: i64,
        key_hash: &str,
        key_prefix: &str,
        f: &TokenFields,
    ) -> Result<TokenRow> {
        let now = self.clock.now_text();
        let expires_at = f.expires_ts.map(|ms| self.clock.format_ms(ms));
        Ok(on_pool!(&self.pool, p => sqlx::query_as(
            "INSERT INTO tokens (user_id, name, key_hash, key_prefix, models, quota_limit, \
             quota_used, expires_ts, expires_at, enabled, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $8, $9, $10, $10) RETURNING *",
        )
        .bind(user_id)
        .bind(f.name.as_str())
        .bind(key_hash)
        .bind(key_prefix)
        .bind(f.models.as_str())
        .bind(f.quota_limit)
        .bind(f.expires_ts)
        .bind(expires_at.as_deref())
        .bind(f.enabled)
        .bind(now.as_str())
        .fetch_one(p)
        .await)?)
    }

    async fn list_tokens(&self, user_id: Option<i64>) -> Result<Vec<TokenRow>> {
        let sql = "SELECT * FROM tokens WHERE ($1 IS NULL OR user_id = $1) ORDER BY id";
        Ok(on_pool!(&self.pool, p => sqlx::query_as(sql).bind(user_id).fetch_all(p).await)?)
    }

    async fn get_token(&self, id: i64) -> Result<Option<TokenRow>> {
        let sql = "SELECT * FROM tokens WHERE id = $1";
        Ok(on_pool!(&self.pool, p => sqlx::query_as(sql).bind(id).fetch_optional(p).await)?)
    }

    async fn update_token(&self, id: i64, f: &TokenFields) -> Result<TokenRow> {
        let now = self.clock.now_text();
        let expires_at = f.expires_ts.map(|ms| self.clock.format_ms(ms));
        Ok(on_pool!(&self.pool, p => sqlx::query_as(
            "UPDATE tokens SET name = $1, models = $2, quota_limit = $3, expires_ts = $4, \
             expires_at = $5, enabled = $6, updated_at = $7 WHERE id = $8 RETURNING *",
        )
        .bind(f.name.as_str())
        .bind(f.models.as_str())
        .bind(f.quota_limit)
        .bind(f.expires_ts)
        .bind(expires_at.as_deref())
        .bind(f.enabled)
        .bind(now.as_str())
        .bind(id)
        .fetch_one(p)
        .await)?)
    }

    async fn set_token_key(&self, id: i64, key_hash: &str, key_prefix: &str) -> Result<TokenRow> {
        let now = self.clock.now_text();
        let sql = "UPDATE tokens SET key_hash = $1, key_prefix = $2, updated_at = $3 \
                   WHERE id = $4 RETURNING *";
        Ok(on_pool!(&self.pool, p => sqlx::query_as(sql)
            .bind(key_hash)
            .bind(key_prefix)
            .bind(now.as_str())
            .bind(id)
            .fetch_one(p)
            .await)?)
    }

    async fn delete_token(&self, id: i64) -> Result<Option<TokenRow>> {
        let sql = "DELETE FROM tokens WHERE id = $1 RETURNING *";
        Ok(on_pool!(&self.pool, p => sqlx::query_as(sql).bind(id).fetch_optional(p).await)?)
    }

    async fn touch_tokens(&self, used: &[(i64, i64)]) -> Result<()> {
        on_pool!(&self.pool, p => {
            let mut tx = p.begin().await?;
            for (id, ms) in used {
                sqlx::query(
                    "UPDATE tokens SET last_used_ts = $1, last_used_at = $2 \
                     WHERE id = $3 AND (last_used_ts IS NULL OR last_used_ts < $1)",
                )
                .bind(*ms)
                .bind(self.clock.format_ms(*ms))
                .bind(*id)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }
}
