-- Live tickets (issue 13): a browser opens an actor's WebSocket with a short-lived, single-use
-- ticket instead of its session token in the URL. Only the ticket's SHA-256 is stored; a ticket
-- names one subscription (party and actor name) and the caller it was issued to. Redeeming it
-- deletes the row, and expired rows are swept whenever a ticket is issued. `principal` keeps only
-- the credential it was issued to (a session or API key id): redeeming looks the caller up again.
CREATE TABLE live_tickets (
  ticket_hash  TEXT PRIMARY KEY,
  party        TEXT NOT NULL CHECK (party IN ('pipeline-actor', 'resource-pool', 'client-ledger')),
  name         TEXT NOT NULL,
  principal    TEXT NOT NULL,
  expires_at   INTEGER NOT NULL
) STRICT;
CREATE INDEX idx_live_tickets_expiry ON live_tickets (expires_at);
