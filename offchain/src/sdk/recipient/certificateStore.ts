import type { Address, Hex } from "viem";

import type { SqlDatabase } from "../store/sql.ts";

/** What a recipient keeps of a payment: the certificate and the payer's signature that on-chain remuneration needs. */
export interface StoredCertificate {
  guaranteeId: Hex;
  version: number;
  cycleId: bigint;
  user: Address;
  recipient: Address;
  asset: Address;
  reqId: bigint;
  amount: bigint;
  timestamp: bigint;
  /** The BLS-signed envelope. */
  claims: Hex;
  /** 96-byte compressed G2 signature. */
  signature: Hex;
  /** The payer's EIP-712 (or ERC-1271) signature over the request. */
  payerSignature: Hex;
  /** Set once this SDK remunerated it on-chain. */
  remuneratedTx?: Hex;
  /** Core's status when the certificate was issued (`FINALIZED_PAYABLE`, `PENDING_VALIDATION`); x402 sellers set it. */
  status?: string;
  /** The x402 network it was paid on (`eip155:8453`) and the paid resource's URL, when paid over x402. */
  network?: string;
  resource?: string;
}

/**
 * Where a recipient persists certificates (before it releases the paid response): the one store of the recipient
 * SDK and the x402 seller (`4mica/x402/server` re-exports it). `put` is durable when it resolves and idempotent on
 * the guarantee id: a retried payment stores nothing twice and reports `inserted: false`.
 */
export interface CertificateStore {
  put(certificate: StoredCertificate): Promise<{ inserted: boolean }>;
  get(guaranteeId: Hex): Promise<StoredCertificate | undefined>;
  /** Newest first. */
  listByRecipient(
    recipient: Address,
    options?: { limit?: number; includeRemunerated?: boolean },
  ): Promise<StoredCertificate[]>;
  markRemunerated(guaranteeId: Hex, txHash: Hex): Promise<void>;
}

const key = (id: Hex) => id.toLowerCase();

/** Addresses and hex lowercase, as every store keeps them. */
function normalized(c: StoredCertificate): StoredCertificate {
  const lower = <T extends string>(s: T) => s.toLowerCase() as T;
  const n: StoredCertificate = {
    ...c,
    guaranteeId: lower(c.guaranteeId),
    user: lower(c.user),
    recipient: lower(c.recipient),
    asset: lower(c.asset),
    claims: lower(c.claims),
    signature: lower(c.signature),
    payerSignature: lower(c.payerSignature),
  };
  if (c.remuneratedTx !== undefined) n.remuneratedTx = lower(c.remuneratedTx);
  for (const k of ["status", "network", "resource"] as const) if (c[k] === undefined) delete n[k];
  return n;
}

/** A certificate store in memory (tests). Addresses and hex are kept lowercase, as in the SQL store. */
export function memoryCertificateStore(): CertificateStore {
  const rows = new Map<string, StoredCertificate>();
  return {
    async put(c) {
      if (rows.has(key(c.guaranteeId))) return { inserted: false };
      rows.set(key(c.guaranteeId), normalized(c));
      return { inserted: true };
    },
    async get(id) {
      const c = rows.get(key(id));
      return c && { ...c };
    },
    async listByRecipient(recipient, { limit = 1000, includeRemunerated = false } = {}) {
      return [...rows.values()]
        .filter((c) => c.recipient.toLowerCase() === recipient.toLowerCase())
        .filter((c) => includeRemunerated || c.remuneratedTx === undefined)
        .reverse()
        .slice(0, limit)
        .map((c) => ({ ...c }));
    },
    async markRemunerated(id, txHash) {
      const c = rows.get(key(id));
      if (c) c.remuneratedTx = key(txHash) as Hex;
    },
  };
}

/** The store's schema (its own table, apart from Core's), idempotent; {@link sqlCertificateStore} runs it. */
export const CERTIFICATE_STORE_MIGRATION = `
CREATE TABLE IF NOT EXISTS sdk_certificates (
  guarantee_id    text PRIMARY KEY,
  version         integer NOT NULL,
  cycle_id        numeric(78, 0) NOT NULL,
  user_address    text NOT NULL,
  recipient       text NOT NULL,
  asset           text NOT NULL,
  req_id          numeric(78, 0) NOT NULL,
  amount          numeric(78, 0) NOT NULL,
  ts              numeric(20, 0) NOT NULL,
  claims          text NOT NULL,
  signature       text NOT NULL,
  payer_signature text NOT NULL,
  remunerated_tx  text,
  stored_at       timestamptz NOT NULL DEFAULT now(),
  seq             bigserial
);
CREATE INDEX IF NOT EXISTS sdk_certificates_recipient ON sdk_certificates (recipient, seq DESC);
ALTER TABLE sdk_certificates ADD COLUMN IF NOT EXISTS status text;
ALTER TABLE sdk_certificates ADD COLUMN IF NOT EXISTS network text;
ALTER TABLE sdk_certificates ADD COLUMN IF NOT EXISTS resource text;
`;

