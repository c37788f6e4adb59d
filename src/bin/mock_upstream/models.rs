//! The model list: reading `--models-file` and rendering the GET /v1/models body.

use std::path::Path;

use bytes::Bytes;
use serde::Serialize;

/// Fixed `created` stamp of every listed model, so the body is deterministic.
const MODEL_CREATED: u64 = 1_700_000_000;

/// Reads model ids from a file: a JSON array of strings, or one id per line.
pub fn load(path: &Path) -> Result<Vec<String>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|err| format!("cannot read {}: {err}", path.display()))?;
    parse(&text).map_err(|err| format!("{}: {err}", path.display()))
}

fn parse(text: &str) -> Result<Vec<String>, String> {
    let text = text.trim();
    if text.starts_with('[') {
        return serde_json::from_str(text).map_err(|err| format!("invalid JSON array: {err}"));
    }
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(str::to_owned)
        .collect())
}

#[derive(Serialize)]
struct ModelList<'a> {
    object: &'static str,
    data: Vec<Model<'a>>,
}

#[derive(Serialize)]
struct Model<'a> {
    id: &'a str,
    object: &'static str,
    created: u64,
    owned_by: &'static str,
}

/// The OpenAI `list` object for GET /v1/models, rendered once at start-up.
pub fn list_body(ids: &[String]) -> serde_json::Result<Bytes> {
    let data = ids
        .iter()
        .map(|id| Model {
            id,
            object: "model",
            created: MODEL_CREATED,
            owned_by: "mock",
        })
        .collect();
    let list = ModelList {
        object: "list",
        data,
    };
    serde_json::to_vec(&list).map(Bytes::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_json_array_and_lines() {
        assert_eq!(parse(r#" ["a", "b"] "#), Ok(vec!["a".into(), "b".into()]));
        assert_eq!(
            parse("a\n\n  b  \r\nc\n"),
            Ok(vec!["a".into(), "b".into(), "c".into()])
        );
        assert!(parse("[1, 2]").is_err());
    }

    #[test]
    fn renders_openai_list() {
        let body = list_body(&["m1".into()]).map_err(|err| err.to_string());
        let expected = r#"{"object":"list","data":[{"id":"m1","object":"model","created":1700000000,"owned_by":"mock"}]}"#;
        assert_eq!(body, Ok(Bytes::from_static(expected.as_bytes())));
    }
}
