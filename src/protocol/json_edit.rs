//! Edits of a raw JSON request body that keep every other byte as the client sent it
//! (key order, number formatting, escapes, unknown fields): replace the value of one
//! top-level key, or add one.

use std::ops::Range;

use bytes::Bytes;

/// Byte range of the value of the top-level `key`, if the text is an object holding it.
pub fn top_level_value(raw: &[u8], key: &str) -> Option<Range<usize>> {
    top_level_entry(raw, key).map(|(_, value)| value)
}

/// Removes the top-level `key` with its value and one separating comma.
pub fn remove_top_level(raw: &[u8], key: &str) -> Option<Bytes> {
    let (key_start, value) = top_level_entry(raw, key)?;
    let before = raw[..key_start]
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())?;
    let after = raw[value.end..]
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .map(|i| value.end + i)?;
    let range = if raw[before] == b',' {
        before..value.end
    } else if raw[after] == b',' {
        key_start..after + 1
    } else {
        key_start..value.end
    };
    Some(splice(raw, range, b""))
}

/// Start of the key literal and range of the value of the top-level `key`.
fn top_level_entry(raw: &[u8], key: &str) -> Option<(usize, Range<usize>)> {
    let mut scan = Scanner { raw, at: 0 };
    scan.skip_ws();
    scan.expect(b'{')?;
    loop {
        scan.skip_ws();
        if scan.peek()? == b'}' {
            return None;
        }
        let key_range = scan.string()?;
        scan.skip_ws();
        scan.expect(b':')?;
        scan.skip_ws();
        let start = scan.at;
        scan.value()?;
        if key_matches(&raw[key_range.clone()], key) {
            return Some((key_range.start, start..scan.at));
        }
        scan.skip_ws();
        match scan.peek()? {
            b',' => scan.at += 1,
            _ => return None,
        }
    }
}

/// Replaces the bytes in `range` with `value`.
pub fn splice(raw: &[u8], range: Range<usize>, value: &[u8]) -> Bytes {
    let mut out = Vec::with_capacity(raw.len() - range.len() + value.len());
    out.extend_from_slice(&raw[..range.start]);
    out.extend_from_slice(value);
    out.extend_from_slice(&raw[range.end..]);
    Bytes::from(out)
}

/// Sets top-level `key` to `value` (JSON text): replaced in place when present,
/// otherwise added before the closing brace. `None` if `raw` is not an object.
pub fn set_top_level(raw: &[u8], key: &str, value: &[u8]) -> Option<Bytes> {
    if let Some(range) = top_level_value(raw, key) {
        return Some(splice(raw, range, value));
    }
    let close = raw.iter().rposition(|b| *b == b'}')?;
    let before = raw[..close]
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())?;
    let separator: &[u8] = if raw[before] == b'{' { b"" } else { b"," };
    let key_json = serde_json::to_vec(key).ok()?;
    let mut insert = Vec::with_capacity(key_json.len() + value.len() + 2);
    insert.extend_from_slice(separator);
    insert.extend_from_slice(&key_json);
    insert.push(b':');
    insert.extend_from_slice(value);
    Some(splice(raw, before + 1..before + 1, &insert))
}

/// Compares a raw JSON string literal (quotes included) with a plain key.
fn key_matches(literal: &[u8], key: &str) -> bool {
    let inner = &literal[1..literal.len() - 1];
    if !inner.contains(&b'\\') {
        return inner == key.as_bytes();
    }
    serde_json::from_slice::<String>(literal).is_ok_and(|decoded| decoded == key)
}

struct Scanner<'a> {
    raw: &'a [u8],
    at: usize,
}

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.raw.get(self.at).copied()
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(|b| b.is_ascii_whitespace()) {
            self.at += 1;
        }
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        (self.peek()? == byte).then(|| self.at += 1)
    }

    /// A string literal; returns its range including the quotes.
    fn string(&mut self) -> Option<Range<usize>> {
        let start = self.at;
        self.expect(b'"')?;
        loop {
            match self.peek()? {
                b'\\' => self.at += 2,
                b'"' => {
                    self.at += 1;
                    return Some(start..self.at);
                }
                _ => self.at += 1,
            }
        }
    }

    fn value(&mut self) -> Option<()> {
        match self.peek()? {
            b'"' => self.string().map(|_| ()),
            b'{' | b'[' => {
                let mut depth = 0usize;
                loop {
                    match self.peek()? {
                        b'"' => {
                            self.string()?;
                            continue;
                        }
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => {
                            depth -= 1;
                            if depth == 0 {
                                self.at += 1;
                                return Some(());
                            }
                        }
                        _ => {}
                    }
                    self.at += 1;
                }
            }
            _ => {
                while self
                    .peek()
                    .is_some_and(|b| !matches!(b, b',' | b'}' | b']') && !b.is_ascii_whitespace())
                {
                    self.at += 1;
                }
                Some(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(bytes: &Bytes) -> &str {
        std::str::from_utf8(bytes).unwrap_or_default()
    }

    #[test]
    fn replaces_only_the_model_value() {
        let raw = br#"{"z":1.0e2, "messages":[{"role":"user","content":"\u00e9 {\"model\":1}"}],
            "model" : "openai/gpt-4o", "extra":{"model":"inner"}}"#;
        let range = top_level_value(raw, "model").unwrap_or(0..0);
        assert_eq!(&raw[range.clone()], br#""openai/gpt-4o""#);
        let out = splice(raw, range, br#""gpt-4o""#);
        let expected = String::from_utf8_lossy(raw).replace(r#""openai/gpt-4o""#, r#""gpt-4o""#);
        assert_eq!(text(&out), expected);
    }

    #[test]
    fn finds_escaped_keys_and_misses_nested_ones() {
        assert!(top_level_value(br#"{"\u006dodel":"x"}"#, "model").is_some());
        assert!(top_level_value(br#"{"a":{"model":"x"}}"#, "model").is_none());
        assert!(top_level_value(br#"[{"model":"x"}]"#, "model").is_none());
    }

    #[test]
    fn removes_a_key_and_one_comma() {
        let cases: [(&[u8], &str); 4] = [
            (br#"{"a":1,"usage":null,"b":2}"#, r#"{"a":1,"b":2}"#),
            (br#"{"usage":null,"b":2}"#, r#"{"b":2}"#),
            (br#"{"a":1, "usage" : null }"#, r#"{"a":1 }"#),
            (br#"{"usage":null}"#, r#"{}"#),
        ];
        for (raw, expected) in cases {
            assert_eq!(
                remove_top_level(raw, "usage").as_ref().map(text),
                Some(expected)
            );
        }
        assert!(remove_top_level(br#"{"a":{"usage":null}}"#, "usage").is_none());
    }

    #[test]
    fn adds_a_missing_key() {
        let out = set_top_level(
            br#"{"model":"m","stream":true}"#,
            "stream_options",
            br#"{"include_usage":true}"#,
        );
        assert_eq!(
            out.as_ref().map(text),
            Some(r#"{"model":"m","stream":true,"stream_options":{"include_usage":true}}"#)
        );
        let out = set_top_level(b"{ }", "a", b"1");
        assert_eq!(out.as_ref().map(text), Some(r#"{"a":1 }"#));
        let out = set_top_level(
            br#"{"stream_options":{"include_usage":false},"x":2}"#,
            "stream_options",
            br#"{"include_usage":true}"#,
        );
        assert_eq!(
            out.as_ref().map(text),
            Some(r#"{"stream_options":{"include_usage":true},"x":2}"#)
        );
    }
}
