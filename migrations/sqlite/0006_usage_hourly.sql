-- Hourly usage rollup, kept by the log writer in the same transaction as the log rows,
-- so usage over months answers without scanning every request. b0..b15 count requests
-- per latency bucket (upper bounds 25, 50, 100, 200, 300, 500, 750, 1000, 1500, 2000,
-- 3000, 5000, 10000, 20000, 60000 ms, then the rest) for percentiles.
CREATE TABLE usage_hourly (
    hour BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    token_id BIGINT NOT NULL,
    provider TEXT NOT NULL,
    model TEXT NOT NULL,
    user_name TEXT NOT NULL,
    token_name TEXT NOT NULL,
    requests BIGINT NOT NULL,
    prompt_tokens BIGINT NOT NULL,
    completion_tokens BIGINT NOT NULL,
    cached_tokens BIGINT NOT NULL,
    cache_creation_tokens BIGINT NOT NULL,
    reasoning_tokens BIGINT NOT NULL,
    total_tokens BIGINT NOT NULL,
    cost BIGINT NOT NULL,
    errors BIGINT NOT NULL,
    b0 BIGINT NOT NULL, b1 BIGINT NOT NULL, b2 BIGINT NOT NULL, b3 BIGINT NOT NULL,
    b4 BIGINT NOT NULL, b5 BIGINT NOT NULL, b6 BIGINT NOT NULL, b7 BIGINT NOT NULL,
    b8 BIGINT NOT NULL, b9 BIGINT NOT NULL, b10 BIGINT NOT NULL, b11 BIGINT NOT NULL,
    b12 BIGINT NOT NULL, b13 BIGINT NOT NULL, b14 BIGINT NOT NULL, b15 BIGINT NOT NULL,
    PRIMARY KEY (hour, user_id, token_id, provider, model)
);
CREATE INDEX idx_usage_hourly_user ON usage_hourly(user_id, hour);

-- Rows logged before this migration.
INSERT INTO usage_hourly
SELECT ts / 3600000 * 3600000, user_id, token_id, COALESCE(provider, ''),
    COALESCE(upstream_model, ''), COALESCE(MAX(user_name), ''), COALESCE(MAX(token_name), ''),
    COUNT(*), SUM(prompt_tokens), SUM(completion_tokens), SUM(cached_tokens),
    SUM(cache_creation_tokens), SUM(reasoning_tokens), SUM(total_tokens), SUM(cost),
    SUM(CASE WHEN status >= 400 THEN 1 ELSE 0 END),
    SUM(CASE WHEN latency_ms < 25 THEN 1 ELSE 0 END),
    SUM(CASE WHEN latency_ms >= 25 AND latency_ms < 50 THEN 1 ELSE 0 END),
    SUM(CASE WHEN latency_ms >= 50 AND latency_ms < 100 THEN 1 ELSE 0 END),
    SUM(CASE WHEN latency_ms >= 100 AND latency_ms < 200 THEN 1 ELSE 0 END),
    SUM(CASE WHEN latency_ms >= 200 AND latency_ms < 300 THEN 1 ELSE 0 END),
    SUM(CASE WHEN latency_ms >= 300 AND latency_ms < 500 THEN 1 ELSE 0 END),
    SUM(CASE WHEN latency_ms >= 500 AND latency_ms < 750 THEN 1 ELSE 0 END),
    SUM(CASE WHEN latency_ms >= 750 AND latency_ms < 1000 THEN 1 ELSE 0 END),
    SUM(CASE WHEN latency_ms >= 1000 AND latency_ms < 1500 THEN 1 ELSE 0 END),
    SUM(CASE WHEN latency_ms >= 1500 AND latency_ms < 2000 THEN 1 ELSE 0 END),
    SUM(CASE WHEN latency_ms >= 2000 AND latency_ms < 3000 THEN 1 ELSE 0 END),
    SUM(CASE WHEN latency_ms >= 3000 AND latency_ms < 5000 THEN 1 ELSE 0 END),
    SUM(CASE WHEN latency_ms >= 5000 AND latency_ms < 10000 THEN 1 ELSE 0 END),
    SUM(CASE WHEN latency_ms >= 10000 AND latency_ms < 20000 THEN 1 ELSE 0 END),
    SUM(CASE WHEN latency_ms >= 20000 AND latency_ms < 60000 THEN 1 ELSE 0 END),
    SUM(CASE WHEN latency_ms >= 60000 THEN 1 ELSE 0 END)
FROM request_logs
WHERE token_id IS NOT NULL AND user_id IS NOT NULL
GROUP BY ts / 3600000 * 3600000, user_id, token_id, COALESCE(provider, ''), COALESCE(upstream_model, '');
