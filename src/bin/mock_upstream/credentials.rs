//! Credentials: the key a request carries, the check against `--key`, the 401 answers,
//! and the request headers every response reports back (`x-mock-key`, ...).

use poem::Response;
use poem::http::StatusCode;
use poem::http::header::{AUTHORIZATION, HeaderMap, HeaderName, HeaderValue};

use crate::reply::{self, Dialect};

const X_MOCK_KEY: HeaderName = HeaderName::from_static("x-mock-key");
const X_MOCK_TRACEPARENT: HeaderName = HeaderName::from_static("x-mock-traceparent");
/// Names of every request header received, sorted and comma-separated.
const X_MOCK_HEADERS: HeaderName = HeaderName::from_static("x-mock-headers");
const TRACEPARENT: HeaderName = HeaderName::from_static("traceparent");
const X_API_KEY: HeaderName = HeaderName::from_static("x-api-key");
const ANTHROPIC_VERSION: HeaderName = HeaderName::from_static("anthropic-version");

/// OpenAI endpoints take `Authorization: Bearer KEY`; Anthropic ones `x-api-key: KEY`
/// plus an `anthropic-version` header. Any non-empty key passes when `keys` is empty.
pub fn authorize(keys: &[String], dialect: Dialect, headers: &HeaderMap) -> Result<(), Denied> {
    let key = request_key(dialect, headers)
        .filter(|key| !key.is_empty())
        .ok_or(Denied::NoKey)?;
    if !keys.is_empty() && !keys.iter().any(|known| known.as_bytes() == key) {
        return Err(Denied::WrongKey);
    }
    if dialect == Dialect::Anthropic && !headers.contains_key(ANTHROPIC_VERSION) {
        return Err(Denied::NoVersion);
    }
    Ok(())
}

/// Why a request was turned away before its body was read.
pub enum Denied {
    NoKey,
    WrongKey,
    NoVersion,
}

impl Denied {
    pub fn response(self, dialect: Dialect) -> Response {
        let message = match (self, dialect) {
            (Self::NoKey, Dialect::OpenAi) => {
                "You didn't provide an API key (Authorization: Bearer KEY)."
            }
            (Self::NoKey, Dialect::Anthropic) => "x-api-key header is required",
            (Self::WrongKey, Dialect::OpenAi) => "Incorrect API key provided.",
            (Self::WrongKey, Dialect::Anthropic) => "invalid x-api-key",
            (Self::NoVersion, _) => {
                return reply::bad_request(dialect, "anthropic-version: header is required");
            }
        };
        reply::error(dialect, StatusCode::UNAUTHORIZED, None, message)
    }
}

/// The request headers that every response reports back.
pub struct EchoedHeaders {
    pub key: HeaderValue,
    traceparent: Option<HeaderValue>,
    names: HeaderValue,
}

impl EchoedHeaders {
    /// The key is read from the header the endpoint's dialect uses, falling back to the
    /// other one, so a test can see what was sent even when it was sent wrongly.
    pub fn capture(headers: &HeaderMap, dialect: Option<Dialect>) -> Self {
        let api_key = || headers.get(X_API_KEY).map(HeaderValue::as_bytes);
        let key = match dialect {
            Some(Dialect::Anthropic) => api_key().or_else(|| bearer(headers)),
            _ => bearer(headers).or_else(api_key),
        };
        let key = key
            .and_then(|key| HeaderValue::from_bytes(key).ok())
            .unwrap_or(HeaderValue::from_static(""));
        let mut names: Vec<&str> = headers.keys().map(HeaderName::as_str).collect();
        names.sort_unstable();
        Self {
            key,
            traceparent: headers.get(TRACEPARENT).cloned(),
            names: HeaderValue::from_str(&names.join(",")).unwrap_or(HeaderValue::from_static("")),
        }
    }

    pub fn apply(self, headers: &mut HeaderMap) {
        headers.insert(X_MOCK_KEY, self.key);
        headers.insert(X_MOCK_HEADERS, self.names);
        if let Some(traceparent) = self.traceparent {
            headers.insert(X_MOCK_TRACEPARENT, traceparent);
        }
    }
}

/// The key a request of this dialect carries: Bearer (OpenAI) or `x-api-key` (Anthropic).
pub fn request_key(dialect: Dialect, headers: &HeaderMap) -> Option<&[u8]> {
    match dialect {
        Dialect::OpenAi => bearer(headers),
        Dialect::Anthropic => headers.get(X_API_KEY).map(HeaderValue::as_bytes),
    }
}

/// The KEY of an `Authorization: Bearer KEY` header (scheme case-insensitive).
pub fn bearer(headers: &HeaderMap) -> Option<&[u8]> {
    let value = headers.get(AUTHORIZATION)?.as_bytes();
    let (scheme, key) = value.split_at_checked(7)?;
    scheme
        .eq_ignore_ascii_case(b"bearer ")
        .then(|| key.trim_ascii())
}
