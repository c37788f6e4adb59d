//! The reservation of a relayed request: its model's price, and the estimated cost
//! of the body the upstream will receive (output limit and prompt, see
//! `billing::estimate`) held by the ledger, or refused with 402/429.

use super::finish::Finish;
use crate::app::AppState;
use crate::billing::{Price, estimate};
use crate::error::{GatewayError, Result};
use crate::snapshot::{Snapshot, TokenEntry};

/// The price of a model: 403 for one without a price.
pub fn price_of(snapshot: &Snapshot, model_id: &str) -> Result<Price> {
    snapshot.prices.lookup(model_id).ok_or_else(|| {
        GatewayError::Forbidden(format!(
            "model `{model_id}` has no price; an admin must price it (or mark it free) before it can be used"
        ))
    })
}

/// Holds the request's estimated cost (see `billing::Ledger`), read from the body the
/// upstream will receive: 429 when the token quota left cannot cover it, 402 when the
/// balance left cannot. Returns the prompt tokens it counted (none for a free model).
/// (A token already exhausted was turned away by `TokenAuth`.)
pub fn hold(
    state: &AppState,
    token: &TokenEntry,
    price: Price,
    body: &[u8],
    finish: &mut Finish,
) -> Result<Option<i64>> {
    if price.free {
        finish.bill(price, None);
        return Ok(None);
    }
    let estimate = estimate::of_body(body);
    let reservation = state
        .ledger
        .reserve(token.user_id, token.id, price.estimate(&estimate))?;
    finish.bill(price, Some(reservation));
    Ok(Some(estimate.prompt_tokens))
}
