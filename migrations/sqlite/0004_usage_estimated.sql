-- Marks log rows whose token counts were estimated (the upstream reported no usage).
ALTER TABLE request_logs ADD COLUMN usage_estimated BOOLEAN NOT NULL DEFAULT FALSE;
