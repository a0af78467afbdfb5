-- Orchestrator catalog: worker registry, pipeline templates and steps, execution history,
-- daily cost aggregates, deliverables and the RSS librarian's source catalog.

CREATE TABLE worker_registry (
  worker_name               TEXT PRIMARY KEY CHECK (worker_name GLOB '[a-z]*' AND worker_name NOT GLOB '*[^a-z0-9_-]*'),
  display_name              TEXT NOT NULL,
  description               TEXT NOT NULL DEFAULT '',
  -- builtin: a named entrypoint of this script; external: an HTTP(S) endpoint implementing /api/execute.
  kind                      TEXT NOT NULL CHECK (kind IN ('builtin', 'external')),
  binding                   TEXT,
  endpoint                  TEXT,
  input_format              TEXT NOT NULL,
  output_format             TEXT NOT NULL,
  capabilities              TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(capabilities) AND json_type(capabilities) = 'array'),
  cost_per_execution_micros INTEGER NOT NULL DEFAULT 0 CHECK (cost_per_execution_micros >= 0),
  avg_execution_time_ms     INTEGER NOT NULL DEFAULT 1000 CHECK (avg_execution_time_ms >= 0),
  max_concurrent            INTEGER NOT NULL DEFAULT 4 CHECK (max_concurrent BETWEEN 1 AND 1000),
  queue_limit               INTEGER NOT NULL DEFAULT 100 CHECK (queue_limit BETWEEN 0 AND 100000),
  lease_ttl_ms              INTEGER NOT NULL DEFAULT 60000 CHECK (lease_ttl_ms BETWEEN 1000 AND 3600000),
  timeout_ms                INTEGER NOT NULL DEFAULT 30000 CHECK (timeout_ms BETWEEN 100 AND 900000),
  is_active                 INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
  created_at                TEXT NOT NULL,
  updated_at                TEXT NOT NULL,
  CHECK ((kind = 'builtin' AND binding IS NOT NULL AND endpoint IS NULL)
      OR (kind = 'external' AND endpoint IS NOT NULL AND binding IS NULL
          AND (endpoint LIKE 'https://%' OR endpoint LIKE 'http://%')))
) STRICT;

CREATE TABLE pipeline_templates (
  name                  TEXT PRIMARY KEY CHECK (name GLOB '[a-z]*' AND name NOT GLOB '*[^a-z0-9_]*'),
  display_name          TEXT NOT NULL,
  description           TEXT NOT NULL DEFAULT '',
  category              TEXT NOT NULL DEFAULT 'general',
  complexity_level      TEXT NOT NULL CHECK (complexity_level IN ('simple', 'moderate', 'advanced')),
  version               INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
  allowed_tiers         TEXT NOT NULL CHECK (json_valid(allowed_tiers) AND json_type(allowed_tiers) = 'array'),
  keyword_triggers      TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(keyword_triggers) AND json_type(keyword_triggers) = 'array'),
  estimated_duration_ms INTEGER NOT NULL DEFAULT 0 CHECK (estimated_duration_ms >= 0),
  estimated_cost_micros INTEGER NOT NULL DEFAULT 0 CHECK (estimated_cost_micros >= 0),
  is_active             INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
  created_at            TEXT NOT NULL,
  updated_at            TEXT NOT NULL
) STRICT;

CREATE TABLE pipeline_steps (
  template_name    TEXT NOT NULL REFERENCES pipeline_templates (name) ON DELETE CASCADE,
  step_id          TEXT NOT NULL CHECK (step_id GLOB '[a-z]*' AND step_id NOT GLOB '*[^a-z0-9_]*'),
  step_order       INTEGER NOT NULL CHECK (step_order >= 1),
  worker_name      TEXT NOT NULL REFERENCES worker_registry (worker_name),
  -- JSON array of step_ids this step waits for.
  depends_on       TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(depends_on) AND json_type(depends_on) = 'array'),
  -- JSON objects: worker input field -> path ($.inputs.topic, $.steps.librarian.sources).
  input_mapping    TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(input_mapping) AND json_type(input_mapping) = 'object'),
  output_mapping   TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(output_mapping) AND json_type(output_mapping) = 'object'),
  -- JSON condition on earlier outputs, or NULL to always run.
  condition        TEXT CHECK (condition IS NULL OR json_valid(condition)),
  fallback_workers TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(fallback_workers) AND json_type(fallback_workers) = 'array'),
  is_optional      INTEGER NOT NULL DEFAULT 0 CHECK (is_optional IN (0, 1)),
  timeout_ms       INTEGER CHECK (timeout_ms IS NULL OR timeout_ms BETWEEN 100 AND 900000),
  -- JSON object: max_attempts, base_ms, cap_ms.
  retry_policy     TEXT CHECK (retry_policy IS NULL OR (json_valid(retry_policy) AND json_type(retry_policy) = 'object')),
  PRIMARY KEY (template_name, step_id),
  UNIQUE (template_name, step_order)
) STRICT;
CREATE INDEX idx_pipeline_steps_worker ON pipeline_steps (worker_name);

