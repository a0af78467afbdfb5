-- Failed-login throttling, per account (email) and per client address. A row exists only while
-- there are recent failures; a successful login deletes the account's row.
CREATE TABLE login_throttle (
  scope_key        TEXT PRIMARY KEY CHECK (scope_key LIKE 'account:%' OR scope_key LIKE 'address:%'),
  failures         INTEGER NOT NULL CHECK (failures >= 0),
  window_start_ms  INTEGER NOT NULL,
  locked_until_ms  INTEGER NOT NULL DEFAULT 0
);
