//! `GET /audit`: the audit log, newest first, with filters and cursor pagination.

use poem::web::Data;
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};

use super::ApiTags;
use super::security::SessionAuth;
use crate::app::AppState;
use crate::error::{GatewayError, Result};
use crate::store::{AuditFilter, AuditRow};

pub const DEFAULT_PAGE: i64 = 50;
pub const MAX_PAGE: i64 = 500;

/// One page of audit entries.
#[derive(Debug, Clone, Object)]
pub struct AuditPage {
    pub items: Vec<AuditRow>,
    /// Pass as `before_id` to get the next (older) page; absent on the last page.
    #[oai(nullable)]
    pub next_cursor: Option<i64>,
}

impl AppState {
    /// A display-timezone time parameter to unix milliseconds, or 400 naming it.
    pub fn time_param(&self, name: &str, value: Option<&str>) -> Result<Option<i64>> {
        value
            .map(|text| {
                self.clock.parse_text(text).ok_or_else(|| {
                    GatewayError::bad_param(
                        name,
                        format!("{name} must look like 2025-09-26 15:10:50 (display timezone)"),
                    )
                })
            })
            .transpose()
    }
}

/// Clamps a page size to 1..=MAX_PAGE.
pub fn page_size(limit: Option<i64>) -> i64 {
    limit.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE)
}

/// The cursor for the next page: the last id when the page was full.
pub fn next_cursor(
    ids: impl DoubleEndedIterator<Item = i64>,
    count: usize,
    limit: i64,
) -> Option<i64> {
    if i64::try_from(count).unwrap_or(i64::MAX) < limit {
        return None;
    }
    ids.last()
}

pub struct AuditApi;

#[OpenApi(tag = "ApiTags::Logs")]
impl AuditApi {
    /// The audit log of admin writes, newest first (admin).
    #[allow(clippy::too_many_arguments)]
    #[oai(path = "/audit", method = "get", operation_id = "audit_list")]
    async fn list(
        &self,
        auth: SessionAuth,
        state: Data<&AppState>,
        /// Only this action, e.g. `provider_create`.
        action: Query<Option<String>>,
        /// Only this target, e.g. `provider:openai`.
        target: Query<Option<String>>,
        /// From this time (inclusive), display timezone: `2025-09-26 15:10:50`.
        from: Query<Option<String>>,
        /// Before this time (exclusive), display timezone.
        to: Query<Option<String>>,
        /// Cursor from the previous page.
        before_id: Query<Option<i64>>,
        /// Page size, 1 to 500, default 50.
        limit: Query<Option<i64>>,
    ) -> Result<Json<AuditPage>> {
        auth.0.require_admin()?;
        let limit = page_size(limit.0);
        let filter = AuditFilter {
            action: action.0,
            target: target.0,
            from_ms: state.time_param("from", from.0.as_deref())?,
            to_ms: state.time_param("to", to.0.as_deref())?,
            before_id: before_id.0,
            limit,
        };
        let items = state.store.list_audit(&filter).await?;
        let next_cursor = next_cursor(items.iter().map(|r| r.id), items.len(), limit);
        Ok(Json(AuditPage { items, next_cursor }))
    }
}
