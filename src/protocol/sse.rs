//! Server-sent events framing that keeps the raw bytes: upstream chunks go in, complete
//! events come out exactly as received (delimiter included), with their `event:` name
//! and joined `data:` payload for observers.

use bytes::{Bytes, BytesMut};

/// One complete event: its original bytes and its parsed fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseEvent {
    pub raw: Bytes,
    pub event: Option<String>,
    pub data: String,
}

/// Splits a byte stream into events at blank lines (`\n\n`, `\r\n\r\n` or `\r\r`).
#[derive(Debug, Default)]
pub struct SseFramer {
    buffer: BytesMut,
}

impl SseFramer {
    /// Adds a chunk; returns the events it completed.
    pub fn push(&mut self, chunk: &[u8]) -> Vec<SseEvent> {
        self.buffer.extend_from_slice(chunk);
        let mut events = Vec::new();
        while let Some(end) = event_end(&self.buffer) {
            let raw = self.buffer.split_to(end).freeze();
            events.push(parse(raw));
        }
        events
    }

    /// Whatever is left when the stream ends (an event without its blank line).
    pub fn finish(&mut self) -> Option<SseEvent> {
        if self.buffer.iter().all(u8::is_ascii_whitespace) {
            self.buffer.clear();
            return None;
        }
        Some(parse(self.buffer.split().freeze()))
    }
}

/// Index just past the first blank line, if there is one.
fn event_end(buffer: &[u8]) -> Option<usize> {
    let mut i = 0;
    while i + 1 < buffer.len() {
        match (buffer[i], buffer[i + 1]) {
            (b'\n', b'\n') => return Some(i + 2),
            (b'\r', b'\r') => return Some(i + 2),
            (b'\r', b'\n') if buffer.get(i + 2..i + 4) == Some(b"\r\n") => return Some(i + 4),
            _ => i += 1,
        }
    }
    None
}

fn parse(raw: Bytes) -> SseEvent {
    let text = String::from_utf8_lossy(&raw);
    let mut event = None;
    let mut data: Vec<&str> = Vec::new();
    for line in text.lines() {
        let (field, value) = match line.split_once(':') {
            Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
            None => (line, ""),
        };
        match field {
            "event" => event = Some(value.to_string()),
            "data" => data.push(value),
            _ => {}
        }
    }
    let data = data.join("\n");
    SseEvent { raw, event, data }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_across_chunk_boundaries_keeping_bytes() {
        let mut framer = SseFramer::default();
        assert!(framer.push(b"data: {\"a\"").is_empty());
        let events = framer.push(b":1}\n\nevent: ping\ndata: x\n\ndata: [DO");
        assert_eq!(events.len(), 2);
        assert_eq!(&events[0].raw[..], b"data: {\"a\":1}\n\n");
        assert_eq!(events[0].data, "{\"a\":1}");
        assert_eq!(events[1].event.as_deref(), Some("ping"));
        let events = framer.push(b"NE]\r\n\r\n");
        assert_eq!(events[0].data, "[DONE]");
        assert_eq!(framer.finish(), None);
    }

    #[test]
    fn multi_line_data_and_leftovers() {
        let mut framer = SseFramer::default();
        let events = framer.push(b": comment\ndata: a\ndata: b\n\ndata: tail");
        assert_eq!(events[0].data, "a\nb");
        assert_eq!(framer.finish().map(|e| e.data), Some("tail".to_string()));
    }
}
