//! `ProviderStore` on SQL: providers, keys and the model cache, each statement written
//! once and run on SQLite or PostgreSQL.

use std::collections::HashSet;

use async_trait::async_trait;

use super::pool::on_pool;
use super::{
    CacheChange, KeyHealthChange, KeyRow, ModelRow, ProviderFields, ProviderRow, ProviderStore,
    SqlStore, conflict_on_unique,
};
use crate::error::Result;

#[async_trait]
impl ProviderStore for SqlStore {
    async fn create_provider(&self, f: &ProviderFields) -> Result<ProviderRow> {
        let now = self.clock.now_text();
        on_pool!(&self.pool, p => sqlx::query_as::<_, ProviderRow>(
            "INSERT INTO providers (name, api_type, base_url, models_path, key_strategy, \
             enabled, priority, weight, created_at, updated_at, first_byte_timeout_ms, \
             idle_timeout_ms, total_timeout_ms, responses) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10, $11, $12, $13) RETURNING *",
        )
        .bind(f.name.as_str())
        .bind(f.api_type.as_str())
        .bind(f.base_url.as_str())
        .bind(f.models_path.as_str())
        .bind(f.key_strategy.as_str())
        .bind(f.enabled)
        .bind(f.priority)
        .bind(f.weight)
        .bind(now.as_str())
        .bind(f.first_byte_timeout_ms)
        .bind(f.idle_timeout_ms)
        .bind(f.total_timeout_ms)
        .bind(f.responses.as_str())
        .fetch_one(p)
        .await)
        .map_err(|err| conflict_on_unique(err, &format!("provider `{}`", f.name)))
    }

    async fn list_providers(&self) -> Result<Vec<ProviderRow>> {
        let sql = "SELECT * FROM providers ORDER BY priority DESC, name";
        Ok(on_pool!(&self.pool, p => sqlx::query_as(sql).fetch_all(p).await)?)
    }

    async fn get_provider(&self, name: &str) -> Result<Option<ProviderRow>> {
        let sql = "SELECT * FROM providers WHERE name = $1";
        Ok(on_pool!(&self.pool, p => sqlx::query_as(sql).bind(name).fetch_optional(p).await)?)
    }

    async fn update_provider(&self, id: i64, f: &ProviderFields) -> Result<ProviderRow> {
        let now = self.clock.now_text();
        on_pool!(&self.pool, p => sqlx::query_as::<_, ProviderRow>(
            "UPDATE providers SET name = $1, api_type = $2, base_url = $3, models_path = $4, \
             key_strategy = $5, enabled = $6, priority = $7, weight = $8, updated_at = $9, \
             first_byte_timeout_ms = $11, idle_timeout_ms = $12, total_timeout_ms = $13, \
             responses = $14 WHERE id = $10 RETURNING *",
        )
        .bind(f.name.as_str())
        .bind(f.api_type.as_str())
        .bind(f.base_url.as_str())
        .bind(f.models_path.as_str())
        .bind(f.key_strategy.as_str())
        .bind(f.enabled)
        .bind(f.priority)
        .bind(f.weight)
        .bind(now.as_str())
        .bind(id)
        .bind(f.first_byte_timeout_ms)
        .bind(f.idle_timeout_ms)
        .bind(f.total_timeout_ms)
        .bind(f.responses.as_str())
        .fetch_one(p)
        .await)
        .map_err(|err| conflict_on_unique(err, &format!("provider `{}`", f.name)))
    }

