-- Chain sync (issue #4 items 4 and 5): what the follower needs to undo applied events after a reorg.

-- The exact inverse of every applied event's mutations, in the order to apply them (computed when the event was
-- applied, from the state it changed), so a reorg restores the state the event found. A re-followed event in the
-- same block (same hash) is re-applied by flipping `removed` back.
ALTER TABLE chain_events ADD COLUMN follower TEXT NOT NULL DEFAULT 'core';
ALTER TABLE chain_events ADD COLUMN undo JSONB NOT NULL DEFAULT '[]'::jsonb;
CREATE INDEX chain_events_by_follower ON chain_events (follower, block_number DESC, log_index DESC) WHERE NOT removed;

-- Recent block hashes the follower has built on (every chunk end and every block that carried an event), so that
-- after a reorg it can find the fork point: the highest stored block whose hash is still canonical.
CREATE TABLE chain_blocks (
  follower      TEXT NOT NULL,
  block_number  BIGINT NOT NULL,
  block_hash    hash32 NOT NULL,
  PRIMARY KEY (follower, block_number)
);

-- The lifecycle jobs find their candidates by status and time.
CREATE INDEX guarantees_lock_held_by_ts ON guarantees (ts) WHERE lock_held;
