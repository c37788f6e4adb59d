//! `GET /logs` (filters, cursor, newest first) and `GET /logs/{request_id}`. Admins see
//! every row; users only their own.

use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};

use super::ApiTags;
use super::audit::{next_cursor, page_size};
use super::security::SessionAuth;
use crate::app::AppState;
use crate::error::{GatewayError, Result};
use crate::store::{LogFilter, RequestLog};

/// One page of request log rows.
#[derive(Debug, Clone, Object)]
pub struct LogPage {
    pub items: Vec<RequestLog>,
    /// Pass as `before_id` to get the next (older) page; absent on the last page.
    #[oai(nullable)]
    pub next_cursor: Option<i64>,
}

/// `2xx`, `4xx` or `5xx` to the leading digit.
fn status_class(text: Option<&str>) -> Result<Option<i64>> {
    text.map(|class| match class.trim().to_ascii_lowercase().as_str() {
        "2xx" | "2" => Ok(2),
        "3xx" | "3" => Ok(3),
        "4xx" | "4" => Ok(4),
        "5xx" | "5" => Ok(5),
        other => Err(GatewayError::bad_param(
            "status",
            format!("status must be 2xx, 4xx or 5xx, not `{other}`"),
        )),
    })
    .transpose()
}

/// Users never see which provider key served them (not even masked).
fn for_caller(mut row: RequestLog, admin: bool) -> RequestLog {
    if !admin {
        row.provider_key = None;
    }
    row
}

pub struct LogApi;

#[OpenApi(tag = "ApiTags::Logs")]
impl LogApi {
    /// Request logs, newest first, with filters. Admins see every row (and may filter
    /// by user); users only their own.
    #[allow(clippy::too_many_arguments)]
    #[oai(path = "/logs", method = "get", operation_id = "logs_list")]
    async fn list(
        &self,
        auth: SessionAuth,
        state: Data<&AppState>,
        /// From this time (inclusive), display timezone: `2025-09-26 15:10:50`.
        from: Query<Option<String>>,
        /// Before this time (exclusive), display timezone.
        to: Query<Option<String>>,
        /// Only this user's rows (admins).
        user_id: Query<Option<i64>>,
        /// Only this token's rows.
        token_id: Query<Option<i64>>,
        /// Only this provider.
        provider: Query<Option<String>>,
        /// Only this model (requested or upstream name).
        model: Query<Option<String>>,
        /// Only this request_type, e.g. `chat_stream`.
        request_type: Query<Option<String>>,
        /// Only this status class: `2xx`, `4xx` or `5xx`.
        status: Query<Option<String>>,
        /// Only failed requests (status 400 and above).
        errors_only: Query<Option<bool>>,
        /// Cursor from the previous page.
        before_id: Query<Option<i64>>,
        /// Page size, 1 to 500, default 50.
        limit: Query<Option<i64>>,
    ) -> Result<Json<LogPage>> {
        let limit = page_size(limit.0);
        let filter = LogFilter {
            user_id: if auth.0.is_admin() {
                user_id.0
            } else {
                Some(auth.0.user_id)
            },
            token_id: token_id.0,
            provider: provider.0,
            model: model.0,
            request_type: request_type.0,
            status_class: status_class(status.0.as_deref())?,
            errors_only: errors_only.0.unwrap_or(false),
            from_ms: state.time_param("from", from.0.as_deref())?,
            to_ms: state.time_param("to", to.0.as_deref())?,
            before_id: before_id.0,
            limit,
        };
        let admin = auth.0.is_admin();
        let items: Vec<RequestLog> = state
            .logs
            .list_logs(&filter)
            .await?
            .into_iter()
            .map(|row| for_caller(row, admin))
            .collect();
        let next_cursor = next_cursor(items.iter().map(|r| r.id), items.len(), limit);
        Ok(Json(LogPage { items, next_cursor }))
    }

    /// One request's log row by its `x-request-id` (yours only, unless admin).
    #[oai(path = "/logs/:request_id", method = "get", operation_id = "log_get")]
    async fn get(
        &self,
        auth: SessionAuth,
        state: Data<&AppState>,
        request_id: Path<String>,
    ) -> Result<Json<RequestLog>> {
        state
            .logs
            .get_log(&request_id.0)
            .await?
            .filter(|row| auth.0.is_admin() || row.user_id == Some(auth.0.user_id))
            .map(|row| Json(for_caller(row, auth.0.is_admin())))
            .ok_or_else(|| {
                GatewayError::NotFound(format!("no log row for request `{}`", request_id.0))
            })
    }
}
