-- Indexes no query reads (issue 16): every run wrote their entries, and D1 bills each as a row
-- written. Runs are found by their request through client_requests.pipeline_id, and a client's
-- worker sessions through its requests (idx_worker_sessions_request).
DROP INDEX IF EXISTS idx_executions_request;
DROP INDEX IF EXISTS idx_worker_sessions_client;
