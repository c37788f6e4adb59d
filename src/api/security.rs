//! Security schemes declared in the OpenAPI document and checked on every call:
//! `SessionAuth` (control plane, from `POST /auth/login`) and `TokenAuth` (`/v1/*`, a
//! gateway `sk-` token as `Authorization: Bearer` or `x-api-key`).

use std::sync::Arc;

use poem::{Request, RequestBody};
use poem_openapi::auth::Bearer;
use poem_openapi::registry::{MetaSecurityScheme, Registry};
use poem_openapi::{ApiExtractor, ApiExtractorType, ExtractParamOptions, SecurityScheme};

use crate::accounts::{Principal, sha256_hex};
use crate::app::{AppState, Caller, RequestMeta};
use crate::clock::Clock;
use crate::error::GatewayError;
use crate::snapshot::TokenEntry;

/// A session token from `POST /auth/login`, sent as `Authorization: Bearer ...`.
#[derive(SecurityScheme)]
#[oai(ty = "bearer", checker = "check_session")]
pub struct SessionAuth(pub Principal);

fn app_state(req: &Request) -> Result<&AppState, GatewayError> {
    req.data::<AppState>()
        .ok_or_else(|| GatewayError::Internal("application state missing".into()))
}

/// Records who is calling, for the request log row.
pub(super) fn note_caller(req: &Request, caller: Caller) {
    if let Some(meta) = req.extensions().get::<Arc<RequestMeta>>() {
        let _ = meta.caller.set(caller);
    }
}

async fn check_session(req: &Request, bearer: Bearer) -> poem::Result<Principal> {
    let state = app_state(req)?;
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
    note_caller(
        req,
        Caller {
            user_id: user.id,
            username: user.username.clone(),
            token: None,
        },
    );
    Ok(Principal {
        user_id: user.id,
        username: user.username,
        role: user.role,
        session_hash,
    })
}

/// A gateway token (`sk-...`), checked against the in-memory index: no database query.
pub struct TokenAuth(pub Arc<TokenEntry>);

const TOKEN_BEARER: &str = "TokenBearer";
const TOKEN_API_KEY: &str = "TokenApiKey";

/// The key a client sent: `x-api-key`, else `Authorization: Bearer`.
fn presented_key(req: &Request) -> Option<&str> {
    if let Some(key) = req
        .header("x-api-key")
        .map(str::trim)
        .filter(|k| !k.is_empty())
    {
        return Some(key);
    }
    let auth = req.header("authorization")?.trim();
    let (scheme, key) = auth.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| key.trim())
        .filter(|k| !k.is_empty())
}

/// Finds and checks a token; each failure has its own message.
pub fn check_token(state: &AppState, key: Option<&str>) -> Result<Arc<TokenEntry>, GatewayError> {
    let key = key.ok_or_else(|| {
        GatewayError::Unauthorized(
            "missing API key: send `Authorization: Bearer sk-...` or `x-api-key: sk-...`".into(),
        )
    })?;
    let entry = state
        .snapshot
        .load()
        .tokens
        .get(&sha256_hex(key))
        .cloned()
        .ok_or_else(|| GatewayError::Unauthorized("invalid API key".into()))?;
    if !entry.enabled {
        return Err(GatewayError::Unauthorized(
            "this API key is disabled".into(),
        ));
    }
    if !entry.user_enabled {
        return Err(GatewayError::Unauthorized(
            "the owner of this API key is disabled".into(),
        ));
    }
    if entry.expires_ms.is_some_and(|at| at <= Clock::now_ms()) {
        return Err(GatewayError::Unauthorized(
            "this API key has expired".into(),
        ));
    }
    if state.ledger.exhausted(entry.id) {
        return Err(GatewayError::QuotaExhausted(
            "token quota exhausted: this API key has used up its quota".into(),
        ));
    }
    Ok(entry)
}

impl<'a> ApiExtractor<'a> for TokenAuth {
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::SecurityScheme];

    type ParamType = ();
    type ParamRawType = ();

    fn register(registry: &mut Registry) {
        registry.create_security_scheme(
            TOKEN_BEARER,
            MetaSecurityScheme {
                ty: "http",
                description: Some("A gateway token: `Authorization: Bearer sk-...`."),
                name: None,
                key_in: None,
                scheme: Some("bearer"),
                bearer_format: None,
                flows: None,
                openid_connect_url: None,
            },
        );
        registry.create_security_scheme(
            TOKEN_API_KEY,
            MetaSecurityScheme {
                ty: "apiKey",
                description: Some("A gateway token: `x-api-key: sk-...` (Anthropic clients)."),
                name: Some("x-api-key"),
                key_in: Some("header"),
                scheme: None,
                bearer_format: None,
                flows: None,
                openid_connect_url: None,
            },
        );
    }

    fn security_schemes() -> Vec<&'static str> {
        vec![TOKEN_BEARER, TOKEN_API_KEY]
    }

    async fn from_request(
        req: &'a Request,
        _body: &mut RequestBody,
        _param_opts: ExtractParamOptions<Self::ParamType>,
    ) -> poem::Result<Self> {
        let state = app_state(req)?;
        let entry = check_token(state, presented_key(req))?;
        state.last_used.record(entry.id);
        note_caller(
            req,
            Caller {
                user_id: entry.user_id,
                username: entry.username.clone(),
                token: Some((entry.id, entry.name.clone())),
            },
        );
        Ok(TokenAuth(entry))
    }
}
