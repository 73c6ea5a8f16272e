-- Cycle scheduler (issue #4 item 6). A commit is crash-safe: the scheduler records COMMITTING (and the signed
-- transaction's hash, before broadcasting it) so a restart checks the chain before sending again. EMPTY marks a
-- (cycle, asset) with nothing to net (nothing is committed).
ALTER TABLE cycles DROP CONSTRAINT cycles_status_check;
ALTER TABLE cycles ADD CONSTRAINT cycles_status_check
  CHECK (status IN ('OPEN', 'CLOSED', 'NETTED', 'COMMITTING', 'COMMITTED', 'MISSED', 'EMPTY', 'FINALIZED'));
CREATE INDEX cycles_live ON cycles (cycle_id, asset) WHERE status NOT IN ('MISSED', 'EMPTY', 'FINALIZED');
ALTER TABLE cycles ADD COLUMN finalize_tx_hash hash32;

-- The batch lists its guarantees through guarantees.netted_cycle_id (streamed, never one JSON value); the
-- commit's V2 ids are kept so a resumed commit sends exactly the same call.
ALTER TABLE batches DROP COLUMN guarantee_ids;
ALTER TABLE batches
  ADD COLUMN batch_hash hash32 NOT NULL,
  ADD COLUMN guarantee_count INTEGER NOT NULL CHECK (guarantee_count >= 0),
  ADD COLUMN debtor_count INTEGER NOT NULL CHECK (debtor_count >= 0),
  ADD COLUMN creditor_count INTEGER NOT NULL CHECK (creditor_count >= 0),
  ADD COLUMN v2_guarantee_ids JSONB NOT NULL DEFAULT '[]',
  ADD COLUMN netted_at BIGINT NOT NULL;

CREATE INDEX guarantees_by_netted_cycle ON guarantees (netted_cycle_id, asset, guarantee_id)
  WHERE netted_cycle_id IS NOT NULL;
CREATE INDEX guarantees_payable_v2 ON guarantees (asset, cycle_id)
  WHERE status = 'FINALIZED_PAYABLE' AND version <> 1;