interface Row {
  guarantee_id: string;
  version: number;
  cycle_id: string;
  user_address: string;
  recipient: string;
  asset: string;
  req_id: string;
  amount: string;
  ts: string;
  claims: string;
  signature: string;
  payer_signature: string;
  remunerated_tx: string | null;
  status: string | null;
  network: string | null;
  resource: string | null;
}

const COLUMNS =
  "guarantee_id, version, cycle_id::text AS cycle_id, user_address, recipient, asset, req_id::text AS req_id, amount::text AS amount, ts::text AS ts, claims, signature, payer_signature, remunerated_tx, status, network, resource";

function fromRow(r: Row): StoredCertificate {
  const c: StoredCertificate = {
    guaranteeId: r.guarantee_id as Hex,
    version: r.version,
    cycleId: BigInt(r.cycle_id),
    user: r.user_address as Address,
    recipient: r.recipient as Address,
    asset: r.asset as Address,
    reqId: BigInt(r.req_id),
    amount: BigInt(r.amount),
    timestamp: BigInt(r.ts),
    claims: r.claims as Hex,
    signature: r.signature as Hex,
    payerSignature: r.payer_signature as Hex,
  };
  if (r.remunerated_tx !== null) c.remuneratedTx = r.remunerated_tx as Hex;
  if (r.status !== null) c.status = r.status;
  if (r.network !== null) c.network = r.network;
  if (r.resource !== null) c.resource = r.resource;
  return c;
}

/** A certificate store in PostgreSQL or PGlite (table `sdk_certificates`). Addresses and hex are kept lowercase. */
export function sqlCertificateStore(db: SqlDatabase): CertificateStore {
  let ready: Promise<void> | undefined;
  const migrate = () =>
    (ready ??= (async () => {
      for (const statement of CERTIFICATE_STORE_MIGRATION.split(";")) {
        if (statement.trim() !== "") await db.query(statement);
      }
    })());
  return {
    async put(c) {
      await migrate();
      const { rows } = await db.query<{ guarantee_id: string }>(
        `INSERT INTO sdk_certificates (guarantee_id, version, cycle_id, user_address, recipient, asset, req_id, amount, ts, claims, signature, payer_signature, status, network, resource)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) ON CONFLICT (guarantee_id) DO NOTHING RETURNING guarantee_id`,
        [
          key(c.guaranteeId),
          c.version,
          c.cycleId.toString(),
          c.user.toLowerCase(),
          c.recipient.toLowerCase(),
          c.asset.toLowerCase(),
          c.reqId.toString(),
          c.amount.toString(),
          c.timestamp.toString(),
          c.claims.toLowerCase(),
          c.signature.toLowerCase(),
          c.payerSignature.toLowerCase(),
          c.status ?? null,
          c.network ?? null,
          c.resource ?? null,
        ],
      );
      return { inserted: rows.length === 1 };
    },
    async get(id) {
      await migrate();
      const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM sdk_certificates WHERE guarantee_id = $1`, [
        key(id),
      ]);
      return rows[0] && fromRow(rows[0]);
    },
    async listByRecipient(recipient, { limit = 1000, includeRemunerated = false } = {}) {
      await migrate();
      const { rows } = await db.query<Row>(
        `SELECT ${COLUMNS} FROM sdk_certificates WHERE recipient = $1 AND ($2 OR remunerated_tx IS NULL) ORDER BY seq DESC LIMIT $3`,
        [recipient.toLowerCase(), includeRemunerated, limit],
      );
      return rows.map(fromRow);
    },
    async markRemunerated(id, txHash) {
      await migrate();
      await db.query("UPDATE sdk_certificates SET remunerated_tx = $2 WHERE guarantee_id = $1", [
        key(id),
        txHash.toLowerCase(),
      ]);
    },
  };
}
