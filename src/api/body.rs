//! `JsonBody<T>`: a JSON request body documented with `T`'s schema, whose parse errors
//! name the offending field (poem-openapi's own messages do not for missing fields or
//! wrong types), as `400 invalid_request_error` with `param` set. Request objects deny
//! unknown fields, so a misspelled field is an error, not a silent default.

use bytes::{Bytes, BytesMut};
use futures_util::TryStreamExt;
use poem::{Request, RequestBody};
use poem_openapi::impl_apirequest_for_payload;
use poem_openapi::payload::{Json, ParsePayload, Payload};
use poem_openapi::registry::{MetaSchemaRef, Registry};
use poem_openapi::types::{ParseFromJSON, Type};
use serde::de::DeserializeOwned;

use crate::app::AppState;
use crate::error::GatewayError;

/// A typed JSON request body.
pub struct JsonBody<T>(pub T);

impl<T: Type> Payload for JsonBody<T> {
    const CONTENT_TYPE: &'static str = "application/json; charset=utf-8";

    fn check_content_type(content_type: &str) -> bool {
        Json::<T>::check_content_type(content_type)
    }

    fn schema_ref() -> MetaSchemaRef {
        T::schema_ref()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

impl<T: ParseFromJSON + DeserializeOwned> ParsePayload for JsonBody<T> {
    const IS_REQUIRED: bool = true;

    async fn from_request(request: &Request, body: &mut RequestBody) -> poem::Result<Self> {
        let bytes = read_limited(request, body).await?;
        parse_json(&bytes).map(JsonBody).map_err(Into::into)
    }
}

impl_apirequest_for_payload!(JsonBody<T>, T: ParseFromJSON + DeserializeOwned);

/// Parses and validates. serde reads first (strict types, where poem-openapi would
/// turn `12` into `"12"` for a text field; unknown fields), and its path-aware message
/// names the field; then poem-openapi applies the validators (length, pattern, range).
pub fn parse_json<T: ParseFromJSON + DeserializeOwned>(bytes: &[u8]) -> Result<T, GatewayError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(GatewayError::bad_request(
            "request body is empty; a JSON object is expected",
        ));
    }
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|err| {
        GatewayError::bad_request(format!("request body is not valid JSON: {err}"))
    })?;
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    if let Err(err) = serde_path_to_error::deserialize::<_, T>(&mut deserializer) {
        let path = err.path().to_string();
        let inner = err.into_inner().to_string();
        let param = quoted_after(&inner, "missing field `")
            .or_else(|| quoted_after(&inner, "unknown field `"))
            .unwrap_or(path);
        let param = if param == "." { String::new() } else { param };
        let message = if param.is_empty() || inner.contains(&format!("`{param}`")) {
            format!("invalid request body: {inner}")
        } else {
            format!("invalid request body: field `{param}`: {inner}")
        };
        return Err(GatewayError::BadRequest {
            message,
            param: Some(param).filter(|p| !p.is_empty()),
        });
    }
    T::parse_from_json(Some(value)).map_err(|poem_error| {
        // Types are fine, so a validator failed; its message names the field.
        let message = poem_error.into_message();
        let param = message
            .split_once("field `")
            .and_then(|(_, rest)| rest.split_once('`'))
            .map(|(field, _)| field.to_string());
        let detail = message
            .split_once("\": ")
            .map_or(message.as_str(), |(_, detail)| detail);
        GatewayError::BadRequest {
            message: format!("invalid request body: {detail}"),
            param,
        }
    })
}

/// `missing field `x`` (with `prefix` = "missing field `") -> `x`.
fn quoted_after(message: &str, prefix: &str) -> Option<String> {
    let rest = message.strip_prefix(prefix)?;
    rest.split('`').next().map(str::to_string)
}

/// Reads the whole request body, failing with 413 as soon as it passes the configured
/// `server.max_body_bytes` (whether or not a Content-Length was sent).
pub async fn read_limited(
    request: &Request,
    body: &mut RequestBody,
) -> Result<Bytes, GatewayError> {
    let max = request
        .data::<AppState>()
        .map_or(usize::MAX, |state| state.config.max_body_bytes);
    let too_large =
        || GatewayError::PayloadTooLarge(format!("request body is larger than {max} bytes"));
    let declared = request
        .header("content-length")
        .and_then(|value| value.parse::<usize>().ok());
    if declared.is_some_and(|len| len > max) {
        return Err(too_large());
    }
    let body = body
        .take()
        .map_err(|_| GatewayError::bad_request("request body was already read"))?;
    let mut stream = body.into_bytes_stream();
    let mut buffer = BytesMut::with_capacity(declared.unwrap_or(0).min(max));
    while let Some(chunk) = stream
        .try_next()
        .await
        .map_err(|err| GatewayError::bad_request(format!("cannot read the request body: {err}")))?
    {
        if buffer.len() + chunk.len() > max {
            return Err(too_large());
        }
        buffer.extend_from_slice(&chunk);
    }
    Ok(buffer.freeze())
}
