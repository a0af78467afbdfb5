-- Failed-login throttling, per account (email) and per client address (an IPv6 address by its
-- /64). Attempts are claimed atomically before the password is checked (src/auth/throttle.ts);
-- a successful login deletes the account's row, and rows whose window has passed are swept.
CREATE TABLE login_throttle (
  scope_key        TEXT PRIMARY KEY CHECK (scope_key LIKE 'account:%' OR scope_key LIKE 'address:%'),
  failures         INTEGER NOT NULL CHECK (failures >= 0),
  window_start_ms  INTEGER NOT NULL,
  locked_until_ms  INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX idx_login_throttle_window ON login_throttle (window_start_ms);
