-- KAM (key account manager) catalog: clients, users, sessions, API keys, requests, the
-- template cache and its parameters, and the per-worker sessions of each request.
-- Money is integer micro-USD (*_micros); timestamps are ISO-8601 UTC text. Every table is
-- STRICT, so SQLite refuses a value of the wrong type (a REAL or TEXT amount) outright.

CREATE TABLE clients (
  client_id                        TEXT PRIMARY KEY,
  company_name                     TEXT NOT NULL CHECK (length(company_name) BETWEEN 1 AND 200),
  contact_email                    TEXT NOT NULL UNIQUE COLLATE NOCASE,
  contact_name                     TEXT,
  phone                            TEXT,
  website                          TEXT,
  industry                         TEXT,
  company_size                     TEXT,
  subscription_tier                TEXT NOT NULL DEFAULT 'basic'
                                   CHECK (subscription_tier IN ('basic', 'standard', 'premium', 'enterprise')),
  account_status                   TEXT NOT NULL DEFAULT 'active'
                                   CHECK (account_status IN ('trial', 'active', 'suspended', 'cancelled')),
  monthly_budget_micros            INTEGER NOT NULL DEFAULT 0 CHECK (monthly_budget_micros >= 0),
  -- Mirrored from the ClientLedger actor for reporting; the ledger is the source of truth.
  used_budget_current_month_micros INTEGER NOT NULL DEFAULT 0 CHECK (used_budget_current_month_micros >= 0),
  budget_period                    TEXT CHECK (budget_period IS NULL OR (budget_period GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]'
                                                                        AND substr(budget_period, 6, 2) BETWEEN '01' AND '12')),
  address                          TEXT CHECK (address IS NULL OR json_valid(address)),
  created_at                       TEXT NOT NULL,
  updated_at                       TEXT NOT NULL
) STRICT;
CREATE INDEX idx_clients_tier_status ON clients (subscription_tier, account_status);

CREATE TABLE users (
  user_id       TEXT PRIMARY KEY,
  email         TEXT NOT NULL UNIQUE COLLATE NOCASE,
  full_name     TEXT,
  -- pbkdf2-sha256$<iterations>$<salt b64url>$<hash b64url>
  password_hash TEXT NOT NULL CHECK (password_hash LIKE 'pbkdf2-sha256$%'),
  role          TEXT NOT NULL CHECK (role IN ('admin', 'client', 'support')),
  client_id     TEXT REFERENCES clients (client_id) ON DELETE CASCADE,
  status        TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
  last_login_at TEXT,
  created_at    TEXT NOT NULL,
  updated_at    TEXT NOT NULL,
  -- A client user always belongs to a client; staff never do.
  CHECK ((role = 'client') = (client_id IS NOT NULL))
) STRICT;
CREATE INDEX idx_users_client ON users (client_id);

CREATE TABLE sessions (
  session_id   TEXT PRIMARY KEY,
  -- SHA-256 of the bearer token; the token itself is never stored.
  token_hash   TEXT NOT NULL UNIQUE,
  user_id      TEXT NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
  created_at   TEXT NOT NULL,
  expires_at   TEXT NOT NULL,
  revoked_at   TEXT,
  last_seen_at TEXT,
  ip_address   TEXT,
  user_agent   TEXT
) STRICT;
CREATE INDEX idx_sessions_user ON sessions (user_id);
CREATE INDEX idx_sessions_expires ON sessions (expires_at);

CREATE TABLE api_keys (
  key_id       TEXT PRIMARY KEY,
  client_id    TEXT NOT NULL REFERENCES clients (client_id) ON DELETE CASCADE,
  name         TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  -- The readable, non-secret part of the key (aif_<prefix>_<secret>): shown in lists, used to find the row.
  key_prefix   TEXT NOT NULL UNIQUE,
  -- SHA-256 hex of the whole key; compared in constant time.
  key_hash     TEXT NOT NULL,
  created_by   TEXT REFERENCES users (user_id) ON DELETE SET NULL,
  created_at   TEXT NOT NULL,
  last_used_at TEXT,
  revoked_at   TEXT
) STRICT;
CREATE INDEX idx_api_keys_client ON api_keys (client_id, created_at DESC);

CREATE TABLE pipeline_template_cache (
  template_name          TEXT PRIMARY KEY,
  display_name           TEXT NOT NULL,
  description            TEXT NOT NULL DEFAULT '',
  category               TEXT NOT NULL DEFAULT 'general',
  complexity_level       TEXT NOT NULL DEFAULT 'moderate' CHECK (complexity_level IN ('simple', 'moderate', 'advanced')),
  -- JSON array of the steps as the orchestrator defines them (step_id, worker, dependencies).
  worker_flow            TEXT NOT NULL CHECK (json_valid(worker_flow) AND json_type(worker_flow) = 'array'),
  allowed_tiers          TEXT NOT NULL CHECK (json_valid(allowed_tiers) AND json_type(allowed_tiers) = 'array'),
  keyword_triggers       TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(keyword_triggers) AND json_type(keyword_triggers) = 'array'),
  estimated_duration_ms  INTEGER NOT NULL DEFAULT 0 CHECK (estimated_duration_ms >= 0),
  estimated_cost_micros  INTEGER NOT NULL DEFAULT 0 CHECK (estimated_cost_micros >= 0),
  is_active              INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
  synced_at              TEXT NOT NULL
) STRICT;

