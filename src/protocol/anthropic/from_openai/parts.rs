//! Content parts of one chat message -> Anthropic content blocks (text, images).

use serde_json::{Value, json};

use crate::error::GatewayError;

/// The 400 for content that is neither a string nor a list of parts.
pub(super) fn bad_content(i: usize) -> GatewayError {
    GatewayError::bad_param(
        &format!("messages[{i}].content"),
        format!("messages[{i}].content must be a string or an array of content parts"),
    )
}

/// The content of message `i` (of `role`) as Anthropic blocks; empty text is skipped.
/// Images are allowed in user and tool messages; refusals in assistant messages.
pub(super) fn content_blocks(
    i: usize,
    content: Option<&Value>,
    role: &str,
) -> Result<Vec<Value>, GatewayError> {
    let parts = match content {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::String(text)) if text.is_empty() => return Ok(Vec::new()),
        Some(Value::String(text)) => return Ok(vec![json!({"type": "text", "text": text})]),
        Some(Value::Array(parts)) => parts,
        Some(_) => return Err(bad_content(i)),
    };
    let mut blocks = Vec::with_capacity(parts.len());
    for (j, part) in parts.iter().enumerate() {
        let field = format!("messages[{i}].content[{j}]");
        let kind = part.get("type").and_then(Value::as_str).unwrap_or("");
        let block = match (kind, role) {
            ("text", _) | ("refusal", "assistant") => {
                let text = part.get(kind).and_then(Value::as_str).ok_or_else(|| {
                    GatewayError::bad_param(
                        &format!("{field}.{kind}"),
                        format!("{field}.{kind} must be a string"),
                    )
                })?;
                if text.is_empty() {
                    continue;
                }
                json!({"type": "text", "text": text})
            }
            ("image_url", "user" | "tool") => image_block(&field, part)?,
            _ => {
                return Err(GatewayError::bad_param(
                    &format!("{field}.type"),
                    format!(
                        "content part type '{kind}' ({field}) is not supported in {role} messages by the Anthropic upstream"
                    ),
                ));
            }
        };
        blocks.push(with_cache_control(block, part));
    }
    Ok(blocks)
}

/// Copies a part's `cache_control` (an extension some clients send) onto its block.
fn with_cache_control(mut block: Value, part: &Value) -> Value {
    if let (Some(cache), Some(map)) = (part.get("cache_control"), block.as_object_mut()) {
        map.insert("cache_control".into(), cache.clone());
    }
    block
}

/// `image_url` part -> `image` block with a base64 or URL source.
fn image_block(field: &str, part: &Value) -> Result<Value, GatewayError> {
    let url_field = format!("{field}.image_url.url");
    let url = match part.get("image_url") {
        Some(Value::String(url)) => Some(url.as_str()),
        Some(object) => object.get("url").and_then(Value::as_str),
        None => None,
    };
    let url =
        url.ok_or_else(|| GatewayError::bad_param(&url_field, format!("{url_field} is missing")))?;
    if let Some(rest) = url.strip_prefix("data:") {
        let (meta, data) = rest.split_once(',').unwrap_or((rest, ""));
        let mut params = meta.split(';');
        let media_type = params.next().unwrap_or("").to_ascii_lowercase();
        if !params.any(|p| p == "base64") || data.is_empty() {
            return Err(GatewayError::bad_param(
                &url_field,
                format!("{url_field}: only base64 data URLs are supported"),
            ));
        }
        let media_type = match media_type.as_str() {
            "image/jpg" | "image/jpeg" => "image/jpeg",
            "image/png" => "image/png",
            "image/gif" => "image/gif",
            "image/webp" => "image/webp",
            other => {
                return Err(GatewayError::bad_param(
                    &url_field,
                    format!(
                        "{url_field}: image type '{other}' is not supported (jpeg, png, gif, webp are)"
                    ),
                ));
            }
        };
        let source = json!({"type": "base64", "media_type": media_type, "data": data});
        return Ok(json!({"type": "image", "source": source}));
    }
    if url.starts_with("https://") || url.starts_with("http://") {
        return Ok(json!({"type": "image", "source": {"type": "url", "url": url}}));
    }
    Err(GatewayError::bad_param(
        &url_field,
        format!("{url_field} must be a base64 data URL or an http(s) URL"),
    ))
}
