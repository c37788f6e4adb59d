//! Security schemes declared in the OpenAPI document and checked on every call.

use poem::Request;
use poem_openapi::SecurityScheme;
use poem_openapi::auth::Bearer;

use crate::accounts::{Principal, sha256_hex};
use crate::app::{AppState, RequestMeta};
use crate::clock::Clock;
use crate::error::GatewayError;

/// A session token from `POST /auth/login`, sent as `Authorization: Bearer ...`.
#[derive(SecurityScheme)]
#[oai(ty = "bearer", checker = "check_session")]
pub struct SessionAuth(pub Principal);

async fn check_session(req: &Request, bearer: Bearer) -> poem::Result<Principal> {
    let state = req
        .data::<AppState>()
        .ok_or_else(|| GatewayError::Internal("application state missing".into()))?;
    let session_hash = sha256_hex(&bearer.token);
    let user = state
        .store
        .session_user(&session_hash, Clock::now_ms())
        .await?
        .ok_or_else(|| {
            GatewayError::Unauthorized("session is unknown or expired; log in again".into())
        })?;
    if !user.enabled {
        return Err(GatewayError::Unauthorized("this user is disabled".into()).into());
    }
    if let Some(meta) = req.extensions().get::<std::sync::Arc<RequestMeta>>() {
        let _ = meta.user.set(user.username.clone());
    }
    Ok(Principal {
        user_id: user.id,
        username: user.username,
        role: user.role,
        session_hash,
    })
}
