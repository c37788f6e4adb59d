-- Gateway tokens (the sk- keys clients send): only a SHA-256 hash and a display prefix
-- are stored. Request logs gain the ids of the user and token that made the call.

CREATE TABLE tokens (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    key_prefix TEXT NOT NULL,
    models TEXT NOT NULL,
    quota_limit BIGINT,
    quota_used BIGINT NOT NULL DEFAULT 0,
    expires_ts BIGINT,
    expires_at TEXT,
    enabled BOOLEAN NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    last_used_ts BIGINT,
    last_used_at TEXT
);
CREATE INDEX idx_tokens_user ON tokens(user_id);

ALTER TABLE request_logs ADD COLUMN user_id BIGINT;
ALTER TABLE request_logs ADD COLUMN token_id BIGINT;
CREATE INDEX idx_request_logs_user_ts ON request_logs(user_id, ts);
