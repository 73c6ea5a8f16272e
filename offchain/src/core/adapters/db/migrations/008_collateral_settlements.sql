-- Net debits settled from vault collateral (issue 11, docs/protocol.md §6): a debtor's EIP-712 authorization to pay
-- its net debit of one (cycle, asset) from its collateral, taken by POST /core/cycles/:cycleId/:asset/settlements and
-- sent by the scheduler in ClearingHouse.settleNetDebitsFromCollateral batches. One row per (cycle, asset, debtor):
-- a second POST finds it (idempotent). PENDING: accepted, not sent; SUBMITTED: in the batch transaction `tx_hash`
-- (recorded before the broadcast, so a restart re-checks that transaction before sending anything); SETTLED: paid
-- on-chain (the NetDebitPaid event whose payer is the vault, or the receipt); SKIPPED: the batch landed without it (the
-- collateral no longer covered it), so the debtor is left to the default path.
CREATE TABLE collateral_settlements (
  cycle_id      u256 NOT NULL,
  asset         eth_address NOT NULL,
  debtor        eth_address NOT NULL,
  amount        u256 NOT NULL,
  signature     TEXT NOT NULL CHECK (signature ~ '^0x([0-9a-f]{2})+$'),
  status        TEXT NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'SUBMITTED', 'SETTLED', 'SKIPPED')),
  tx_hash       hash32,
  settled_by    TEXT,
  created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (cycle_id, asset, debtor),
  FOREIGN KEY (cycle_id, asset) REFERENCES cycles (cycle_id, asset),
  CHECK (status <> 'SUBMITTED' OR tx_hash IS NOT NULL)
);
CREATE INDEX collateral_settlements_open ON collateral_settlements (cycle_id, asset)
  WHERE status IN ('PENDING', 'SUBMITTED');

-- The scheduler's batched claim of every unclaimed net credit of a (cycle, asset) (ClearingHouse.claimNetCredits),
-- its hash recorded before the broadcast like the commit's.
ALTER TABLE batches ADD COLUMN claims_tx_hash hash32;
