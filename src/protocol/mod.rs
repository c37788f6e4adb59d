//! Wire formats: views of OpenAI requests and answers, byte-preserving JSON edits,
//! SSE framing, and the stream-to-JSON aggregator. (Anthropic translators join here.)

pub mod aggregate;
pub mod json_edit;
pub mod openai;
pub mod sse;
