//! `POST /users/{id}/balance` (admin): top up or deduct, with a reason, audited.

use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};

use crate::api::ApiTags;
use crate::api::body::JsonBody;
use crate::api::security::SessionAuth;
use crate::app::AppState;
use crate::error::{GatewayError, Result};

/// A change to a user's balance.
#[derive(Debug, Clone, Object, serde::Deserialize)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct BalanceChange {
    /// Micro-units to add (negative to deduct), e.g. 10000000 = 10.00.
    pub amount: i64,
    /// Why (kept in the audit log).
    #[oai(validator(min_length = 1, max_length = 500))]
    pub reason: String,
}

/// The balance after the change.
#[derive(Debug, Clone, Object)]
pub struct Balance {
    pub user_id: i64,
    /// Micro-units of the configured currency.
    pub balance: i64,
}

pub struct BalanceApi;

#[OpenApi(tag = "ApiTags::Billing")]
impl BalanceApi {
    /// Add to or deduct from a user's balance (admin); audited with the reason.
    #[oai(
        path = "/users/:id/balance",
        method = "post",
        operation_id = "user_balance"
    )]
    async fn adjust(
        &self,
        auth: SessionAuth,
        state: Data<&AppState>,
        id: Path<i64>,
        body: JsonBody<BalanceChange>,
    ) -> Result<Json<Balance>> {
        auth.0.require_admin()?;
        let BalanceChange { amount, reason } = body.0;
        if amount == 0 {
            return Err(GatewayError::bad_param("amount", "amount must not be 0"));
        }
        let user = state.user_by_id(id.0).await?;
        let current = state.ledger.balance(user.id).unwrap_or(user.balance);
        if current.checked_add(amount).is_none() {
            return Err(GatewayError::bad_param(
                "amount",
                "the new balance would be out of range",
            ));
        }
        state
            .store
            .adjust_balance(user.id, amount)
            .await?
            .ok_or_else(|| GatewayError::NotFound(format!("user {} not found", id.0)))?;
        let balance = state.ledger.adjust_balance(user.id, amount);
        let summary = format!(
            "amount={amount:+} balance={balance} reason={}",
            reason.trim()
        );
        state
            .audit(
                &auth.0.username,
                "user_balance",
                &format!("user:{}", user.username),
                summary,
            )
            .await?;
        Ok(Json(Balance {
            user_id: user.id,
            balance,
        }))
    }
}