    async fn delete_provider(&self, id: i64) -> Result<(Vec<KeyRow>, Vec<String>)> {
        on_pool!(&self.pool, p => {
            let mut tx = p.begin().await?;
            let keys: Vec<KeyRow> = sqlx::query_as(
                "DELETE FROM provider_keys WHERE provider_id = $1 RETURNING *",
            )
            .bind(id)
            .fetch_all(&mut *tx)
            .await?;
            let models: Vec<(String,)> =
                sqlx::query_as("DELETE FROM models WHERE provider_id = $1 RETURNING model_id")
                    .bind(id)
                    .fetch_all(&mut *tx)
                    .await?;
            sqlx::query("DELETE FROM providers WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok((keys, models.into_iter().map(|(m,)| m).collect()))
        })
    }

    async fn add_keys(&self, provider_id: i64, stored_values: &[String]) -> Result<Vec<KeyRow>> {
        let now = self.clock.now_text();
        let sql = "INSERT INTO provider_keys (provider_id, key_value, created_at) \
                   VALUES ($1, $2, $3) RETURNING *";
        on_pool!(&self.pool, p => {
            let mut tx = p.begin().await?;
            let mut rows = Vec::with_capacity(stored_values.len());
            for value in stored_values {
                let row: KeyRow = sqlx::query_as(sql)
                    .bind(provider_id)
                    .bind(value.as_str())
                    .bind(now.as_str())
                    .fetch_one(&mut *tx)
                    .await?;
                rows.push(row);
            }
            tx.commit().await?;
            Ok(rows)
        })
    }

    async fn list_keys(&self, provider_id: Option<i64>) -> Result<Vec<KeyRow>> {
        let sql = "SELECT * FROM provider_keys WHERE ($1 IS NULL OR provider_id = $1) ORDER BY id";
        Ok(on_pool!(&self.pool, p => sqlx::query_as(sql).bind(provider_id).fetch_all(p).await)?)
    }

    async fn delete_key(&self, provider_id: i64, key_id: i64) -> Result<Option<KeyRow>> {
        let sql = "DELETE FROM provider_keys WHERE provider_id = $1 AND id = $2 RETURNING *";
        Ok(on_pool!(&self.pool, p => sqlx::query_as(sql)
            .bind(provider_id)
            .bind(key_id)
            .fetch_optional(p)
            .await)?)
    }

    async fn set_key_enabled(
        &self,
        provider_id: i64,
        key_id: i64,
        change: &KeyHealthChange,
    ) -> Result<Option<KeyRow>> {
        let now = (!change.enabled).then(|| self.clock.now_text());
        let by = (!change.enabled).then_some(change.by.as_str());
        let reason = change.reason.as_deref().filter(|_| !change.enabled);
        let sql = "UPDATE provider_keys SET enabled = $1, disabled_reason = $2, \
                   disabled_at = $3, disabled_by = $4 \
                   WHERE provider_id = $5 AND id = $6 AND enabled <> $1 RETURNING *";
        Ok(on_pool!(&self.pool, p => sqlx::query_as(sql)
            .bind(change.enabled)
            .bind(reason)
            .bind(now.as_deref())
            .bind(by)
            .bind(provider_id)
            .bind(key_id)
            .fetch_optional(p)
            .await)?)
    }

    async fn list_models(&self, provider_id: Option<i64>) -> Result<Vec<ModelRow>> {
        let sql = "SELECT * FROM models WHERE ($1 IS NULL OR provider_id = $1) \
                   ORDER BY provider_id, model_id";
        Ok(on_pool!(&self.pool, p => sqlx::query_as(sql).bind(provider_id).fetch_all(p).await)?)
    }

    async fn upsert_models(&self, provider_id: i64, ids: &[String]) -> Result<CacheChange> {
        self.change_models(provider_id, ids, &[]).await
    }

    async fn remove_models(&self, provider_id: i64, ids: &[String]) -> Result<CacheChange> {
        self.change_models(provider_id, &[], ids).await
    }

    async fn replace_models(&self, provider_id: i64, ids: &[String]) -> Result<CacheChange> {
        let wanted: HashSet<&String> = ids.iter().collect();
        let stale: Vec<String> = self
            .list_models(Some(provider_id))
            .await?
            .into_iter()
            .map(|m| m.model_id)
            .filter(|m| !wanted.contains(m))
            .collect();
        self.change_models(provider_id, ids, &stale).await
    }
}

impl SqlStore {
    /// Removes `remove` and adds or refreshes `add` in one transaction.
    async fn change_models(
        &self,
        provider_id: i64,
        add: &[String],
        remove: &[String],
    ) -> Result<CacheChange> {
        let now = self.clock.now_text();
        on_pool!(&self.pool, p => {
            let mut tx = p.begin().await?;
            let mut change = CacheChange::default();
            for id in remove {
                let removed = sqlx::query("DELETE FROM models WHERE provider_id = $1 AND model_id = $2")
                    .bind(provider_id)
                    .bind(id.as_str())
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if removed > 0 {
                    change.removed.push(id.clone());
                }
            }
            for id in add {
                let updated = sqlx::query(
                    "UPDATE models SET updated_at = $1 WHERE provider_id = $2 AND model_id = $3",
                )
                .bind(now.as_str())
                .bind(provider_id)
                .bind(id.as_str())
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if updated > 0 {
                    change.updated.push(id.clone());
                    continue;
                }
                sqlx::query(
                    "INSERT INTO models (provider_id, model_id, created_at, updated_at) \
                     VALUES ($1, $2, $3, $3)",
                )
                .bind(provider_id)
                .bind(id.as_str())
                .bind(now.as_str())
                .execute(&mut *tx)
                .await?;
                change.added.push(id.clone());
            }
            tx.commit().await?;
            Ok(change)
        })
    }
}
