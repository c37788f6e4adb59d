//! Billing: prices (exact model ids and `provider/*` patterns), the cost of a usage in
//! integer micro-units, the estimate a request is reserved at, and the in-memory
//! ledger of balances and token quotas.

mod cost;
pub mod estimate;
mod ledger;

pub use cost::Price;
pub use estimate::Estimate;
pub use ledger::{Ledger, Reservation};

use std::collections::HashMap;

use crate::store::PriceRow;

/// Prices by model, looked up exact id first, then the longest matching pattern.
#[derive(Debug, Default)]
pub struct PriceBook {
    exact: HashMap<String, Price>,
    /// (prefix before `*`, price), longest prefix first.
    patterns: Vec<(String, Price)>,
}

impl PriceBook {
    pub fn new(rows: &[PriceRow]) -> PriceBook {
        let mut book = PriceBook::default();
        for row in rows {
            let price = Price {
                input: row.input_price,
                output: row.output_price,
                cached_input: row.cached_input_price.unwrap_or(row.input_price),
                cache_write: row.cache_write_price.unwrap_or(row.input_price),
                free: row.free,
            };
            match row.model.strip_suffix('*') {
                Some(prefix) => book.patterns.push((prefix.to_string(), price)),
                None => {
                    book.exact.insert(row.model.clone(), price);
                }
            }
        }
        book.patterns
            .sort_by_key(|(prefix, _)| std::cmp::Reverse(prefix.len()));
        book
    }

    /// The price of a `provider/model` id, if any.
    pub fn lookup(&self, model_id: &str) -> Option<Price> {
        self.exact.get(model_id).copied().or_else(|| {
            self.patterns
                .iter()
                .find(|(prefix, _)| model_id.starts_with(prefix.as_str()))
                .map(|(_, price)| *price)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(model: &str, input: i64, free: bool) -> PriceRow {
        PriceRow {
            id: 0,
            model: model.into(),
            input_price: input,
            output_price: input * 2,
            cached_input_price: None,
            cache_write_price: None,
            free,
            created_at: String::new(),
            updated_at: String::new(),
        }
    }

    #[test]
    fn exact_then_longest_pattern() {
        let book = PriceBook::new(&[
            row("*", 1, false),
            row("deepseek/*", 2, false),
            row("deepseek/deepseek-r*", 3, false),
            row("openai/gpt-4o", 4, false),
            row("local/*", 0, true),
        ]);
        assert_eq!(book.lookup("openai/gpt-4o").map(|p| p.input), Some(4));
        assert_eq!(book.lookup("openai/gpt-4o-mini").map(|p| p.input), Some(1));
        assert_eq!(
            book.lookup("deepseek/deepseek-chat").map(|p| p.input),
            Some(2)
        );
        assert_eq!(
            book.lookup("deepseek/deepseek-reasoner").map(|p| p.input),
            Some(3)
        );
        assert_eq!(book.lookup("local/llama").map(|p| p.free), Some(true));
        assert_eq!(
            book.lookup("deepseek/deepseek-chat")
                .map(|p| p.cached_input),
            Some(2),
            "defaults to input"
        );
        assert!(
            PriceBook::new(&[row("openai/*", 1, false)])
                .lookup("anthropic/claude")
                .is_none()
        );
    }
}
