//! The `/logs` list as SQL: only the filters that are set become conditions (no
//! `$1 IS NULL OR ...`), so each filter can use its index on SQLite and PostgreSQL.

use sqlx::{Database, Encode, QueryBuilder, Type};

use super::LogFilter;

impl LogFilter {
    /// `SELECT * FROM request_logs` with this filter, newest first; `prefix` goes in
    /// front (`EXPLAIN ` to see the plan).
    pub fn list_query<DB>(&self, prefix: &str) -> QueryBuilder<DB>
    where
        DB: Database,
        DB::Arguments: Default,
        i64: for<'q> Encode<'q, DB> + Type<DB>,
        String: for<'q> Encode<'q, DB> + Type<DB>,
    {
        let mut q = QueryBuilder::new(format!("{prefix}SELECT * FROM request_logs WHERE TRUE"));
        let equal = |q: &mut QueryBuilder<DB>, column: &str, value: Option<&String>| {
            if let Some(value) = value {
                q.push(format!(" AND {column} = ")).push_bind(value.clone());
            }
        };
        equal(&mut q, "provider", self.provider.as_ref());
        equal(&mut q, "request_type", self.request_type.as_ref());
        if let Some(model) = &self.model {
            q.push(" AND (requested_model = ")
                .push_bind(model.clone())
                .push(" OR upstream_model = ")
                .push_bind(model.clone())
                .push(")");
        }
        for (column, value) in [
            ("user_id = ", self.user_id),
            ("token_id = ", self.token_id),
            ("id < ", self.before_id),
            ("ts >= ", self.from_ms),
            ("ts < ", self.to_ms),
        ] {
            if let Some(value) = value {
                q.push(format!(" AND {column}")).push_bind(value);
            }
        }
        // Literal bounds (from a closed set), so the partial index of failed requests
        // (`WHERE status >= 400`) is seen to apply.
        if self.errors_only || self.status_class.is_some_and(|class| class >= 4) {
            q.push(" AND status >= 400");
        }
        if let Some(class) = self.status_class {
            let (low, high) = (class * 100, class * 100 + 100);
            q.push(format!(" AND status >= {low} AND status < {high}"));
        }
        q.push(" ORDER BY id DESC LIMIT ").push_bind(self.limit);
        q
    }
}
