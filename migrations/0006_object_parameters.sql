-- Template parameters may also be JSON objects ('object'), e.g. the runtime demo's per-step
-- scripts. SQLite cannot change a CHECK constraint in place, so the table (a cache rebuilt from
-- the orchestrator's definitions) is rebuilt with its rows.
CREATE TABLE template_parameters_new (
  parameter_id     INTEGER PRIMARY KEY AUTOINCREMENT,
  template_name    TEXT NOT NULL REFERENCES pipeline_template_cache (template_name) ON DELETE CASCADE,
  parameter_name   TEXT NOT NULL CHECK (parameter_name GLOB '[a-z]*' AND parameter_name NOT GLOB '*[^a-z0-9_]*'),
  display_name     TEXT NOT NULL,
  description      TEXT NOT NULL DEFAULT '',
  parameter_type   TEXT NOT NULL CHECK (parameter_type IN ('text', 'number', 'select', 'boolean', 'file', 'array', 'object')),
  is_required      INTEGER NOT NULL DEFAULT 0 CHECK (is_required IN (0, 1)),
  default_value    TEXT CHECK (default_value IS NULL OR json_valid(default_value)),
  options          TEXT CHECK (options IS NULL OR (json_valid(options) AND json_type(options) = 'array')),
  validation_rules TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(validation_rules) AND json_type(validation_rules) = 'object'),
  available_tiers  TEXT NOT NULL CHECK (json_valid(available_tiers) AND json_type(available_tiers) = 'array'),
  editable_tiers   TEXT NOT NULL CHECK (json_valid(editable_tiers) AND json_type(editable_tiers) = 'array'),
  display_order    INTEGER NOT NULL DEFAULT 0,
  UNIQUE (template_name, parameter_name)
) STRICT;
INSERT INTO template_parameters_new SELECT * FROM template_parameters;
DROP TABLE template_parameters;
ALTER TABLE template_parameters_new RENAME TO template_parameters;
