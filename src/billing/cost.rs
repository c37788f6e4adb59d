//! Prices and the cost of a usage, in integer micro-units of the configured currency
//! per one million tokens; arithmetic in i128 so no product can overflow.

use super::estimate::Estimate;
use crate::protocol::openai::Usage;

const PER: i128 = 1_000_000;

/// A model's price; `cached_input` and `cache_write` default to `input` when unset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Price {
    pub input: i64,
    pub output: i64,
    pub cached_input: i64,
    pub cache_write: i64,
    pub free: bool,
}

fn to_i64(value: i128) -> i64 {
    i64::try_from(value).unwrap_or(if value < 0 { i64::MIN } else { i64::MAX })
}

/// Rounds a micro-unit amount scaled by a million up to a whole micro-unit.
fn per_million(total: i128) -> i64 {
    to_i64(total.saturating_add(PER - 1).div_euclid(PER))
}

impl Price {
    /// What `usage` costs: fresh input, cached input, cache writes and output (which
    /// includes reasoning tokens) each at their price.
    pub fn cost(&self, usage: &Usage) -> i64 {
        if self.free {
            return 0;
        }
        let cached = i128::from(usage.cached().max(0));
        let written = i128::from(usage.cache_creation_tokens.max(0));
        let fresh = (i128::from(usage.prompt_tokens) - cached - written).max(0);
        let output = i128::from(usage.completion_tokens.max(0));
        let total = [
            (fresh, self.input),
            (cached, self.cached_input),
            (written, self.cache_write),
            (output, self.output),
        ]
        .into_iter()
        .map(|(tokens, price)| tokens.saturating_mul(i128::from(price)))
        .fold(0i128, i128::saturating_add);
        per_million(total)
    }

    /// The reservation for a request: its estimated prompt and its output limit.
    pub fn estimate(&self, estimate: &Estimate) -> i64 {
        if self.free {
            return 0;
        }
        let prompt = i128::from(estimate.prompt_tokens.max(0));
        let output = i128::from(estimate.output_tokens.max(0));
        per_million(
            prompt
                .saturating_mul(i128::from(self.input))
                .saturating_add(output.saturating_mul(i128::from(self.output))),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::openai::{CompletionDetails, PromptDetails};

    fn usage(prompt: i64, completion: i64, cached: i64, written: i64, reasoning: i64) -> Usage {
        Usage {
            prompt_tokens: prompt,
            completion_tokens: completion,
            total_tokens: prompt.saturating_add(completion),
            prompt_tokens_details: Some(PromptDetails {
                cached_tokens: cached,
            }),
            completion_tokens_details: Some(CompletionDetails {
                reasoning_tokens: reasoning,
            }),
            cache_creation_tokens: written,
        }
    }

    #[test]
    fn cost_table() {
        // gpt-4o-like: $2.50 in, $10 out, $1.25 cached per 1M, in micro-dollars.
        let gpt = Price {
            input: 2_500_000,
            output: 10_000_000,
            cached_input: 1_250_000,
            cache_write: 2_500_000,
            free: false,
        };
        let claude = Price {
            input: 3_000_000,
            output: 15_000_000,
            cached_input: 300_000,
            cache_write: 3_750_000,
            free: false,
        };
        let cases = [
            (gpt, usage(1_000_000, 0, 0, 0, 0), 2_500_000),
            (gpt, usage(0, 1_000_000, 0, 0, 0), 10_000_000),
            (gpt, usage(1000, 500, 0, 0, 0), 7_500),
            // Cached tokens at the cached price, not the full one.
            (gpt, usage(1000, 0, 800, 0, 0), 1_500),
            // Reasoning tokens are part of the completion and billed as output.
            (gpt, usage(0, 300, 0, 0, 200), 3_000),
            // Anthropic: prompt = fresh + cache read + cache write.
            (
                claude,
                usage(1_120, 100, 1_000, 20, 0),
                300 + 300 + 75 + 1_500,
            ),
            // Rounded up to a whole micro-unit.
            (gpt, usage(1, 0, 0, 0, 0), 3),
            (
                Price { free: true, ..gpt },
                usage(1_000_000, 1_000_000, 0, 0, 0),
                0,
            ),
        ];
        for (price, usage, expected) in cases {
            assert_eq!(price.cost(&usage), expected, "{price:?} {usage:?}");
        }
    }

    #[test]
    fn huge_numbers_saturate_instead_of_overflowing() {
        let price = Price {
            input: i64::MAX,
            output: i64::MAX,
            cached_input: i64::MAX,
            cache_write: i64::MAX,
            free: false,
        };
        assert_eq!(price.cost(&usage(i64::MAX, i64::MAX, 0, 0, 0)), i64::MAX);
        let huge = Estimate {
            prompt_tokens: i64::MAX,
            output_tokens: i64::MAX,
        };
        assert_eq!(price.estimate(&huge), i64::MAX);
    }

    #[test]
    fn estimate_prices_prompt_and_output_limit() {
        let price = Price {
            input: 1_000_000,
            output: 2_000_000,
            cached_input: 0,
            cache_write: 0,
            free: false,
        };
        let estimate = |prompt_tokens, output_tokens| Estimate {
            prompt_tokens,
            output_tokens,
        };
        assert_eq!(price.estimate(&estimate(1000, 100)), 1000 + 200);
        assert_eq!(price.estimate(&estimate(0, 1)), 2);
        assert_eq!(
            Price {
                free: true,
                ..price
            }
            .estimate(&estimate(1000, 100)),
            0
        );
    }
}
