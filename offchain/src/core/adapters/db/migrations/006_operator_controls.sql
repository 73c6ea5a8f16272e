-- Operator controls (issue 10, incident response): switches an operator flips at run time through the admin API
-- (`POST /core/admin/issuance/pause` and `/resume`), kept in the database so that every Core process on it follows
-- the same switch and a restart keeps it. One row per control; `issuance` is the only one so far. Every change is
-- also appended to operator_control_events, which is never updated: the evidence an incident review needs.
CREATE TABLE operator_controls (
  control TEXT PRIMARY KEY,
  paused BOOLEAN NOT NULL,
  reason TEXT NOT NULL DEFAULT '',
  changed_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp()
);
INSERT INTO operator_controls (control, paused) VALUES ('issuance', false);

CREATE TABLE operator_control_events (
  id BIGSERIAL PRIMARY KEY,
  control TEXT NOT NULL REFERENCES operator_controls (control),
  paused BOOLEAN NOT NULL,
  reason TEXT NOT NULL DEFAULT '',
  at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp()
);