CREATE TABLE template_parameters (
  parameter_id     INTEGER PRIMARY KEY AUTOINCREMENT,
  template_name    TEXT NOT NULL REFERENCES pipeline_template_cache (template_name) ON DELETE CASCADE,
  parameter_name   TEXT NOT NULL CHECK (parameter_name GLOB '[a-z]*' AND parameter_name NOT GLOB '*[^a-z0-9_]*'),
  display_name     TEXT NOT NULL,
  description      TEXT NOT NULL DEFAULT '',
  parameter_type   TEXT NOT NULL CHECK (parameter_type IN ('text', 'number', 'select', 'boolean', 'file', 'array')),
  is_required      INTEGER NOT NULL DEFAULT 0 CHECK (is_required IN (0, 1)),
  default_value    TEXT CHECK (default_value IS NULL OR json_valid(default_value)),
  -- For select: JSON array of allowed values.
  options          TEXT CHECK (options IS NULL OR (json_valid(options) AND json_type(options) = 'array')),
  -- JSON object: min, max, min_length, max_length, pattern, max_items.
  validation_rules TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(validation_rules) AND json_type(validation_rules) = 'object'),
  available_tiers  TEXT NOT NULL CHECK (json_valid(available_tiers) AND json_type(available_tiers) = 'array'),
  editable_tiers   TEXT NOT NULL CHECK (json_valid(editable_tiers) AND json_type(editable_tiers) = 'array'),
  display_order    INTEGER NOT NULL DEFAULT 0,
  UNIQUE (template_name, parameter_name)
) STRICT;

CREATE TABLE client_requests (
  request_id               TEXT PRIMARY KEY,
  client_id                TEXT NOT NULL REFERENCES clients (client_id) ON DELETE CASCADE,
  request_type             TEXT NOT NULL
                           CHECK (request_type IN ('pipeline_execution', 'information_request', 'support_request')),
  original_message         TEXT NOT NULL,
  processed_request        TEXT,
  urgency_level            TEXT NOT NULL DEFAULT 'medium' CHECK (urgency_level IN ('low', 'medium', 'high', 'critical')),
  communication_id         TEXT,
  request_status           TEXT NOT NULL DEFAULT 'pending'
                           CHECK (request_status IN ('pending', 'processing', 'completed', 'failed')),
  selected_template        TEXT,
  template_parameters      TEXT CHECK (template_parameters IS NULL OR json_valid(template_parameters)),
  orchestrator_pipeline_id TEXT UNIQUE,
  estimated_cost_micros    INTEGER CHECK (estimated_cost_micros IS NULL OR estimated_cost_micros >= 0),
  actual_cost_micros       INTEGER CHECK (actual_cost_micros IS NULL OR actual_cost_micros >= 0),
  failure_reason           TEXT,
  created_by               TEXT NOT NULL,
  created_at               TEXT NOT NULL,
  updated_at               TEXT NOT NULL,
  started_processing_at    TEXT,
  completed_at             TEXT,
  -- Target of the composite foreign keys that keep child rows in their request's tenant.
  UNIQUE (request_id, client_id)
) STRICT;
CREATE INDEX idx_requests_client_created ON client_requests (client_id, created_at DESC);
CREATE INDEX idx_requests_status_created ON client_requests (request_status, created_at DESC);
CREATE INDEX idx_requests_template ON client_requests (selected_template, created_at DESC);

CREATE TABLE pipeline_worker_sessions (
  -- <pipeline_id>:<step_id>, so a repeated history write is a no-op.
  session_id           TEXT PRIMARY KEY,
  request_id           TEXT,
  pipeline_id          TEXT NOT NULL,
  client_id            TEXT NOT NULL REFERENCES clients (client_id) ON DELETE CASCADE,
  step_id              TEXT NOT NULL,
  worker_name          TEXT NOT NULL,
  step_order           INTEGER NOT NULL DEFAULT 0,
  started_at           TEXT,
  completed_at         TEXT,
  execution_time_ms    INTEGER NOT NULL DEFAULT 0 CHECK (execution_time_ms >= 0),
  worker_cost_micros   INTEGER NOT NULL DEFAULT 0 CHECK (worker_cost_micros >= 0),
  worker_success       INTEGER NOT NULL CHECK (worker_success IN (0, 1)),
  deliverables_summary TEXT,
  error_message        TEXT,
  UNIQUE (pipeline_id, step_id),
  -- A worker session belongs to its request's client, never another's.
  FOREIGN KEY (request_id, client_id) REFERENCES client_requests (request_id, client_id) ON DELETE CASCADE
) STRICT;
CREATE INDEX idx_worker_sessions_request ON pipeline_worker_sessions (request_id);
CREATE INDEX idx_worker_sessions_client ON pipeline_worker_sessions (client_id, completed_at DESC);
