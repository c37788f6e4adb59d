-- One row per request id, so a batch written twice (a retry after a commit whose answer
-- was lost, the journal replayed after a crash) is kept once and charged once. Rows that
-- already share an id keep it on the oldest row; the others get the suffix -dup-<row id>.
UPDATE request_logs SET request_id = request_id || '-dup-' || CAST(id AS TEXT)
WHERE id NOT IN (SELECT MIN(id) FROM request_logs GROUP BY request_id);
DROP INDEX idx_request_logs_request_id;
CREATE UNIQUE INDEX idx_request_logs_request_id ON request_logs(request_id);
