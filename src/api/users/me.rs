//! `/me`: the caller's own profile and password.

use poem::web::Data;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};

use super::types::{PasswordChange, User};
use crate::accounts::{hash_password, verify_password};
use crate::api::ApiTags;
use crate::api::body::JsonBody;
use crate::api::security::SessionAuth;
use crate::app::AppState;
use crate::error::{GatewayError, Result};

#[derive(ApiResponse)]
enum PasswordChanged {
    /// The password was changed; the user's other sessions were ended.
    #[oai(status = 204)]
    Done,
}

pub struct MeApi;

#[OpenApi(tag = "ApiTags::Users")]
impl MeApi {
    /// The caller's own profile.
    #[oai(path = "/me", method = "get", operation_id = "me_get")]
    async fn me(&self, auth: SessionAuth, state: Data<&AppState>) -> Result<Json<User>> {
        Ok(Json(
            state.user_out(state.user_by_id(auth.0.user_id).await?),
        ))
    }

    /// Change the caller's own password (the old one is required). Other sessions of
    /// the caller end; this one stays.
    #[oai(path = "/me/password", method = "put", operation_id = "me_password")]
    async fn password(
        &self,
        auth: SessionAuth,
        state: Data<&AppState>,
        body: JsonBody<PasswordChange>,
    ) -> Result<PasswordChanged> {
        let user = state.user_by_id(auth.0.user_id).await?;
        let PasswordChange {
            old_password,
            new_password,
        } = body.0;
        let stored = user.password_hash.clone();
        let matches = verify_password(old_password, Some(stored)).await?;
        if !matches {
            return Err(GatewayError::bad_param(
                "old_password",
                "old_password is not the current password",
            ));
        }
        state
            .store
            .set_password(user.id, &hash_password(new_password).await?)
            .await?;
        state
            .store
            .delete_user_sessions(user.id, Some(&auth.0.session_hash))
            .await?;
        state
            .audit(
                &auth.0.username,
                "me_password",
                &format!("user:{}", user.username),
                "password changed".into(),
            )
            .await?;
        Ok(PasswordChanged::Done)
    }
}
