//! The HTTP surface, typed with poem-openapi: control-plane endpoint groups (auth,
//! providers, keys, models, audit, logs) and the data plane (`/v1/*`). Endpoints only:
//! the work happens in the modules they call.

mod allow;
mod audit;
mod auth;
mod body;
mod document;
mod health;
mod keys;
mod logs;
mod models;
mod prices;
mod providers;
mod query;
mod relay;
mod security;
mod tokens;
mod types;
mod usage;
mod users;

use poem::{Endpoint, EndpointExt, Route};
use poem_openapi::{LicenseObject, OpenApiService, ServerObject};

pub use allow::allowed_methods;
pub use document::openapi_json;
pub use security::SessionAuth;

/// Tags that group endpoints in Swagger UI.
#[derive(poem_openapi::Tags)]
pub enum ApiTags {
    /// Log in and out.
    Auth,
    /// Users and the caller's own profile.
    Users,
    /// Gateway tokens (`sk-...`) that clients send to `/v1`.
    Tokens,
    /// Upstream providers (admin).
    Providers,
    /// Provider API keys (admin).
    Keys,
    /// Upstream model discovery and the model cache (admin).
    Models,
    /// Prices, balances and usage.
    Billing,
    /// Audit log and request logs.
    Logs,
    /// OpenAI- and Anthropic-compatible data plane.
    Relay,
    /// Health, readiness and metrics.
    Operations,
}

type Apis = (
    auth::AuthApi,
    users::UserApi,
    users::MeApi,
    users::BalanceApi,
    tokens::TokenApi,
    providers::ProviderApi,
    keys::KeyApi,
    models::ModelApi,
    prices::PriceApi,
    audit::AuditApi,
    logs::LogApi,
    usage::UsageApi,
    relay::RelayApi,
    health::HealthApi,
);

fn service() -> OpenApiService<Apis, ()> {
    OpenApiService::new(
        (
            auth::AuthApi,
            users::UserApi,
            users::MeApi,
            users::BalanceApi,
            tokens::TokenApi,
            providers::ProviderApi,
            keys::KeyApi,
            models::ModelApi,
            prices::PriceApi,
            audit::AuditApi,
            logs::LogApi,
            usage::UsageApi,
            relay::RelayApi,
            health::HealthApi,
        ),
        "gateway",
        env!("CARGO_PKG_VERSION"),
    )
    .server(
        ServerObject::new("/")
            .description("This gateway: paths are relative to where the document is served."),
    )
    .license(LicenseObject::new("MIT").url("https://opensource.org/licenses/MIT"))
    .description(
        "AI API gateway: OpenAI- and Anthropic-compatible relay with provider key pools, \
         routing, request logs and accounts. Every error body has the OpenAI shape \
         `{\"error\": {\"message\", \"type\", \"code\", \"param\"}}`. Request bodies \
         reject unknown fields; empty query parameters (`from=`) count as absent.",
    )
}

/// All routes: the API, Swagger UI at `/docs`, the document at `/openapi.json`.
pub fn routes() -> impl Endpoint {
    let service = service();
    let ui = service.swagger_ui();
    let document = openapi_json();
    let spec = poem::endpoint::make_sync(move |_| {
        poem::Response::builder()
            .content_type("application/json; charset=utf-8")
            .body(document.clone())
    });
    Route::new()
        .nest("/docs", ui)
        .at("/openapi.json", spec)
        .nest("/", service)
        .before(|req| async move { Ok(relay::encode_model_id(query::drop_empty_params(req))) })
}
