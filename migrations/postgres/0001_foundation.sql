-- Foundation schema: providers, keys, model cache, users, sessions, audit and request logs.
-- Times: `*_at` / `time` columns are display text in the configured timezone
-- (2025-09-26 15:10:50); `ts` / `*_ts` columns are unix milliseconds for sorting and ranges.

CREATE TABLE providers (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    api_type TEXT NOT NULL,
    base_url TEXT NOT NULL,
    models_path TEXT NOT NULL,
    key_strategy TEXT NOT NULL,
    enabled BOOLEAN NOT NULL,
    priority BIGINT NOT NULL,
    weight BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE provider_keys (
    id BIGSERIAL PRIMARY KEY,
    provider_id BIGINT NOT NULL REFERENCES providers(id),
    key_value TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX idx_provider_keys_provider ON provider_keys(provider_id);

CREATE TABLE models (
    provider_id BIGINT NOT NULL REFERENCES providers(id),
    model_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (provider_id, model_id)
);

CREATE TABLE users (
    id BIGSERIAL PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    enabled BOOLEAN NOT NULL,
    models TEXT NOT NULL,
    balance BIGINT NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    expires_ts BIGINT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX idx_sessions_user ON sessions(user_id);

CREATE TABLE audit_log (
    id BIGSERIAL PRIMARY KEY,
    ts BIGINT NOT NULL,
    time TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    summary TEXT NOT NULL
);
CREATE INDEX idx_audit_ts ON audit_log(ts);
CREATE INDEX idx_audit_action_ts ON audit_log(action, ts);

CREATE TABLE request_logs (
    id BIGSERIAL PRIMARY KEY,
    ts BIGINT NOT NULL,
    time TEXT NOT NULL,
    request_id TEXT NOT NULL,
    request_type TEXT NOT NULL,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    requested_model TEXT,
    upstream_model TEXT,
    provider TEXT,
    provider_key TEXT,
    user_name TEXT,
    token_name TEXT,
    status BIGINT NOT NULL,
    prompt_tokens BIGINT NOT NULL DEFAULT 0,
    completion_tokens BIGINT NOT NULL DEFAULT 0,
    total_tokens BIGINT NOT NULL DEFAULT 0,
    cached_tokens BIGINT NOT NULL DEFAULT 0,
    reasoning_tokens BIGINT NOT NULL DEFAULT 0,
    cost BIGINT NOT NULL DEFAULT 0,
    latency_ms BIGINT NOT NULL,
    ttfb_ms BIGINT,
    error TEXT
);
CREATE INDEX idx_request_logs_ts ON request_logs(ts);
CREATE INDEX idx_request_logs_request_id ON request_logs(request_id);
