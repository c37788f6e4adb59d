//! The Anthropic error shape `{"type":"error","error":{"type","message"}}`, typed for
//! the OpenAPI document and written by the one function below.

use poem_openapi::Object;
use serde::Serialize;

/// An error in the Anthropic format (`/v1/messages` and its token counting).
#[derive(Debug, Clone, Object, Serialize)]
pub struct AnthropicErrorBody {
    /// Always `error`.
    #[oai(rename = "type")]
    #[serde(rename = "type")]
    pub kind: String,
    pub error: AnthropicErrorDetail,
}

/// Details of one error, as Anthropic reports them.
#[derive(Debug, Clone, Object, Serialize)]
pub struct AnthropicErrorDetail {
    /// Error class, e.g. `invalid_request_error`, `authentication_error`,
    /// `rate_limit_error`, `api_error`.
    #[oai(rename = "type")]
    #[serde(rename = "type")]
    pub kind: String,
    /// Human readable explanation.
    pub message: String,
}

/// Maps an HTTP status to the Anthropic error type.
pub fn error_type(status: u16) -> &'static str {
    match status {
        400 | 413 | 422 => "invalid_request_error",
        401 => "authentication_error",
        402 | 403 => "permission_error",
        404 => "not_found_error",
        429 => "rate_limit_error",
        529 => "overloaded_error",
        _ => "api_error",
    }
}

/// The JSON bytes of an Anthropic error.
pub fn error_body(kind: &str, message: &str) -> Vec<u8> {
    serde_json::to_vec(&AnthropicErrorBody {
        kind: "error".to_string(),
        error: AnthropicErrorDetail {
            kind: kind.to_string(),
            message: message.to_string(),
        },
    })
    .unwrap_or_default()
}
