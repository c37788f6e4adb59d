-- Key health: a key an admin (or the relay, on a 401/403 answer) disabled is skipped by
-- routing until an admin enables it again. The reason, time and actor are NULL while
-- the key is enabled.
ALTER TABLE provider_keys ADD COLUMN enabled BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE provider_keys ADD COLUMN disabled_reason TEXT;
ALTER TABLE provider_keys ADD COLUMN disabled_at TEXT;
ALTER TABLE provider_keys ADD COLUMN disabled_by TEXT;
