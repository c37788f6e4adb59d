//! `/auth/login` and `/auth/logout`: bearer sessions for the control plane.

use poem::web::Data;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::ApiTags;
use super::body::JsonBody;
use super::security::{SessionAuth, note_caller};
use crate::accounts::{Refused, random_alphanumeric, sha256_hex, verify_password};
use crate::app::{AppState, Caller};
use crate::clock::Clock;
use crate::error::{GatewayError, Result};

/// Credentials.
#[derive(Debug, Clone, Object, serde::Deserialize)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
#[oai(example)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

impl poem_openapi::types::Example for LoginRequest {
    fn example() -> Self {
        LoginRequest {
            username: "admin".into(),
            password: "change-me".into(),
        }
    }
}

/// A new session.
#[derive(Debug, Clone, Object)]
pub struct Session {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// When the session ends, display timezone.
    pub expires_at: String,
    pub username: String,
    /// `admin` or `user`.
    pub role: String,
}

#[derive(ApiResponse)]
enum LoggedOut {
    /// The session was revoked.
    #[oai(status = 204)]
    Done,
}

pub struct AuthApi;

#[OpenApi(tag = "ApiTags::Auth")]
impl AuthApi {
    /// Log in with username and password; returns a bearer session token. One client
    /// address may try `security.login_attempts_per_minute` times a minute (default
    /// 20), one username 5 times a minute; more tries get 429 before any password check.
    #[oai(path = "/auth/login", method = "post", operation_id = "auth_login")]
    async fn login(
        &self,
        state: Data<&AppState>,
        req: &poem::Request,
        body: JsonBody<LoginRequest>,
    ) -> Result<Json<Session>> {
        let denied = || GatewayError::Unauthorized("invalid username or password".into());
        let username = body.0.username.trim().to_string();
        let address = req.remote_addr().as_socket_addr().map(|a| a.ip());
        state
            .limiter
            .attempt(address, &username)
            .map_err(|refused| {
                GatewayError::TooManyRequests(match refused {
                    Refused::Address { seconds } => format!(
                        "too many login attempts from this address; try again in {seconds} seconds"
                    ),
                    Refused::Username { seconds } => format!(
                        "too many login attempts for this user; try again in {seconds} seconds"
                    ),
                })
            })?;
        let user = state.store.get_user_by_name(&username).await?;
        // Unknown users are checked against a dummy hash: both answers take as long.
        let hash = user.as_ref().map(|u| u.password_hash.clone());
        let verified = verify_password(body.0.password, hash).await?;
        let Some(user) = user.filter(|u| verified && u.enabled) else {
            return Err(denied());
        };
        note_caller(
            req,
            Caller {
                user_id: user.id,
                username: user.username.clone(),
                token: None,
            },
        );
        let token = format!("sess-{}", random_alphanumeric(40));
        let ttl_ms = i64::try_from(state.config.session_ttl.as_millis()).unwrap_or(i64::MAX);
        let expires_ms = Clock::now_ms().saturating_add(ttl_ms);
        state
            .store
            .create_session(&sha256_hex(&token), user.id, expires_ms)
            .await?;
        Ok(Json(Session {
            token,
            token_type: "Bearer".into(),
            expires_at: state.clock.format_ms(expires_ms),
            username: user.username,
            role: user.role,
        }))
    }

    /// Revoke the current session.
    #[oai(path = "/auth/logout", method = "post", operation_id = "auth_logout")]
    async fn logout(&self, auth: SessionAuth, state: Data<&AppState>) -> Result<LoggedOut> {
        state.store.delete_session(&auth.0.session_hash).await?;
        Ok(LoggedOut::Done)
    }
}
