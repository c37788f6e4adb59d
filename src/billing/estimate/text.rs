//! Token counts of prompt text with the cl100k_base BPE (tiktoken-rs). Up to
//! [`BUDGET`] bytes of text per request are tokenized exactly; past that each piece is
//! counted on a leading share of it (proportional to its size, about `BUDGET` bytes in
//! all) and scaled up by its length, so a huge prompt costs a bounded time.

use std::sync::LazyLock;

use tiktoken_rs::CoreBPE;

/// Bytes of text tokenized per request at most (plus rounding to whole characters).
pub const BUDGET: usize = 32 * 1024;

/// The vocabulary, loaded once (about 25 MB, a fraction of a second).
static BPE: LazyLock<Option<CoreBPE>> = LazyLock::new(|| tiktoken_rs::cl100k_base().ok());

/// Loads the vocabulary now (at start) rather than on the first paid request.
pub fn warm_up() {
    LazyLock::force(&BPE);
}

/// Exact tokens of one piece (4 bytes a token if the vocabulary failed to load).
fn exact(text: &str) -> usize {
    match BPE.as_ref() {
        Some(bpe) => bpe.encode_ordinary(text).len(),
        None => text.len().div_ceil(4),
    }
}

/// Tokens of the pieces, exact while they fit the budget, sampled past it.
pub fn count(pieces: &[&str]) -> i64 {
    let total: usize = pieces.iter().map(|piece| piece.len()).sum();
    let tokens: usize = if total <= BUDGET {
        pieces.iter().map(|piece| exact(piece)).sum()
    } else {
        pieces
            .iter()
            .map(|piece| sampled(piece, piece.len().saturating_mul(BUDGET) / total))
            .sum()
    };
    i64::try_from(tokens).unwrap_or(i64::MAX)
}

/// Tokens of `piece` from its first `share` bytes (whole characters), scaled up.
fn sampled(piece: &str, share: usize) -> usize {
    let head = &piece[..piece.floor_char_boundary(share)];
    if head.is_empty() {
        return piece.len().div_ceil(4);
    }
    let tokens = exact(head);
    (tokens.saturating_mul(piece.len())).div_ceil(head.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_words_not_bytes() {
        assert_eq!(count(&["hello world"]), 2);
        // Chinese costs about one token a character, more than bytes / 4 says.
        let chinese = "你好，请帮我总结一下这份关于季度收入、客户流失和新定价方案的报告。";
        assert!(count(&[chinese]) > i64::try_from(chinese.len().div_ceil(4)).unwrap_or(0));
        assert_eq!(count(&[]), 0);
    }

    #[test]
    fn a_huge_prompt_is_sampled_within_a_few_percent() {
        let english = "The quick brown fox jumps over the lazy dog, again and again. ".repeat(2000);
        let chinese = "网关需要准确地估算中文文本的令牌数量，不能少算。".repeat(3000);
        assert!(english.len() + chinese.len() > 4 * BUDGET);
        let exact_total = exact(&english) + exact(&chinese);
        let sampled = usize::try_from(count(&[&english, &chinese])).unwrap_or(0);
        let error = sampled.abs_diff(exact_total) as f64 / exact_total as f64;
        assert!(error < 0.03, "sampled {sampled}, exact {exact_total}");
    }
}
