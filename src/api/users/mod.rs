//! `/users` (admin): accounts, roles, model grants, passwords; `me` serves `/me`.

mod balance;
mod me;
mod types;

pub use balance::BalanceApi;
pub use me::MeApi;
use types::{NewUserInput, Role, User, UserUpdate};

use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};

use super::ApiTags;
use super::body::JsonBody;
use super::security::SessionAuth;
use super::types::Deleted;
use crate::accounts::{ModelGrants, ROLE_ADMIN, hash_password};
use crate::app::AppState;
use crate::error::{GatewayError, Result};
use crate::store::{NewUser, UserFields, UserRow};

#[derive(ApiResponse)]
enum UserCreated {
    /// The user was created.
    #[oai(status = 201)]
    Created(Json<User>),
}

fn describe(username: &str, role: &str, enabled: bool, grants: &ModelGrants) -> String {
    format!(
        "username={username} role={role} enabled={enabled} models={:?}",
        grants.as_slice()
    )
}

impl AppState {
    pub(super) async fn user_by_id(&self, id: i64) -> Result<UserRow> {
        self.store
            .get_user(id)
            .await?
            .ok_or_else(|| GatewayError::NotFound(format!("user {id} not found")))
    }

    /// A user as the API shows it, with the live balance (charges not yet flushed
    /// included).
    pub(super) fn user_out(&self, mut row: UserRow) -> User {
        if let Some(balance) = self.ledger.balance(row.id) {
            row.balance = balance;
        }
        row.into()
    }

    /// 409 when `user` is the last enabled admin and would stop being one.
    async fn keep_an_admin(&self, user: &UserRow, still_admin: bool) -> Result<()> {
        let is_enabled_admin = user.role == ROLE_ADMIN && user.enabled;
        if is_enabled_admin && !still_admin && self.store.count_enabled_admins().await? <= 1 {
            return Err(GatewayError::Conflict(format!(
                "`{}` is the last enabled admin; it cannot be deleted, disabled or demoted",
                user.username
            )));
        }
        Ok(())
    }
}

pub struct UserApi;

#[OpenApi(tag = "ApiTags::Users")]
impl UserApi {
    /// Create a user (admin).
    #[oai(path = "/users", method = "post", operation_id = "user_create")]
    async fn create(
        &self,
        auth: SessionAuth,
        state: Data<&AppState>,
        body: JsonBody<NewUserInput>,
    ) -> Result<UserCreated> {
        auth.0.require_admin()?;
        let input = body.0;
        let grants = ModelGrants::from_input(input.models, "models")?;
        let role = input.role.unwrap_or(Role::User).as_str();
        let enabled = input.enabled.unwrap_or(true);
        let user = NewUser {
            display_name: input.display_name.unwrap_or_else(|| input.username.clone()),
            password_hash: hash_password(input.password).await?,
            role: role.to_string(),
            enabled,
            models: grants.to_json(),
            username: input.username,
        };
        let row = state.store.create_user(&user).await?;
        state.ledger.set_balance(row.id, row.balance);
        let summary = describe(&row.username, role, enabled, &grants);
        state
            .audit(
                &auth.0.username,
                "user_create",
                &format!("user:{}", row.username),
                summary,
            )
            .await?;
        state.refresh().await?;
        Ok(UserCreated::Created(Json(state.user_out(row))))
    }

    /// List users (admin).
    #[oai(path = "/users", method = "get", operation_id = "user_list")]
    async fn list(&self, auth: SessionAuth, state: Data<&AppState>) -> Result<Json<Vec<User>>> {
        auth.0.require_admin()?;
        Ok(Json(
            state
                .store
                .list_users()
                .await?
                .into_iter()
                .map(|row| state.user_out(row))
                .collect(),
        ))
    }

    /// Read one user (admin).
    #[oai(path = "/users/:id", method = "get", operation_id = "user_get")]
    async fn get(
        &self,
        auth: SessionAuth,
        state: Data<&AppState>,
        id: Path<i64>,
    ) -> Result<Json<User>> {
        auth.0.require_admin()?;
        Ok(Json(state.user_out(state.user_by_id(id.0).await?)))
    }

    /// Replace a user's settings (admin). Disabling ends their sessions and stops their
    /// tokens at once. The last enabled admin cannot be disabled or demoted (409).
    #[oai(path = "/users/:id", method = "put", operation_id = "user_update")]
    async fn update(
        &self,
        auth: SessionAuth,
        state: Data<&AppState>,
        id: Path<i64>,
        body: JsonBody<UserUpdate>,
    ) -> Result<Json<User>> {
        auth.0.require_admin()?;
        // Held until the write is done: two admins demoting each other cannot both pass.
        let _one_at_a_time = state.user_changes.lock().await;
        let current = state.user_by_id(id.0).await?;
        let input = body.0;
        state
            .keep_an_admin(&current, input.role == Role::Admin && input.enabled)
            .await?;
        let grants = ModelGrants::from_input(input.models, "models")?;
        let password_changed = input.password.is_some();
        let password_hash = match input.password {
            Some(password) => Some(hash_password(password).await?),
            None => None,
        };
        let fields = UserFields {
            display_name: input.display_name.unwrap_or_else(|| input.username.clone()),
            role: input.role.as_str().to_string(),
            enabled: input.enabled,
            models: grants.to_json(),
            password_hash,
            username: input.username,
        };
        let row = state.store.update_user(current.id, &fields).await?;
        if !row.enabled || password_changed {
            state.store.delete_user_sessions(row.id, None).await?;
        }
        let mut summary = describe(&row.username, &fields.role, row.enabled, &grants);
        if password_changed {
            summary.push_str(" password=changed");
        }
        state
            .audit(
                &auth.0.username,
                "user_update",
                &format!("user:{}", current.username),
                summary,
            )
            .await?;
        state.refresh().await?;
        Ok(Json(state.user_out(row)))
    }

    /// Delete a user with their sessions and tokens (admin). The last enabled admin
    /// cannot be deleted (409).
    #[oai(path = "/users/:id", method = "delete", operation_id = "user_delete")]
    async fn delete(
        &self,
        auth: SessionAuth,
        state: Data<&AppState>,
        id: Path<i64>,
    ) -> Result<Json<Deleted>> {
        auth.0.require_admin()?;
        let _one_at_a_time = state.user_changes.lock().await;
        let user = state.user_by_id(id.0).await?;
        state.keep_an_admin(&user, false).await?;
        let tokens = state.store.delete_user(user.id).await?;
        state.ledger.forget_user(user.id);
        for token in &tokens {
            state.ledger.forget_token(token.id);
        }
        let target = format!("user:{}", user.username);
        let removed: Vec<String> = tokens
            .iter()
            .map(|t| format!("token:{} ({})", t.id, t.key_prefix))
            .collect();
        state
            .audit(
                &auth.0.username,
                "user_delete",
                &target,
                format!("tokens removed: {removed:?}"),
            )
            .await?;
        state.refresh().await?;
        Ok(Json(Deleted {
            deleted: target,
            removed,
        }))
    }
}
