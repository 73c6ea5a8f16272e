-- Signed webhooks (issue 10, scope 4): an outbox written by triggers, so that every event is committed in the SAME
-- transaction as the state change that causes it (a rolled-back change leaves no event, a crash loses none), by
-- every writer that exists or will exist (issuance's issue_guarantee function, lifecycle mutations, chain sync,
-- the scheduler's netting and cycle moves) without touching any of them. The delivery worker reads only these
-- tables (offchain/src/core/adapters/webhooks/deliveryWorker.ts).

-- Subscriptions. The signing secret is sealed with AES-256-GCM under FOURMICA_WEBHOOK_ENCRYPTION_KEY
-- (offchain/src/core/webhooks/secretBox.ts): Core must sign with it, so it is encrypted, never hashed, and the
-- plaintext is returned once, at creation. secret_key_id names the key that sealed it (for rotation).
CREATE TABLE webhook_subscriptions (
  id             TEXT PRIMARY KEY CHECK (id ~ '^wh_[0-9a-f]{32}$'),
  url            TEXT NOT NULL CHECK (url ~ '^https?://'),
  event_types    TEXT[] NOT NULL CHECK (cardinality(event_types) > 0),
  description    TEXT NOT NULL DEFAULT '',
  secret_sealed  TEXT NOT NULL,
  secret_key_id  TEXT NOT NULL,
  created_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- The outbox: one row per event, written only when some subscription wants its type (no subscription: no cost
-- beyond one look-up, no growth). `id` is the webhook-id header receivers deduplicate on.
CREATE TABLE webhook_events (
  id          TEXT PRIMARY KEY,
  type        TEXT NOT NULL,
  data        JSONB NOT NULL,
  created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- One delivery per (event, subscription). PENDING rows are due at next_attempt_at; a worker claims a row by moving
-- next_attempt_at one lease ahead under FOR UPDATE SKIP LOCKED and stamping lease_token, so two Core processes
-- never send the same attempt and a crashed worker's claim simply expires (at-least-once).
CREATE TABLE webhook_deliveries (
  id                 BIGSERIAL PRIMARY KEY,
  event_id           TEXT NOT NULL REFERENCES webhook_events (id) ON DELETE CASCADE,
  subscription_id    TEXT NOT NULL REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
  status             TEXT NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'DELIVERED', 'FAILED')),
  attempts           INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  next_attempt_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
  -- Where the max-age window starts: creation, or the operator's redelivery.
  window_started_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
  lease_token        TEXT,
  last_status        INTEGER,
  last_error         TEXT,
  delivered_at       TIMESTAMPTZ,
  updated_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
  UNIQUE (event_id, subscription_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at, id) WHERE status = 'PENDING';
CREATE INDEX webhook_deliveries_by_status ON webhook_deliveries (status, id DESC);

-- Writes one event and its deliveries to every subscription that wants `p_type`.
CREATE FUNCTION webhook_emit(p_type TEXT, p_data JSONB) RETURNS VOID
LANGUAGE plpgsql AS $$
DECLARE
  v_id TEXT;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM webhook_subscriptions s WHERE p_type = ANY (s.event_types)) THEN
    RETURN;
  END IF;
  v_id := 'evt_' || replace(gen_random_uuid()::text, '-', '');
  INSERT INTO webhook_events (id, type, data) VALUES (v_id, p_type, p_data);
  INSERT INTO webhook_deliveries (event_id, subscription_id)
  SELECT v_id, s.id FROM webhook_subscriptions s WHERE p_type = ANY (s.event_types);
END
$$;

-- Guarantees: every status change goes through guarantee_transitions (issuance's function, applyMutations, the
-- scheduler's netting and missed-cycle roll-back), so one statement-level trigger over its new rows sees them all,
-- a batch of 100,000 netted guarantees in one pass. The type is the target status; a transition that keeps the
-- status (a lock released by a commit) is no event.
CREATE FUNCTION webhook_guarantee_type(p_from TEXT, p_to TEXT) RETURNS TEXT
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN p_from IS NULL THEN 'guarantee.issued'
    WHEN p_from = p_to THEN NULL
    WHEN p_to = 'FINALIZED_PAYABLE' THEN 'guarantee.payable'
    WHEN p_to = 'DISPUTED' THEN 'guarantee.disputed'
    WHEN p_to = 'CANCELLED' THEN 'guarantee.cancelled'
    WHEN p_to = 'NETTED' THEN 'guarantee.netted'
    WHEN p_to = 'SETTLED' THEN 'guarantee.settled'
    WHEN p_to = 'DEFAULT_REMUNERATED' THEN 'guarantee.defaulted_covered'
  END
$$;

CREATE FUNCTION webhook_on_guarantee_transitions() RETURNS TRIGGER
LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM webhook_subscriptions) THEN
    RETURN NULL;
  END IF;
  WITH ev AS (
    SELECT 'evt_' || replace(gen_random_uuid()::text, '-', '') AS id, t.type,
      jsonb_build_object(
        'guaranteeId', g.guarantee_id, 'version', g.version, 'cycleId', g.cycle_id::text,
        'nettedCycleId', g.netted_cycle_id::text, 'user', g.user_address, 'recipient', g.recipient,
        'asset', g.asset, 'reqId', g.req_id::text, 'amount', g.amount::text, 'timestamp', g.ts::text,
        'status', t.to_status, 'previousStatus', t.from_status, 'cause', t.cause, 'causeRef', t.cause_ref,
        'lockHeld', g.lock_held) AS data
    FROM (SELECT n.*, webhook_guarantee_type(n.from_status, n.to_status) AS type FROM webhook_new_rows n) t
    JOIN guarantees g ON g.guarantee_id = t.guarantee_id
    WHERE t.type IS NOT NULL
      AND EXISTS (SELECT 1 FROM webhook_subscriptions s WHERE t.type = ANY (s.event_types))
    ORDER BY t.id
  ), written AS (
    INSERT INTO webhook_events (id, type, data) SELECT id, type, data FROM ev RETURNING id, type
  )
  INSERT INTO webhook_deliveries (event_id, subscription_id)
  SELECT w.id, s.id FROM written w JOIN webhook_subscriptions s ON w.type = ANY (s.event_types);
  RETURN NULL;
END
$$;
CREATE TRIGGER webhook_guarantee_transitions AFTER INSERT ON guarantee_transitions
  REFERENCING NEW TABLE AS webhook_new_rows FOR EACH STATEMENT EXECUTE FUNCTION webhook_on_guarantee_transitions();

-- Collateral: the chain follower records every applied vault event in chain_events in the transaction that applies
-- it (after the confirmation depth); re-applying a reorged event flips `removed` back and counts as seen again.
CREATE FUNCTION webhook_on_chain_event() RETURNS TRIGGER
LANGUAGE plpgsql AS $$
DECLARE
  v_type TEXT := CASE NEW.event_name
    WHEN 'CollateralDeposited' THEN 'deposit.seen'
    WHEN 'WithdrawalRequested' THEN 'withdrawal.requested'
    WHEN 'CollateralWithdrawn' THEN 'withdrawal.finalized'
  END;
BEGIN
  IF v_type IS NOT NULL THEN
    PERFORM webhook_emit(v_type, NEW.args - 'name' || jsonb_build_object(
      'chainId', NEW.chain_id::text, 'contract', NEW.address, 'blockNumber', NEW.block_number::text,
      'blockHash', NEW.block_hash, 'logIndex', NEW.log_index, 'txHash', NEW.tx_hash));
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER webhook_chain_event_applied AFTER INSERT ON chain_events
  FOR EACH ROW WHEN (NOT NEW.removed) EXECUTE FUNCTION webhook_on_chain_event();
CREATE TRIGGER webhook_chain_event_reapplied AFTER UPDATE OF removed ON chain_events
  FOR EACH ROW WHEN (OLD.removed AND NOT NEW.removed) EXECUTE FUNCTION webhook_on_chain_event();

-- Cycles: whichever writer moves a (cycle, asset) to COMMITTED or FINALIZED (the scheduler on its receipt, or chain
-- sync on the ClearingHouse event; each a compare-and-set, so it happens once) emits the event.
CREATE FUNCTION webhook_on_cycle_status() RETURNS TRIGGER
LANGUAGE plpgsql AS $$
DECLARE
  b batches%ROWTYPE;
BEGIN
  SELECT * INTO b FROM batches WHERE cycle_id = NEW.cycle_id AND asset = NEW.asset;
  PERFORM webhook_emit(CASE NEW.status WHEN 'COMMITTED' THEN 'cycle.committed' ELSE 'cycle.finalized' END,
    jsonb_build_object(
      'cycleId', NEW.cycle_id::text, 'asset', NEW.asset, 'status', NEW.status, 'previousStatus', OLD.status,
      'merkleRoot', b.merkle_root, 'batchHash', b.batch_hash, 'totalNet', b.total_net_debit::text,
      'guaranteeCount', b.guarantee_count, 'commitTxHash', b.commit_tx_hash, 'finalizeTxHash', NEW.finalize_tx_hash,
      'paymentDeadline', NEW.payment_deadline::text, 'finalityDeadline', NEW.finality_deadline::text));
  RETURN NULL;
END
$$;
CREATE TRIGGER webhook_cycle_status AFTER UPDATE OF status ON cycles
  FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status AND NEW.status IN ('COMMITTED', 'FINALIZED'))
  EXECUTE FUNCTION webhook_on_cycle_status();
