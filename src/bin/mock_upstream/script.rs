//! Deterministic answer content: words, reasoning, tool calls and token counts.

use crate::scenario::Scenario;

const GREETING: [&str; 5] = ["Hello", " from", " mock", "-upstream", "."];
const FILLER: [&str; 8] = [
    " alpha", " bravo", " charlie", " delta", " echo", " foxtrot", " golf", " hotel",
];
/// Reasoning / thinking pieces, streamed one per event.
pub const REASONING: [&str; 4] = ["Let", " me", " think", "."];
/// Signature of the Anthropic thinking block.
pub const SIGNATURE: &str = "bW9jay11cHN0cmVhbS1zaWduYXR1cmU=";

/// The `i`-th content word: the greeting first, then filler words in a cycle.
pub fn word(i: usize) -> &'static str {
    match GREETING.get(i) {
        Some(word) => word,
        None => FILLER[(i - GREETING.len()) % FILLER.len()],
    }
}

pub fn tool_id(i: usize) -> String {
    format!("call_{i}")
}

pub fn tool_name(i: usize) -> String {
    format!("get_weather_{i}")
}

/// The arguments of tool call `i` (`{"city":"Paris","n":i}`) in streaming pieces.
pub fn tool_arg_pieces(i: usize) -> [String; 4] {
    [
        "{\"city\":".to_owned(),
        "\"Paris\",".to_owned(),
        "\"n\":".to_owned(),
        format!("{i}}}"),
    ]
}

pub fn tool_args(i: usize) -> String {
    tool_arg_pieces(i).concat()
}

/// What one answer contains, derived from the scenario and the request size.
#[derive(Debug, PartialEq)]
pub struct Script {
    /// Content words (none when the answer is tool calls).
    pub words: usize,
    pub reasoning: bool,
    pub tool_calls: usize,
    /// Uncached prompt tokens: the request body length / 4, rounded up.
    pub input_tokens: u64,
    pub cache_read_tokens: u64,
    pub cache_creation_tokens: u64,
}

impl Script {
    pub fn new(scenario: &Scenario, body_len: usize) -> Self {
        let tool_calls = scenario.tool_calls;
        Self {
            words: if tool_calls > 0 { 0 } else { scenario.chunks },
            reasoning: scenario.reasoning,
            tool_calls,
            input_tokens: body_len.div_ceil(4) as u64,
            cache_read_tokens: scenario.cache_read_tokens,
            cache_creation_tokens: scenario.cache_creation_tokens,
        }
    }

    pub fn words(&self) -> impl Iterator<Item = &'static str> + use<> {
        (0..self.words).map(word)
    }

    pub fn text(&self) -> String {
        self.words().collect()
    }

    /// The reasoning pieces, empty unless reasoning was asked for.
    pub fn reasoning(&self) -> &'static [&'static str] {
        if self.reasoning { &REASONING } else { &[] }
    }

    pub fn uses_tools(&self) -> bool {
        self.tool_calls > 0
    }

    pub fn reasoning_tokens(&self) -> u64 {
        self.reasoning().len() as u64
    }

    /// One token per word, reasoning piece and tool-argument piece.
    pub fn output_tokens(&self) -> u64 {
        let tool_pieces = self.tool_calls * tool_arg_pieces(0).len();
        (self.words + tool_pieces) as u64 + self.reasoning_tokens()
    }

    /// OpenAI-style prompt tokens, which include the cached ones.
    pub fn prompt_tokens(&self) -> u64 {
        self.input_tokens + self.cache_read_tokens
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_words_spell_the_greeting() {
        let script = Script::new(&Scenario::default(), 0);
        assert_eq!(script.text(), "Hello from mock-upstream.");
        assert_eq!(script.words().count(), 5);
    }

    #[test]
    fn more_chunks_continue_deterministically() {
        let scenario = Scenario {
            chunks: 15,
            ..Scenario::default()
        };
        let script = Script::new(&scenario, 0);
        let words: Vec<_> = script.words().collect();
        assert_eq!(words.len(), 15);
        assert_eq!(words[5], " alpha");
        assert_eq!(words[13], words[5]);
        assert_eq!(script.text(), Script::new(&scenario, 0).text());
    }

    #[test]
    fn fewer_chunks_are_a_prefix() {
        let scenario = Scenario {
            chunks: 2,
            ..Scenario::default()
        };
        assert_eq!(Script::new(&scenario, 0).text(), "Hello from");
    }

    #[test]
    fn tool_arguments_join_to_json() {
        let args: serde_json::Value =
            serde_json::from_str(&tool_args(3)).unwrap_or(serde_json::Value::Null);
        assert_eq!(args, serde_json::json!({"city": "Paris", "n": 3}));
        assert_eq!(tool_id(1), "call_1");
        assert_eq!(tool_name(1), "get_weather_1");
    }

    #[test]
    fn token_counts() {
        let scenario = Scenario {
            reasoning: true,
            tool_calls: 2,
            cache_read_tokens: 10,
            ..Scenario::default()
        };
        let script = Script::new(&scenario, 9);
        assert_eq!(script.words, 0);
        assert_eq!(script.input_tokens, 3);
        assert_eq!(script.prompt_tokens(), 13);
        assert_eq!(script.reasoning_tokens(), 4);
        assert_eq!(script.output_tokens(), 4 + 2 * 4);
    }
}
