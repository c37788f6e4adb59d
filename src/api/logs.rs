//! `GET /logs`: request log rows, newest first, with cursor pagination.

use poem::web::Data;
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};

use super::ApiTags;
use super::audit::{next_cursor, page_size};
use super::security::SessionAuth;
use crate::app::AppState;
use crate::error::Result;
use crate::store::{LogFilter, RequestLog};

/// One page of request log rows.
#[derive(Debug, Clone, Object)]
pub struct LogPage {
    pub items: Vec<RequestLog>,
    /// Pass as `before_id` to get the next (older) page; absent on the last page.
    pub next_cursor: Option<i64>,
}

pub struct LogApi;

#[OpenApi(tag = "ApiTags::Logs")]
impl LogApi {
    /// Request logs, newest first. Admins see every row, users only their own.
    #[oai(path = "/logs", method = "get", operation_id = "logs_list")]
    async fn list(
        &self,
        auth: SessionAuth,
        state: Data<&AppState>,
        /// Cursor from the previous page.
        before_id: Query<Option<i64>>,
        /// Page size, 1 to 500, default 50.
        limit: Query<Option<i64>>,
    ) -> Result<Json<LogPage>> {
        let limit = page_size(limit.0);
        let filter = LogFilter {
            user_id: (!auth.0.is_admin()).then_some(auth.0.user_id),
            before_id: before_id.0,
            limit,
        };
        let items = state.logs.list_logs(&filter).await?;
        let next_cursor = next_cursor(items.iter().map(|r| r.id), items.len(), limit);
        Ok(Json(LogPage { items, next_cursor }))
    }
}
