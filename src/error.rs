//! `GatewayError`: the one error type, and its single mapping to an HTTP status and an
//! OpenAI-style JSON body `{"error": {"message", "type", "code", "param"}}`.

use poem::http::StatusCode;

use crate::protocol::ClientProtocol;
use poem::{IntoResponse, Response};
use poem_openapi::error::{ParseParamError, ParsePathError};
use poem_openapi::registry::{MetaMediaType, MetaResponse, MetaResponses, MetaSchemaRef, Registry};
use poem_openapi::{ApiResponse, Object, types::Type};

/// Every failure the gateway can report, on the control plane and the data plane.
#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    /// The client sent something we cannot accept; `param` names the offending field.
    #[error("{message}")]
    BadRequest {
        message: String,
        param: Option<String>,
    },
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    /// The request line and headers are over `server.max_header_bytes` (431).
    #[error("{0}")]
    HeadersTooLarge(String),
    #[error("{0}")]
    TooManyRequests(String),
    /// The user's balance is used up (402).
    #[error("{0}")]
    InsufficientBalance(String),
    /// The token's quota is used up (429).
    #[error("{0}")]
    QuotaExhausted(String),
    /// The upstream answered with an error status; its own message is kept.
    #[error("upstream returned {status}: {message}")]
    Upstream { status: u16, message: String },
    /// The upstream could not be reached (connection refused, DNS, TLS, reset).
    #[error("{0}")]
    BadGateway(String),
    #[error("{0}")]
    GatewayTimeout(String),
    #[error("{0}")]
    Unavailable(String),
    /// A configuration file is wrong; the process stops with exit code 2.
    #[error("{0}")]
    Config(String),
    /// The database cannot be reached or is overloaded right now (503, try again).
    #[error("database unavailable: {0}")]
    DatabaseUnavailable(sqlx::Error),
    #[error("database error: {0}")]
    Database(sqlx::Error),
    #[error("{0}")]
    Internal(String),
}

impl From<sqlx::Error> for GatewayError {
    fn from(err: sqlx::Error) -> Self {
        if crate::store::unavailable(&err) {
            GatewayError::DatabaseUnavailable(err)
        } else {
            GatewayError::Database(err)
        }
    }
}

impl From<sqlx::migrate::MigrateError> for GatewayError {
    fn from(err: sqlx::migrate::MigrateError) -> Self {
        GatewayError::Internal(format!("database migration failed: {err}"))
    }
}

impl From<std::io::Error> for GatewayError {
    fn from(err: std::io::Error) -> Self {
        GatewayError::Internal(format!("i/o error: {err}"))
    }
}

impl GatewayError {
    pub fn bad_request(message: impl Into<String>) -> Self {
        GatewayError::BadRequest {
            message: message.into(),
            param: None,
        }
    }

    pub fn bad_param(param: &str, message: impl Into<String>) -> Self {
        GatewayError::BadRequest {
            message: message.into(),
            param: Some(param.to_string()),
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            GatewayError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            GatewayError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            GatewayError::Forbidden(_) => StatusCode::FORBIDDEN,
            GatewayError::NotFound(_) => StatusCode::NOT_FOUND,
            GatewayError::Conflict(_) => StatusCode::CONFLICT,
            GatewayError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            GatewayError::HeadersTooLarge(_) => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            GatewayError::TooManyRequests(_) | GatewayError::QuotaExhausted(_) => {
                StatusCode::TOO_MANY_REQUESTS
            }
            GatewayError::InsufficientBalance(_) => StatusCode::PAYMENT_REQUIRED,
            GatewayError::Upstream { status, .. } => {
                StatusCode::from_u16(*status).unwrap_or(StatusCode::BAD_GATEWAY)
            }
            GatewayError::BadGateway(_) => StatusCode::BAD_GATEWAY,
            GatewayError::GatewayTimeout(_) => StatusCode::GATEWAY_TIMEOUT,
            GatewayError::Unavailable(_) | GatewayError::DatabaseUnavailable(_) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            GatewayError::Config(_) | GatewayError::Database(_) | GatewayError::Internal(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }

    /// The OpenAI `error.type` value; also the low-cardinality label in logs.
    pub fn kind(&self) -> &'static str {
        match self {
            GatewayError::BadRequest { .. }
            | GatewayError::PayloadTooLarge(_)
            | GatewayError::HeadersTooLarge(_) => "invalid_request_error",
            GatewayError::Unauthorized(_) => "authentication_error",
            GatewayError::Forbidden(_) => "permission_error",
            GatewayError::NotFound(_) => "not_found_error",
            GatewayError::Conflict(_) => "conflict_error",
            GatewayError::TooManyRequests(_) => "rate_limit_error",
            GatewayError::InsufficientBalance(_) => "insufficient_balance",
            GatewayError::QuotaExhausted(_) => "insufficient_quota",
            GatewayError::Upstream { .. } => "upstream_error",
            GatewayError::BadGateway(_) => "bad_gateway",
            GatewayError::GatewayTimeout(_) => "timeout_error",
            GatewayError::Unavailable(_) | GatewayError::DatabaseUnavailable(_) => {
                "service_unavailable"
            }
            GatewayError::Config(_) | GatewayError::Database(_) | GatewayError::Internal(_) => {
                "server_error"
            }
        }
    }

    /// The message shown to the client; internal details stay in the console log.
    pub fn public_message(&self) -> String {
        match self {
            GatewayError::Database(_) | GatewayError::Internal(_) | GatewayError::Config(_) => {
                "internal server error".to_string()
            }
            GatewayError::DatabaseUnavailable(_) => {
                "the database is unavailable; try again shortly".to_string()
            }
            GatewayError::Upstream { message, .. } => message.clone(),
            other => other.to_string(),
        }
    }

    pub fn body(&self) -> ErrorBody {
        let param = match self {
            GatewayError::BadRequest { param, .. } => param.clone(),
            _ => None,
        };
        ErrorBody::new(self.public_message(), self.kind(), param)
    }
}

/// The OpenAI error envelope.
#[derive(Debug, Clone, Object, serde::Serialize)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// Details of one error, as OpenAI reports them.
#[derive(Debug, Clone, Object, serde::Serialize)]
pub struct ErrorDetail {
    /// Human readable explanation.
    pub message: String,
    /// Error class, e.g. `invalid_request_error`, `authentication_error`.
    #[oai(rename = "type")]
    #[serde(rename = "type")]
    pub kind: String,
    /// Machine readable code (same as the type here).
    #[oai(nullable)]
    pub code: Option<String>,
    /// The request field the error is about, when there is one.
    #[oai(nullable)]
    pub param: Option<String>,
}

impl ErrorBody {
    pub fn new(message: String, kind: &str, param: Option<String>) -> Self {
        ErrorBody {
            error: ErrorDetail {
                message,
                kind: kind.to_string(),
                code: Some(kind.to_string()),
                param,
            },
        }
    }

