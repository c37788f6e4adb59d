//! `/users` (admin) and `/me` (everyone): accounts, roles, model grants, passwords.

use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};

use super::ApiTags;
use super::body::JsonBody;
use super::security::SessionAuth;
use super::types::Deleted;
use crate::accounts::{
    ModelGrants, ROLE_ADMIN, ROLE_USER, hash_password, parse_models, verify_password,
};
use crate::app::AppState;
use crate::error::{GatewayError, Result};
use crate::store::{NewUser, UserFields, UserRow};

/// What a user may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, serde::Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Manages providers, users, prices; sees all logs.
    Admin,
    /// Manages own tokens; sees own logs.
    User,
}

impl Role {
    fn as_str(self) -> &'static str {
        match self {
            Role::Admin => ROLE_ADMIN,
            Role::User => ROLE_USER,
        }
    }
}

/// A new user (admin).
#[derive(Debug, Clone, Object, serde::Deserialize)]
pub struct NewUserInput {
    /// Unique login name: letters, digits, `-`, `_`, `.`, `@`.
    #[oai(validator(pattern = r"^[A-Za-z0-9._@-]{1,64}$"))]
    pub username: String,
    /// Shown name; defaults to the username.
    pub display_name: Option<String>,
    /// At least 8 characters.
    #[oai(validator(min_length = 8, max_length = 256))]
    pub password: String,
    /// Default `user`.
    pub role: Option<Role>,
    /// Default true.
    pub enabled: Option<bool>,
    /// Models the user may use: `provider/model`, `provider/*` or `*`; empty means none.
    #[serde(default)]
    #[oai(default)]
    pub models: Vec<String>,
}

/// A user's settings, replaced as a whole (admin). `password` only when it changes.
#[derive(Debug, Clone, Object, serde::Deserialize)]
pub struct UserUpdate {
    #[oai(validator(pattern = r"^[A-Za-z0-9._@-]{1,64}$"))]
    pub username: String,
    pub display_name: Option<String>,
    /// A new password (at least 8 characters); absent keeps the current one.
    #[oai(validator(min_length = 8, max_length = 256))]
    pub password: Option<String>,
    pub role: Role,
    pub enabled: bool,
    /// Models the user may use; empty means none.
    pub models: Vec<String>,
}

/// A user as shown by the API (never the password).
#[derive(Debug, Clone, Object)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub enabled: bool,
    /// Model grants.
    pub models: Vec<String>,
    /// Balance in micro-units of the configured currency.
    pub balance: i64,
    pub created_at: String,
    pub updated_at: String,
}

impl From<UserRow> for User {
    fn from(row: UserRow) -> Self {
        User {
            role: if row.role == ROLE_ADMIN {
                Role::Admin
            } else {
                Role::User
            },
            models: parse_models(&row.models).as_slice().to_vec(),
            id: row.id,
            username: row.username,
            display_name: row.display_name,
            enabled: row.enabled,
            balance: row.balance,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// A password change by the user themself.
#[derive(Debug, Clone, Object, serde::Deserialize)]
pub struct PasswordChange {
    pub old_password: String,
    #[oai(validator(min_length = 8, max_length = 256))]
    pub new_password: String,
}

#[derive(ApiResponse)]
enum UserCreated {
    /// The user was created.
    #[oai(status = 201)]
    Created(Json<User>),
}

#[derive(ApiResponse)]
enum PasswordChanged {
    /// The password was changed; the user's other sessions were ended.
    #[oai(status = 204)]
    Done,
}

fn describe(username: &str, role: &str, enabled: bool, grants: &ModelGrants) -> String {
    format!(
        "username={username} role={role} enabled={enabled} models={:?}",
        grants.as_slice()
    )
}

impl AppState {
    async fn user_by_id(&self, id: i64) -> Result<UserRow> {
        self.store
            .get_user(id)
            .await?
            .ok_or_else(|| GatewayError::NotFound(format!("user {id} not found")))
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

async fn hash(password: String) -> Result<String> {
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|err| GatewayError::Internal(format!("password hashing failed: {err}")))?
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
            password_hash: hash(input.password).await?,
            role: role.to_string(),
            enabled,
            models: grants.to_json(),
            username: input.username,
        };
        let row = state.store.create_user(&user).await?;
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
        Ok(UserCreated::Created(Json(row.into())))
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
                .map(User::from)
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
        Ok(Json(state.user_by_id(id.0).await?.into()))
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
        let current = state.user_by_id(id.0).await?;
        let input = body.0;
        state
            .keep_an_admin(&current, input.role == Role::Admin && input.enabled)
            .await?;
        let grants = ModelGrants::from_input(input.models, "models")?;
        let password_changed = input.password.is_some();
        let password_hash = match input.password {
            Some(password) => Some(hash(password).await?),
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
        Ok(Json(row.into()))
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
        let user = state.user_by_id(id.0).await?;
        state.keep_an_admin(&user, false).await?;
        let tokens = state.store.delete_user(user.id).await?;
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

    /// The caller's own profile.
    #[oai(path = "/me", method = "get", operation_id = "me_get")]
    async fn me(&self, auth: SessionAuth, state: Data<&AppState>) -> Result<Json<User>> {
        Ok(Json(state.user_by_id(auth.0.user_id).await?.into()))
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
        let matches = tokio::task::spawn_blocking(move || verify_password(&old_password, &stored))
            .await
            .map_err(|err| GatewayError::Internal(format!("password check failed: {err}")))?;
        if !matches {
            return Err(GatewayError::bad_param(
                "old_password",
                "old_password is not the current password",
            ));
        }
        state
            .store
            .set_password(user.id, &hash(new_password).await?)
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
