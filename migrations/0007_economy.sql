-- The learned economy estimator, and the AI analysis of requests.
-- The size of each attempt's input (feeds, articles, elements…: the worker's estimate() units),
-- so cost and duration can be learned per worker as a function of input size.
ALTER TABLE worker_execution_results ADD COLUMN input_units INTEGER CHECK (input_units IS NULL OR input_units >= 0);

-- What the estimator predicted for each run, made before the run started, so every finished
-- pipeline can be scored (predicted against actual). Keyed by pipeline id without a foreign key:
-- the prediction is written before the actor registers the run.
CREATE TABLE pipeline_estimates (
  pipeline_id            TEXT PRIMARY KEY,
  template_name          TEXT NOT NULL,
  client_id              TEXT NOT NULL,
  predicted_cost_micros  INTEGER NOT NULL CHECK (predicted_cost_micros >= 0),
  predicted_duration_ms  INTEGER NOT NULL CHECK (predicted_duration_ms >= 0),
  -- Cost and duration before the template's learned calibration (median actual / raw over recent runs).
  raw_cost_micros        INTEGER NOT NULL CHECK (raw_cost_micros >= 0),
  raw_duration_ms        INTEGER NOT NULL CHECK (raw_duration_ms >= 0),
  cost_low_micros        INTEGER NOT NULL CHECK (cost_low_micros >= 0),
  cost_high_micros       INTEGER NOT NULL CHECK (cost_high_micros >= cost_low_micros),
  basis                  TEXT NOT NULL CHECK (basis IN ('registry', 'thin_history', 'history')),
  history_runs           INTEGER NOT NULL CHECK (history_runs >= 0),
  created_at             TEXT NOT NULL
) STRICT;
CREATE INDEX idx_pipeline_estimates_created ON pipeline_estimates (created_at DESC);
-- The estimator reads the latest completed runs of a template, and the latest sized executions
-- of a worker, without sorting the whole history.
CREATE INDEX idx_executions_template_status_completed ON pipeline_executions (template_name, status, completed_at DESC);
CREATE INDEX idx_worker_results_sized ON worker_execution_results (worker_name, completed_at DESC)
  WHERE success = 1 AND input_units IS NOT NULL;
-- The daily cost_tracking rebuild reads the last days' executions.
CREATE INDEX idx_worker_results_completed ON worker_execution_results (completed_at);

-- What the AI read in a request's message (topic, intent, urgency, sentiment, keywords), beside
-- processed_request (the cleaned message); used again when a template is recommended.
ALTER TABLE client_requests ADD COLUMN request_analysis TEXT CHECK (request_analysis IS NULL OR json_valid(request_analysis));
