-- Billing: prices per model id or pattern, in integer micro-units per 1M tokens, and
-- the cache-write tokens of each request (billed at their own price).
CREATE TABLE prices (
    id BIGSERIAL PRIMARY KEY,
    model TEXT NOT NULL UNIQUE,
    input_price BIGINT NOT NULL,
    output_price BIGINT NOT NULL,
    cached_input_price BIGINT,
    cache_write_price BIGINT,
    free BOOLEAN NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

ALTER TABLE request_logs ADD COLUMN cache_creation_tokens BIGINT NOT NULL DEFAULT 0;
-- What the request held before it ran (the estimate, capped by what was left).
ALTER TABLE request_logs ADD COLUMN reserved BIGINT NOT NULL DEFAULT 0;
CREATE INDEX idx_request_logs_token_ts ON request_logs(token_id, ts);
