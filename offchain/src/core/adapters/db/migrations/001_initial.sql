-- 4Mica Core schema: the whole guarantee lifecycle (issuance, chain sync, cycles, netting, commits, defaults).
-- Conventions: addresses and hashes are lowercase 0x-hex text; amounts are NUMERIC(78,0) (u256), never floats;
-- chain timestamps are BIGINT seconds; row times are TIMESTAMPTZ.

CREATE DOMAIN eth_address AS TEXT CHECK (VALUE ~ '^0x[0-9a-f]{40}$');
CREATE DOMAIN hash32 AS TEXT CHECK (VALUE ~ '^0x[0-9a-f]{64}$');
CREATE DOMAIN u256 AS NUMERIC(78, 0) CHECK (VALUE >= 0 AND VALUE < 115792089237316195423570985008687907853269984665640564039457584007913129639936);

-- Payers and recipients Core knows about; `suspended` blocks new guarantees for a payer.
CREATE TABLE users (
  address     eth_address PRIMARY KEY,
  suspended   BOOLEAN NOT NULL DEFAULT FALSE,
  updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Collateral per (user, asset). available = deposited - locked - pending_withdrawal.
-- deposited follows the vault (chain sync); locked is Core's; pending_withdrawal follows withdrawal requests.
CREATE TABLE balances (
  user_address        eth_address NOT NULL,
  asset               eth_address NOT NULL,
  deposited           u256 NOT NULL DEFAULT 0,
  locked              u256 NOT NULL DEFAULT 0,
  pending_withdrawal  u256 NOT NULL DEFAULT 0,
  updated_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (user_address, asset)
);

-- Withdrawal requests seen on-chain (one pending per (user, asset) in the vault); t_w drives the synchronization rule.
CREATE TABLE withdrawals (
  id                BIGSERIAL PRIMARY KEY,
  user_address      eth_address NOT NULL,
  asset             eth_address NOT NULL,
  amount            u256 NOT NULL,
  requested_at      BIGINT NOT NULL,
  status            TEXT NOT NULL CHECK (status IN ('PENDING', 'EXECUTED', 'CANCELLED')),
  request_event     TEXT,
  resolution_event  TEXT,
  updated_at        TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX withdrawals_one_pending ON withdrawals (user_address, asset) WHERE status = 'PENDING';

-- Cycles per (cycle_id, asset). Deadlines are copied from the schedule when the row is created so that a later
-- schedule change never moves them (protocol.md §6).
CREATE TABLE cycles (
  cycle_id            u256 NOT NULL,
  asset               eth_address NOT NULL,
  starts_at           BIGINT NOT NULL,
  ends_at             BIGINT NOT NULL,
  resolution_cutoff   BIGINT NOT NULL,
  commit_deadline     BIGINT NOT NULL,
  payment_deadline    BIGINT NOT NULL,
  finality_deadline   BIGINT NOT NULL,
  status              TEXT NOT NULL DEFAULT 'OPEN'
                        CHECK (status IN ('OPEN', 'CLOSED', 'NETTED', 'COMMITTED', 'MISSED', 'FINALIZED')),
  updated_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (cycle_id, asset)
);

-- Guarantees. `content_hash` identifies the signed content: same id + same content is an idempotent retry,
-- same id + other content is GUARANTEE_CONFLICT.
CREATE TABLE guarantees (
  guarantee_id        hash32 PRIMARY KEY,
  version             SMALLINT NOT NULL CHECK (version > 0),
  domain              hash32 NOT NULL,
  cycle_id            u256 NOT NULL,
  user_address        eth_address NOT NULL,
  recipient           eth_address NOT NULL,
  asset               eth_address NOT NULL,
  req_id              u256 NOT NULL,
  amount              u256 NOT NULL,
  ts                  BIGINT NOT NULL,
  status              TEXT NOT NULL CHECK (status IN ('PENDING_VALIDATION', 'FINALIZED_PAYABLE', 'DISPUTED',
                        'CANCELLED', 'NETTED', 'SETTLED', 'DEFAULT_REMUNERATED', 'EXPIRED', 'REDEEMED')),
  content_hash        hash32 NOT NULL,
  request             JSONB NOT NULL,
  payer_signature     TEXT NOT NULL,
  claims              TEXT NOT NULL,
  bls_signature       TEXT NOT NULL,
  -- The same signature as Solidity BLS.G2Point words, so a read never re-derives it.
  signature_eip2537   JSONB NOT NULL,
  -- V2 policy, denormalized for the registry poller.
  validation_registry     eth_address,
  validation_request_hash hash32,
  -- Set by netting: the cycle whose commit paid this guarantee (V2 may be netted in a later cycle than cycle_id).
  netted_cycle_id     u256,
  -- Whether the lock is still held (released on SETTLED, DEFAULT_REMUNERATED, CANCELLED, EXPIRED, REDEEMED).
  lock_held           BOOLEAN NOT NULL DEFAULT TRUE,
  created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at          TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX guarantees_by_user ON guarantees (user_address, created_at DESC);
CREATE INDEX guarantees_by_recipient ON guarantees (recipient, created_at DESC);
CREATE INDEX guarantees_by_cycle ON guarantees (cycle_id, asset, status);
CREATE INDEX guarantees_by_status ON guarantees (status) WHERE status IN ('PENDING_VALIDATION', 'FINALIZED_PAYABLE', 'NETTED');

-- Every status change, with what caused it (issuance, a chain event id, a scheduler tick, an operator action).
CREATE TABLE guarantee_transitions (
  id            BIGSERIAL PRIMARY KEY,
  guarantee_id  hash32 NOT NULL REFERENCES guarantees (guarantee_id),
  from_status   TEXT,
  to_status     TEXT NOT NULL,
  cause         TEXT NOT NULL,
  cause_ref     TEXT,
  at            TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX guarantee_transitions_by_guarantee ON guarantee_transitions (guarantee_id, id);

-- Net positions of a (cycle, asset) batch.
CREATE TABLE positions (
  cycle_id      u256 NOT NULL,
  asset         eth_address NOT NULL,
  participant   eth_address NOT NULL,
  role          TEXT NOT NULL CHECK (role IN ('NET_DEBTOR', 'NET_CREDITOR', 'FLAT')),
  gross_out     u256 NOT NULL,
  gross_in      u256 NOT NULL,
  amount        u256 NOT NULL,
  status        TEXT NOT NULL CHECK (status IN ('UNPAID', 'PAID', 'DEFAULTED', 'CLAIMABLE', 'CLAIMED', 'FLAT')),
  settled_by    TEXT,
  updated_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (cycle_id, asset, participant),
  FOREIGN KEY (cycle_id, asset) REFERENCES cycles (cycle_id, asset)
);

-- The published batch of a (cycle, asset): the Merkle root and everything needed to audit it.
CREATE TABLE batches (
  cycle_id          u256 NOT NULL,
  asset             eth_address NOT NULL,
  merkle_root       hash32 NOT NULL,
  total_net_debit   u256 NOT NULL,
  total_net_credit  u256 NOT NULL,
  guarantee_ids     JSONB NOT NULL,
  tree              JSONB NOT NULL,
  commit_tx_hash    hash32,
  commit_block      BIGINT,
  created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (cycle_id, asset),
  FOREIGN KEY (cycle_id, asset) REFERENCES cycles (cycle_id, asset),
  CHECK (total_net_debit = total_net_credit)
);

-- Chain sync: how far each follower got, and every event applied (idempotent by (block_hash, log_index)).
CREATE TABLE chain_cursor (
  name          TEXT PRIMARY KEY,
  chain_id      BIGINT NOT NULL,
  block_number  BIGINT NOT NULL,
  block_hash    hash32 NOT NULL,
  updated_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE chain_events (
  block_hash    hash32 NOT NULL,
  log_index     INTEGER NOT NULL,
  chain_id      BIGINT NOT NULL,
  block_number  BIGINT NOT NULL,
  tx_hash       hash32 NOT NULL,
  address       eth_address NOT NULL,
  event_name    TEXT NOT NULL,
  args          JSONB NOT NULL,
  removed       BOOLEAN NOT NULL DEFAULT FALSE,
  applied_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (block_hash, log_index)
);
CREATE INDEX chain_events_by_block ON chain_events (block_number);

-- SIWE sign-in: single-use nonces and bearer sessions (only the SHA-256 of the token is stored).
CREATE TABLE auth_nonces (
  nonce       TEXT PRIMARY KEY,
  expires_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE sessions (
  token_hash  hash32 PRIMARY KEY,
  address     eth_address NOT NULL,
  expires_at  TIMESTAMPTZ NOT NULL,
  created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
