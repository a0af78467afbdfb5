-- Hardening (issue 12).
-- Work that cost more than the client had available this month, so it could not be charged
-- (mirrored from the ClientLedger, which stays the source of truth, with the usage).
ALTER TABLE clients ADD COLUMN unbilled_current_month_micros INTEGER NOT NULL DEFAULT 0 CHECK (unbilled_current_month_micros >= 0);

-- Failures an actor gave up retrying: a write that a retry cannot fix, or one that kept failing
-- past its cap. One row per actor and operation (the last failure wins); an operator lists them
-- with GET /admin/failures. The actor keeps its own copy, shown by its admin inspection.
CREATE TABLE actor_failures (
  failure_id   TEXT PRIMARY KEY,
  actor_kind   TEXT NOT NULL CHECK (actor_kind IN ('pipeline', 'ledger', 'pool')),
  actor_name   TEXT NOT NULL,
  operation    TEXT NOT NULL,
  client_id    TEXT,
  code         TEXT NOT NULL,
  message      TEXT NOT NULL,
  attempts     INTEGER NOT NULL CHECK (attempts >= 1),
  outcome      TEXT NOT NULL,
  first_at     TEXT NOT NULL,
  last_at      TEXT NOT NULL
) STRICT;
CREATE INDEX idx_actor_failures_last ON actor_failures (last_at DESC);
CREATE INDEX idx_actor_failures_client ON actor_failures (client_id, last_at DESC);

-- Addresses (IPv4, or an IPv6 /64) that signed in to an account: the account's failed-login
-- lock does not hold them, so a third party guessing from elsewhere cannot keep the owner out
-- (src/auth/throttle.ts). Rows older than 30 days are swept at each successful login.
CREATE TABLE login_trusted (
  account_scope    TEXT NOT NULL CHECK (account_scope LIKE 'account:%'),
  address_scope    TEXT NOT NULL CHECK (address_scope LIKE 'address:%'),
  last_success_ms  INTEGER NOT NULL,
  PRIMARY KEY (account_scope, address_scope)
) STRICT;
CREATE INDEX idx_login_trusted_last ON login_trusted (last_success_ms);