CREATE TABLE pipeline_executions (
  pipeline_id             TEXT PRIMARY KEY,
  template_name           TEXT NOT NULL,
  client_id               TEXT NOT NULL REFERENCES clients (client_id) ON DELETE CASCADE,
  request_id              TEXT,
  topic                   TEXT,
  status                  TEXT NOT NULL
                          CHECK (status IN ('pending', 'processing', 'completed', 'partial', 'failed', 'cancelled')),
  parameters              TEXT CHECK (parameters IS NULL OR json_valid(parameters)),
  total_cost_micros       INTEGER NOT NULL DEFAULT 0 CHECK (total_cost_micros >= 0),
  total_execution_time_ms INTEGER NOT NULL DEFAULT 0 CHECK (total_execution_time_ms >= 0),
  steps_total             INTEGER NOT NULL DEFAULT 0,
  steps_succeeded         INTEGER NOT NULL DEFAULT 0,
  steps_failed            INTEGER NOT NULL DEFAULT 0,
  failure_reason          TEXT,
  result_ref              TEXT,
  bytes_through_actor     INTEGER,
  payload_bytes           INTEGER,
  created_at              TEXT NOT NULL,
  started_at              TEXT,
  completed_at            TEXT,
  UNIQUE (pipeline_id, client_id),
  -- A pipeline run for a request belongs to that request's client.
  FOREIGN KEY (request_id, client_id) REFERENCES client_requests (request_id, client_id)
) STRICT;
CREATE INDEX idx_executions_client_created ON pipeline_executions (client_id, created_at DESC);
CREATE INDEX idx_executions_status_created ON pipeline_executions (status, created_at DESC);
CREATE INDEX idx_executions_template_created ON pipeline_executions (template_name, created_at DESC);
CREATE INDEX idx_executions_request ON pipeline_executions (request_id);

CREATE TABLE worker_execution_results (
  -- <pipeline_id>:<step_id>:<attempt>, the effect's idempotency key.
  result_id         TEXT PRIMARY KEY,
  pipeline_id       TEXT NOT NULL REFERENCES pipeline_executions (pipeline_id) ON DELETE CASCADE,
  step_id           TEXT NOT NULL,
  worker_name       TEXT NOT NULL,
  attempt           INTEGER NOT NULL CHECK (attempt >= 1),
  success           INTEGER NOT NULL CHECK (success IN (0, 1)),
  output_ref        TEXT,
  output_data       TEXT CHECK (output_data IS NULL OR json_valid(output_data)),
  error_code        TEXT,
  error_message     TEXT,
  execution_time_ms INTEGER NOT NULL DEFAULT 0 CHECK (execution_time_ms >= 0),
  cost_micros       INTEGER NOT NULL DEFAULT 0 CHECK (cost_micros >= 0),
  tokens_input      INTEGER NOT NULL DEFAULT 0 CHECK (tokens_input >= 0),
  tokens_output     INTEGER NOT NULL DEFAULT 0 CHECK (tokens_output >= 0),
  started_at        TEXT,
  completed_at      TEXT
) STRICT;
CREATE INDEX idx_worker_results_pipeline ON worker_execution_results (pipeline_id, step_id);
CREATE INDEX idx_worker_results_worker ON worker_execution_results (worker_name, completed_at DESC);