    pub fn into_response(self, status: StatusCode) -> Response {
        let body = serde_json::to_vec(&self).unwrap_or_default();
        Response::builder()
            .status(status)
            .content_type("application/json; charset=utf-8")
            .body(body)
    }
}

impl poem::error::ResponseError for GatewayError {
    fn status(&self) -> StatusCode {
        GatewayError::status(self)
    }

    fn as_response(&self) -> Response {
        self.body().into_response(self.status())
    }
}

impl IntoResponse for GatewayError {
    fn into_response(self) -> Response {
        poem::error::ResponseError::as_response(&self)
    }
}

impl ApiResponse for GatewayError {
    fn meta() -> MetaResponses {
        error_responses(
            "application/json; charset=utf-8",
            ErrorBody::schema_ref(),
            OPENAI_ERRORS,
        )
    }

    fn register(registry: &mut Registry) {
        ErrorBody::register(registry);
    }
}

/// Descriptions of the `4XX` and `5XX` answers in the OpenAI error format.
pub const OPENAI_ERRORS: [&str; 2] = [
    "Client error in the OpenAI error format (400 bad input, 401 not authenticated, 403 \
     forbidden, 404 not found, 409 conflict, 413 too large, 402 insufficient balance, 429 \
     too many requests or token quota exhausted)",
    "Server or upstream error in the OpenAI error format (502 upstream unreachable or \
     failed, 503 unavailable, 504 upstream timeout)",
];

/// The documented `4XX` and `5XX` answers with the error body of one client protocol.
pub fn error_responses(
    content_type: &'static str,
    schema: MetaSchemaRef,
    [client, server]: [&'static str; 2],
) -> MetaResponses {
    let error_range = |range: &str, description: &'static str| MetaResponse {
        description,
        status: None,
        status_range: Some(range.to_string()),
        content: vec![MetaMediaType {
            content_type,
            schema: schema.clone(),
        }],
        headers: vec![],
    };
    MetaResponses {
        responses: vec![error_range("4XX", client), error_range("5XX", server)],
    }
}

impl GatewayError {
    /// The Anthropic error shape, for `/v1/messages` clients.
    pub fn anthropic_response(&self) -> Response {
        anthropic_error(self.status(), &self.public_message())
    }
}

/// `{"type":"error","error":{"type","message"}}` with the Anthropic error type of `status`.
pub fn anthropic_error(status: StatusCode, message: &str) -> Response {
    let kind = crate::protocol::anthropic::error_type(status.as_u16());
    Response::builder()
        .status(status)
        .content_type("application/json")
        .body(crate::protocol::anthropic::error_body(kind, message))
}

/// Turns any framework error (parameter parse errors, unknown route, wrong method, auth)
/// into the OpenAI error format (the Anthropic one for `anthropic` clients), keeping the status
/// the framework chose.
pub fn error_response(err: &poem::Error, anthropic: bool) -> Response {
    let protocol = if anthropic {
        ClientProtocol::Anthropic
    } else {
        ClientProtocol::OpenAi
    };
    if let Some(gateway_error) = err.downcast_ref::<GatewayError>() {
        return protocol.error_response(gateway_error);
    }
    if let Some(parse) = err.downcast_ref::<ParseParamError>() {
        let name = parse.name;
        let message = format!("parameter `{name}` is invalid: {}", parse.reason);
        return protocol.error_response(&GatewayError::bad_param(name, message));
    }
    // poem-openapi names path parameters `param0`...: the reason alone is meaningful.
    if let Some(parse) = err.downcast_ref::<ParsePathError>() {
        let message = format!("invalid path parameter: {}", parse.reason);
        return protocol.error_response(&GatewayError::bad_request(message));
    }
    let status = err.status();
    let kind = match status {
        StatusCode::UNAUTHORIZED => "authentication_error",
        StatusCode::NOT_FOUND => "not_found_error",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::PAYLOAD_TOO_LARGE => "invalid_request_error",
        s if s.is_server_error() => "server_error",
        _ => "invalid_request_error",
    };
    let message = match status {
        StatusCode::NOT_FOUND => "unknown route".to_string(),
        StatusCode::METHOD_NOT_ALLOWED => "method not allowed for this route".to_string(),
        StatusCode::UNAUTHORIZED => "authentication required".to_string(),
        _ => err.to_string(),
    };
    if anthropic {
        return anthropic_error(status, &message);
    }
    ErrorBody::new(message, kind, None).into_response(status)
}

pub type Result<T, E = GatewayError> = std::result::Result<T, E>;
