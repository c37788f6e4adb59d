//! The in-memory ledger: user balances and token quotas with the amounts reserved by
//! requests in flight. Checks and reservations never touch the database; charges reach
//! it with the request's log row (the log writer applies both in one transaction), so
//! a settled charge is never lost and never applied twice.
//!
//! Bound on overspending: a request reserves its whole estimate or is refused (never
//! a part of it), and nobody can reserve what is already reserved; so the total charged
//! exceeds the balance by at most what the requests used beyond their reservations.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::error::{GatewayError, Result};

#[derive(Debug, Default, Clone, Copy)]
struct Account {
    balance: i64,
    reserved: i64,
}

#[derive(Debug, Default, Clone, Copy)]
struct Quota {
    limit: Option<i64>,
    used: i64,
    reserved: i64,
}

#[derive(Debug, Default)]
struct Books {
    users: HashMap<i64, Account>,
    tokens: HashMap<i64, Quota>,
}

/// See the module doc.
#[derive(Debug, Default)]
pub struct Ledger {
    books: Mutex<Books>,
}

/// An amount held for one request; released (or turned into a charge) exactly once.
#[derive(Debug)]
pub struct Reservation {
    ledger: Arc<Ledger>,
    user_id: i64,
    token_id: i64,
    amount: i64,
    open: bool,
}

impl Ledger {
    fn books(&self) -> MutexGuard<'_, Books> {
        self.books
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Replaces a user's balance (at start, or when the account is created).
    pub fn set_balance(&self, user_id: i64, balance: i64) {
        self.books().users.entry(user_id).or_default().balance = balance;
    }

    /// Adds `delta` (may be negative) to a balance; returns the new balance.
    pub fn adjust_balance(&self, user_id: i64, delta: i64) -> i64 {
        let mut books = self.books();
        let account = books.users.entry(user_id).or_default();
        account.balance = account.balance.saturating_add(delta);
        account.balance
    }

    pub fn balance(&self, user_id: i64) -> Option<i64> {
        self.books().users.get(&user_id).map(|a| a.balance)
    }

    /// Sets a token's limit and (at start) what it used.
    pub fn set_token(&self, token_id: i64, limit: Option<i64>, used: Option<i64>) {
        let mut books = self.books();
        let quota = books.tokens.entry(token_id).or_default();
        quota.limit = limit;
        if let Some(used) = used {
            quota.used = used;
        }
    }

    pub fn token_used(&self, token_id: i64) -> Option<i64> {
        self.books().tokens.get(&token_id).map(|q| q.used)
    }

    /// Whether a token's quota is used up.
    pub fn exhausted(&self, token_id: i64) -> bool {
        self.books()
            .tokens
            .get(&token_id)
            .is_some_and(|q| q.limit.is_some_and(|limit| q.used >= limit))
    }

    pub fn forget_user(&self, user_id: i64) {
        self.books().users.remove(&user_id);
    }

    pub fn forget_token(&self, token_id: i64) {
        self.books().tokens.remove(&token_id);
    }

    /// Holds `estimate` for a request. 429 when the token quota left (less what is
    /// reserved) cannot cover it, 402 when the balance left cannot.
    pub fn reserve(
        self: &Arc<Self>,
        user_id: i64,
        token_id: i64,
        estimate: i64,
    ) -> Result<Reservation> {
        let amount = estimate.max(0);
        let mut books = self.books();
        if let Some(Quota {
            limit: Some(limit),
            used,
            reserved,
        }) = books.tokens.get(&token_id)
        {
            let left = limit.saturating_sub(*used).saturating_sub(*reserved);
            if left <= 0 {
                return Err(GatewayError::QuotaExhausted(
                    "token quota exhausted: this API key has used up its quota".into(),
                ));
            }
            if amount > left {
                return Err(GatewayError::QuotaExhausted(format!(
                    "token quota too low for this request: it may cost up to {amount} (its prompt and output limit) and {left} is left; lower max_tokens or raise the quota"
                )));
            }
        }
        let account = books.users.entry(user_id).or_default();
        let left = account.balance.saturating_sub(account.reserved);
        if left <= 0 {
            return Err(GatewayError::InsufficientBalance(
                "insufficient balance: top up the account to keep using paid models".into(),
            ));
        }
        if amount > left {
            return Err(GatewayError::InsufficientBalance(format!(
                "insufficient balance for this request: it may cost up to {amount} (its prompt and output limit); lower max_tokens or top up the account"
            )));
        }
        account.reserved = account.reserved.saturating_add(amount);
        if let Some(quota) = books.tokens.get_mut(&token_id) {
            quota.reserved = quota.reserved.saturating_add(amount);
        }
        Ok(Reservation {
            ledger: self.clone(),
            user_id,
            token_id,
            amount,
            open: true,
        })
    }

    fn release(&self, reservation: &Reservation, charge: i64) {
        let mut books = self.books();
        if let Some(account) = books.users.get_mut(&reservation.user_id) {
            account.reserved = account.reserved.saturating_sub(reservation.amount).max(0);
            account.balance = account.balance.saturating_sub(charge);
        }
        if let Some(quota) = books.tokens.get_mut(&reservation.token_id) {
            quota.reserved = quota.reserved.saturating_sub(reservation.amount).max(0);
            quota.used = quota.used.saturating_add(charge);
        }
    }
}

impl Reservation {
    /// Releases the hold and applies the actual cost in memory (the database gets it
    /// with the log row).
    pub fn settle(mut self, cost: i64) {
        self.open = false;
        self.ledger.release(&self, cost.max(0));
    }

    pub fn amount(&self) -> i64 {
        self.amount
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        if self.open {
            self.ledger.release(self, 0);
        }
    }
}

#[cfg(test)]
mod tests;
