-- Per-provider overrides of the upstream timeouts (NULL: the config file's value).
ALTER TABLE providers ADD COLUMN first_byte_timeout_ms BIGINT;
ALTER TABLE providers ADD COLUMN idle_timeout_ms BIGINT;
ALTER TABLE providers ADD COLUMN total_timeout_ms BIGINT;