CREATE TABLE cost_tracking (
  date                    TEXT NOT NULL CHECK (date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
  client_id               TEXT NOT NULL REFERENCES clients (client_id) ON DELETE CASCADE,
  template_name           TEXT NOT NULL,
  worker_name             TEXT NOT NULL,
  executions              INTEGER NOT NULL DEFAULT 0 CHECK (executions >= 0),
  total_cost_micros       INTEGER NOT NULL DEFAULT 0 CHECK (total_cost_micros >= 0),
  total_tokens_input      INTEGER NOT NULL DEFAULT 0,
  total_tokens_output     INTEGER NOT NULL DEFAULT 0,
  total_execution_time_ms INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (date, client_id, template_name, worker_name)
) STRICT;
CREATE INDEX idx_cost_tracking_client_date ON cost_tracking (client_id, date);

CREATE TABLE deliverables (
  deliverable_id   TEXT PRIMARY KEY,
  pipeline_id      TEXT NOT NULL,
  client_id        TEXT NOT NULL REFERENCES clients (client_id) ON DELETE CASCADE,
  request_id       TEXT,
  name             TEXT NOT NULL,
  content_type     TEXT NOT NULL,
  file_size_bytes  INTEGER NOT NULL CHECK (file_size_bytes >= 0),
  checksum         TEXT NOT NULL,
  storage_location TEXT NOT NULL,
  storage_backend  TEXT NOT NULL CHECK (storage_backend IN ('R2', 'KV', 'D1')),
  compressed       INTEGER NOT NULL DEFAULT 0 CHECK (compressed IN (0, 1)),
  encrypted        INTEGER NOT NULL DEFAULT 0 CHECK (encrypted IN (0, 1)),
  access_level     TEXT NOT NULL DEFAULT 'private' CHECK (access_level IN ('private', 'client_shared', 'public')),
  deliverable_type TEXT NOT NULL CHECK (deliverable_type IN ('report', 'dataset', 'analysis', 'visualization', 'course', 'content')),
  format           TEXT NOT NULL CHECK (format IN ('json', 'pdf', 'csv', 'html', 'xlsx', 'md')),
  language         TEXT NOT NULL DEFAULT 'en',
  quality_score    REAL CHECK (quality_score IS NULL OR quality_score BETWEEN 0 AND 1),
  retention_days   INTEGER NOT NULL DEFAULT 30 CHECK (retention_days >= 1),
  expires_at       TEXT,
  created_at       TEXT NOT NULL,
  last_accessed    TEXT,
  download_count   INTEGER NOT NULL DEFAULT 0 CHECK (download_count >= 0),
  -- A deliverable belongs to its pipeline's (and request's) client, never another's.
  FOREIGN KEY (pipeline_id, client_id) REFERENCES pipeline_executions (pipeline_id, client_id) ON DELETE CASCADE,
  FOREIGN KEY (request_id, client_id) REFERENCES client_requests (request_id, client_id)
) STRICT;
CREATE INDEX idx_deliverables_client_created ON deliverables (client_id, created_at DESC);
CREATE INDEX idx_deliverables_pipeline ON deliverables (pipeline_id);
CREATE INDEX idx_deliverables_expires ON deliverables (expires_at) WHERE expires_at IS NOT NULL;

CREATE TABLE rss_sources (
  source_id       TEXT PRIMARY KEY,
  url             TEXT NOT NULL UNIQUE CHECK (url LIKE 'http://%' OR url LIKE 'https://%'),
  domain          TEXT NOT NULL,
  title           TEXT NOT NULL,
  description     TEXT NOT NULL DEFAULT '',
  -- JSON array of lower-case topic keywords the librarian matches against.
  topics          TEXT NOT NULL CHECK (json_valid(topics) AND json_type(topics) = 'array'),
  quality_score   REAL NOT NULL CHECK (quality_score BETWEEN 0 AND 1),
  language        TEXT NOT NULL DEFAULT 'en',
  feed_format     TEXT NOT NULL DEFAULT 'unknown' CHECK (feed_format IN ('rss2', 'atom', 'rss1', 'unknown')),
  discovered_by   TEXT NOT NULL DEFAULT 'seed' CHECK (discovered_by IN ('seed', 'topic_researcher', 'admin')),
  is_active       INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
  last_fetched_at TEXT,
  created_at      TEXT NOT NULL,
  updated_at      TEXT NOT NULL
) STRICT;
CREATE INDEX idx_rss_sources_domain ON rss_sources (domain);
CREATE INDEX idx_rss_sources_active_quality ON rss_sources (is_active, quality_score DESC);
