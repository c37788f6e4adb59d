//! The HTTP surface, typed with poem-openapi: control-plane endpoint groups (auth,
//! providers, keys, models, audit, logs) and the data plane (`/v1/*`). Endpoints only:
//! the work happens in the modules they call.

mod audit;
mod auth;
mod body;
mod keys;
mod logs;
mod models;
mod providers;
mod relay;
mod security;
mod types;

use poem::{Endpoint, Route};
use poem_openapi::OpenApiService;

pub use security::SessionAuth;

/// Tags that group endpoints in Swagger UI.
#[derive(poem_openapi::Tags)]
pub enum ApiTags {
    /// Log in and out.
    Auth,
    /// Upstream providers (admin).
    Providers,
    /// Provider API keys (admin).
    Keys,
    /// Upstream model discovery and the model cache (admin).
    Models,
    /// Audit log and request logs.
    Logs,
    /// OpenAI-compatible data plane.
    Relay,
}

type Apis = (
    auth::AuthApi,
    providers::ProviderApi,
    keys::KeyApi,
    models::ModelApi,
    audit::AuditApi,
    logs::LogApi,
    relay::RelayApi,
);

fn service() -> OpenApiService<Apis, ()> {
    OpenApiService::new(
        (
            auth::AuthApi,
            providers::ProviderApi,
            keys::KeyApi,
            models::ModelApi,
            audit::AuditApi,
            logs::LogApi,
            relay::RelayApi,
        ),
        "gateway",
        env!("CARGO_PKG_VERSION"),
    )
    .description(
        "AI API gateway: OpenAI- and Anthropic-compatible relay with provider key pools, \
         routing, request logs and accounts. Every error body has the OpenAI shape \
         `{\"error\": {\"message\", \"type\", \"code\", \"param\"}}`.",
    )
}

/// The OpenAPI document as pretty JSON (what `gateway openapi` prints).
pub fn openapi_json() -> String {
    service().spec()
}

/// All routes: the API, Swagger UI at `/docs`, the document at `/openapi.json`.
pub fn routes() -> impl Endpoint {
    let service = service();
    let ui = service.swagger_ui();
    let spec = service.spec_endpoint();
    Route::new()
        .nest("/docs", ui)
        .at("/openapi.json", spec)
        .nest("/", service)
}
