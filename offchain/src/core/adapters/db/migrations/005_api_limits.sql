-- Bounded cost for unauthenticated callers (issue 8): SIWE nonces remember the client that asked for them, so that
-- each client keeps at most a few outstanding nonces (its oldest are dropped), and expired rows are purged through
-- an index rather than a scan.
ALTER TABLE auth_nonces ADD COLUMN client TEXT NOT NULL DEFAULT '';
ALTER TABLE auth_nonces ADD COLUMN created_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp();
CREATE INDEX auth_nonces_by_client ON auth_nonces (client, created_at DESC);
CREATE INDEX auth_nonces_by_expiry ON auth_nonces (expires_at);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);
