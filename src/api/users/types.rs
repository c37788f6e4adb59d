//! Request and response types of the user endpoints.

use poem_openapi::{Enum, Object};

use crate::accounts::{ROLE_ADMIN, ROLE_USER, parse_models};
use crate::store::UserRow;

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
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => ROLE_ADMIN,
            Role::User => ROLE_USER,
        }
    }
}

/// A new user (admin).
#[derive(Debug, Clone, Object, serde::Deserialize)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct NewUserInput {
    /// Unique login name: letters, digits, `-`, `_`, `.`, `@`.
    #[oai(validator(pattern = r"^[A-Za-z0-9._@-]{1,64}$"))]
    pub username: String,
    /// Shown name; defaults to the username.
    #[oai(nullable)]
    pub display_name: Option<String>,
    /// At least 8 characters.
    #[oai(validator(min_length = 8, max_length = 256))]
    pub password: String,
    /// Default `user`.
    pub role: Option<Role>,
    /// Default true.
    #[oai(nullable)]
    pub enabled: Option<bool>,
    /// Models the user may use: `provider/model`, `provider/*` or `*`; empty means none.
    #[serde(default)]
    #[oai(default)]
    pub models: Vec<String>,
}

/// A user's settings, replaced as a whole (admin). `password` only when it changes.
#[derive(Debug, Clone, Object, serde::Deserialize)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct UserUpdate {
    #[oai(validator(pattern = r"^[A-Za-z0-9._@-]{1,64}$"))]
    pub username: String,
    #[oai(nullable)]
    pub display_name: Option<String>,
    /// A new password (at least 8 characters); absent keeps the current one.
    #[oai(validator(min_length = 8, max_length = 256))]
    #[oai(nullable)]
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
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub old_password: String,
    #[oai(validator(min_length = 8, max_length = 256))]
    pub new_password: String,
}
