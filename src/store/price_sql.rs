//! `PriceStore` on SQL: prices and balance adjustments.

use async_trait::async_trait;

use super::pool::on_pool;
use super::{PriceFields, PriceRow, PriceStore, SqlStore, conflict_on_unique};
use crate::error::Result;

#[async_trait]
impl PriceStore for SqlStore {
    async fn create_price(&self, f: &PriceFields) -> Result<PriceRow> {
        let now = self.clock.now_text();
        on_pool!(&self.pool, p => sqlx::query_as::<_, PriceRow>(
            "INSERT INTO prices (model, input_price, output_price, cached_input_price, \
             cache_write_price, free, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING *",
        )
        .bind(f.model.as_str())
        .bind(f.input_price)
        .bind(f.output_price)
        .bind(f.cached_input_price)
        .bind(f.cache_write_price)
        .bind(f.free)
        .bind(now.as_str())
        .fetch_one(p)
        .await)
        .map_err(|err| conflict_on_unique(err, &format!("a price for `{}`", f.model)))
    }

    async fn list_prices(&self) -> Result<Vec<PriceRow>> {
        let sql = "SELECT * FROM prices ORDER BY model";
        Ok(on_pool!(&self.pool, p => sqlx::query_as(sql).fetch_all(p).await)?)
    }

    async fn get_price(&self, id: i64) -> Result<Option<PriceRow>> {
        let sql = "SELECT * FROM prices WHERE id = $1";
        Ok(on_pool!(&self.pool, p => sqlx::query_as(sql).bind(id).fetch_optional(p).await)?)
    }

    async fn update_price(&self, id: i64, f: &PriceFields) -> Result<Option<PriceRow>> {
        let now = self.clock.now_text();
        on_pool!(&self.pool, p => sqlx::query_as::<_, PriceRow>(
            "UPDATE prices SET model = $1, input_price = $2, output_price = $3, \
             cached_input_price = $4, cache_write_price = $5, free = $6, updated_at = $7 \
             WHERE id = $8 RETURNING *",
        )
        .bind(f.model.as_str())
        .bind(f.input_price)
        .bind(f.output_price)
        .bind(f.cached_input_price)
        .bind(f.cache_write_price)
        .bind(f.free)
        .bind(now.as_str())
        .bind(id)
        .fetch_optional(p)
        .await)
        .map_err(|err| conflict_on_unique(err, &format!("a price for `{}`", f.model)))
    }

    async fn delete_price(&self, id: i64) -> Result<Option<PriceRow>> {
        let sql = "DELETE FROM prices WHERE id = $1 RETURNING *";
        Ok(on_pool!(&self.pool, p => sqlx::query_as(sql).bind(id).fetch_optional(p).await)?)
    }

    async fn adjust_balance(&self, user_id: i64, delta: i64) -> Result<Option<i64>> {
        let now = self.clock.now_text();
        let sql = "UPDATE users SET balance = balance + $1, updated_at = $2 WHERE id = $3 \
                   RETURNING balance";
        let row: Option<(i64,)> = on_pool!(&self.pool, p => sqlx::query_as(sql)
            .bind(delta)
            .bind(now.as_str())
            .bind(user_id)
            .fetch_optional(p)
            .await)?;
        Ok(row.map(|(balance,)| balance))
    }
}
