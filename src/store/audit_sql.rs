//! `AuditStore` on SQL: the audit log and the readiness ping.

use async_trait::async_trait;

use super::pool::on_pool;
use super::{AuditEntry, AuditFilter, AuditRow, AuditStore, SqlStore};
use crate::clock::Clock;
use crate::error::Result;

#[async_trait]
impl AuditStore for SqlStore {
    async fn append_audit(&self, entry: &AuditEntry) -> Result<()> {
        let ts = Clock::now_ms();
        let sql = "INSERT INTO audit_log (ts, time, actor, action, target, summary) \
                   VALUES ($1, $2, $3, $4, $5, $6)";
        on_pool!(&self.pool, p => sqlx::query(sql)
            .bind(ts)
            .bind(self.clock.format_ms(ts))
            .bind(entry.actor.as_str())
            .bind(entry.action.as_str())
            .bind(entry.target.as_str())
            .bind(entry.summary.as_str())
            .execute(p)
            .await
            .map(|done| done.rows_affected()))?;
        Ok(())
    }

    async fn list_audit(&self, f: &AuditFilter) -> Result<Vec<AuditRow>> {
        let sql = "SELECT id, time, actor, action, target, summary FROM audit_log \
                   WHERE ($1 IS NULL OR action = $1) AND ($2 IS NULL OR target = $2) \
                   AND ($3 IS NULL OR ts >= $3) AND ($4 IS NULL OR ts < $4) \
                   AND ($5 IS NULL OR id < $5) ORDER BY id DESC LIMIT $6";
        Ok(on_pool!(&self.pool, p => sqlx::query_as(sql)
            .bind(f.action.as_deref())
            .bind(f.target.as_deref())
            .bind(f.from_ms)
            .bind(f.to_ms)
            .bind(f.before_id)
            .bind(f.limit)
            .fetch_all(p)
            .await)?)
    }

    async fn ping(&self) -> Result<()> {
        on_pool!(&self.pool, p => sqlx::query("SELECT 1").execute(p).await.map(|_| ()))?;
        Ok(())
    }

    async fn close(&self) {
        SqlStore::close(self).await;
    }
}
