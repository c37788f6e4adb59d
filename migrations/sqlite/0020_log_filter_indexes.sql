-- Indexes for the /logs filters. Each pairs the filtered column with id, so the newest
-- page of a filtered list is read from the index in order and stops after one page.
-- (user_id, id) and (token_id, id) replace (user_id, ts) and (token_id, ts): the usage
-- query reads its raw edges by the ts index.
DROP INDEX idx_request_logs_user_ts;
DROP INDEX idx_request_logs_token_ts;
CREATE INDEX idx_request_logs_user_id ON request_logs(user_id, id);
CREATE INDEX idx_request_logs_token_id ON request_logs(token_id, id);
CREATE INDEX idx_request_logs_provider_id ON request_logs(provider, id);
CREATE INDEX idx_request_logs_requested_model_id ON request_logs(requested_model, id);
CREATE INDEX idx_request_logs_upstream_model_id ON request_logs(upstream_model, id);
CREATE INDEX idx_request_logs_request_type_id ON request_logs(request_type, id);
-- Failed requests only (a few percent of the rows): cheap to keep up to date.
CREATE INDEX idx_request_logs_errors ON request_logs(status, id) WHERE status >= 400;
