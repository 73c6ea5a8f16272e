import type { Address, Hex } from "viem";

import type { CycleDeadlines } from "../../../protocol/cycles/cycleSchedule.ts";
import type { CycleStatus } from "../../scheduler/types.ts";
import { fromDbAmount, toDbAmount } from "./amounts.ts";
import type { Queryable } from "./database.ts";

/** A (cycle, asset) row with its batch summary, as the scheduler and the cycle API read it. */
export interface CycleRecord {
  cycleId: bigint;
  asset: Address;
  status: CycleStatus;
  deadlines: CycleDeadlines;
  finalizeTxHash: Hex | undefined;
  batch: BatchSummary | undefined;
}

export interface BatchSummary {
  root: Hex;
  batchHash: Hex;
  totalNetDebit: bigint;
  totalNetCredit: bigint;
  guaranteeCount: number;
  debtorCount: number;
  creditorCount: number;
  v2GuaranteeIds: Hex[];
  commitTxHash: Hex | undefined;
  commitBlock: bigint | undefined;
  nettedAt: bigint;
}

export type PositionRole = "NET_DEBTOR" | "NET_CREDITOR" | "FLAT";

export interface PositionRecord {
  participant: Address;
  role: PositionRole;
  grossOut: bigint;
  grossIn: bigint;
  amount: bigint;
  status: string;
}

interface CycleRow {
  cycle_id: string;
  asset: string;
  status: string;
  starts_at: string;
  ends_at: string;
  resolution_cutoff: string;
  commit_deadline: string;
  payment_deadline: string;
  finality_deadline: string;
  finalize_tx_hash: string | null;
  merkle_root: string | null;
  batch_hash: string | null;
  total_net_debit: string | null;
  total_net_credit: string | null;
  guarantee_count: number | null;
  debtor_count: number | null;
  creditor_count: number | null;
  v2_guarantee_ids: string[] | null;
  commit_tx_hash: string | null;
  commit_block: string | null;
  netted_at: string | null;
}

const SELECT_CYCLES = `SELECT c.cycle_id, c.asset, c.status, c.starts_at, c.ends_at, c.resolution_cutoff, c.commit_deadline,
    c.payment_deadline, c.finality_deadline, c.finalize_tx_hash, b.merkle_root, b.batch_hash, b.total_net_debit,
    b.total_net_credit, b.guarantee_count, b.debtor_count, b.creditor_count, b.v2_guarantee_ids, b.commit_tx_hash,
    b.commit_block, b.netted_at
  FROM cycles c LEFT JOIN batches b ON b.cycle_id = c.cycle_id AND b.asset = c.asset`;

function toRecord(r: CycleRow): CycleRecord {
  return {
    cycleId: fromDbAmount(r.cycle_id),
    asset: r.asset as Address,
    status: r.status as CycleStatus,
    deadlines: {
      start: BigInt(r.starts_at),
      end: BigInt(r.ends_at),
      resolutionCutoff: BigInt(r.resolution_cutoff),
      commitDeadline: BigInt(r.commit_deadline),
      paymentDeadline: BigInt(r.payment_deadline),
      finalityDeadline: BigInt(r.finality_deadline),
    },
    finalizeTxHash: (r.finalize_tx_hash ?? undefined) as Hex | undefined,
    batch:
      r.merkle_root === null
        ? undefined
        : {
            root: r.merkle_root as Hex,
            batchHash: r.batch_hash as Hex,
            totalNetDebit: fromDbAmount(r.total_net_debit),
            totalNetCredit: fromDbAmount(r.total_net_credit),
            guaranteeCount: Number(r.guarantee_count),
            debtorCount: Number(r.debtor_count),
            creditorCount: Number(r.creditor_count),
            v2GuaranteeIds: (r.v2_guarantee_ids ?? []) as Hex[],
            commitTxHash: (r.commit_tx_hash ?? undefined) as Hex | undefined,
            commitBlock: r.commit_block === null ? undefined : BigInt(r.commit_block),
            nettedAt: BigInt(r.netted_at ?? "0"),
          },
  };
}

/** Every (cycle, asset) the scheduler may still act on. */
export async function listLiveCycles(q: Queryable): Promise<CycleRecord[]> {
  const { rows } = await q.query<CycleRow>(
    `${SELECT_CYCLES} WHERE c.status NOT IN ('MISSED', 'EMPTY', 'FINALIZED') ORDER BY c.cycle_id, c.asset`,
  );
  return rows.map(toRecord);
}

/** The newest cycles (any status), newest first. */
export async function listRecentCycles(q: Queryable, limit: number): Promise<CycleRecord[]> {
  const { rows } = await q.query<CycleRow>(`${SELECT_CYCLES} ORDER BY c.cycle_id DESC, c.asset LIMIT $1`, [limit]);
  return rows.map(toRecord);
}

export async function getCycleRecord(q: Queryable, cycleId: bigint, asset: Address): Promise<CycleRecord | undefined> {
  const { rows } = await q.query<CycleRow>(`${SELECT_CYCLES} WHERE c.cycle_id = $1 AND c.asset = $2`, [
    toDbAmount(cycleId),
    asset.toLowerCase(),
  ]);
  return rows[0] && toRecord(rows[0]);
}

/**
 * Per asset, the first cycle id without a row: newest row + 1; for an asset with no row yet, the oldest cycle of
 * its guarantees (so guarantees issued before the scheduler first ran are still netted).
 */
export async function nextCycleIds(q: Queryable): Promise<Map<Address, bigint>> {
  const out = new Map<Address, bigint>();
  const newest = await q.query<{ asset: string; newest: string }>(
    "SELECT asset, max(cycle_id)::text AS newest FROM cycles GROUP BY asset",
  );
  for (const r of newest.rows) out.set(r.asset as Address, fromDbAmount(r.newest) + 1n);
  const oldest = await q.query<{ asset: string; oldest: string }>(
    `SELECT g.asset, min(g.cycle_id)::text AS oldest FROM guarantees g
     WHERE NOT EXISTS (SELECT 1 FROM cycles c WHERE c.asset = g.asset) GROUP BY g.asset`,
  );
  for (const r of oldest.rows) out.set(r.asset as Address, fromDbAmount(r.oldest));
  return out;
}

/** Every asset that holds collateral (a guarantee needs a balance row to lock), lower-case. */
export async function collateralAssets(q: Queryable): Promise<Address[]> {
  const { rows } = await q.query<{ asset: string }>("SELECT DISTINCT asset FROM balances ORDER BY asset");
  return rows.map((r) => r.asset as Address);
}

/** Creates the row with the schedule's deadlines copied in; a row that exists is left as it is. */
export async function insertCycle(
  q: Queryable,
  cycleId: bigint,
  asset: Address,
  d: CycleDeadlines,
  status: CycleStatus = "OPEN",
): Promise<void> {
  await q.query(
    `INSERT INTO cycles (cycle_id, asset, starts_at, ends_at, resolution_cutoff, commit_deadline, payment_deadline,
       finality_deadline, status)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (cycle_id, asset) DO NOTHING`,
    [
      toDbAmount(cycleId),
      asset.toLowerCase(),
      d.start.toString(),
      d.end.toString(),
      d.resolutionCutoff.toString(),
      d.commitDeadline.toString(),
      d.paymentDeadline.toString(),
      d.finalityDeadline.toString(),
      status,
    ],
  );
}

/** Moves the row from one of `from` to `to`; false when it was in none of them (someone else moved it). */
export async function transitionCycle(
  q: Queryable,
  cycleId: bigint,
  asset: Address,
  from: readonly CycleStatus[],
  to: CycleStatus,
): Promise<boolean> {
  const placeholders = from.map((_, i) => `$${i + 4}`).join(", ");
  const r = await q.query(
    `UPDATE cycles SET status = $3, updated_at = now() WHERE cycle_id = $1 AND asset = $2 AND status IN (${placeholders})`,
    [toDbAmount(cycleId), asset.toLowerCase(), to, ...from],
  );
  return r.rowCount === 1;
}

/** Locks the row for the rest of the transaction and returns its status. */
export async function lockCycle(q: Queryable, cycleId: bigint, asset: Address): Promise<CycleStatus | undefined> {
  const { rows } = await q.query<{ status: string }>(
    "SELECT status FROM cycles WHERE cycle_id = $1 AND asset = $2 FOR UPDATE",
    [toDbAmount(cycleId), asset.toLowerCase()],
  );
  return rows[0]?.status as CycleStatus | undefined;
}

export async function setCommitTx(q: Queryable, cycleId: bigint, asset: Address, hash: Hex | null): Promise<void> {
  await q.query("UPDATE batches SET commit_tx_hash = $3 WHERE cycle_id = $1 AND asset = $2", [
    toDbAmount(cycleId),
    asset.toLowerCase(),
    hash,
  ]);
}

export async function setCommitBlock(q: Queryable, cycleId: bigint, asset: Address, block: bigint): Promise<void> {
  await q.query("UPDATE batches SET commit_block = $3 WHERE cycle_id = $1 AND asset = $2", [
    toDbAmount(cycleId),
    asset.toLowerCase(),
    block.toString(),
  ]);
}

export async function setFinalizeTx(q: Queryable, cycleId: bigint, asset: Address, hash: Hex): Promise<void> {
  await q.query("UPDATE cycles SET finalize_tx_hash = $3 WHERE cycle_id = $1 AND asset = $2", [
    toDbAmount(cycleId),
    asset.toLowerCase(),
    hash,
  ]);
}

interface PositionRow {
  participant: string;
  role: string;
  gross_out: string;
  gross_in: string;
  amount: string;
  status: string;
}

function toPosition(r: PositionRow): PositionRecord {
  return {
    participant: r.participant as Address,
    role: r.role as PositionRole,
    grossOut: fromDbAmount(r.gross_out),
    grossIn: fromDbAmount(r.gross_in),
    amount: fromDbAmount(r.amount),
    status: r.status,
  };
}

/** Every position of the batch (flat ones included), by participant. */
export async function listPositions(q: Queryable, cycleId: bigint, asset: Address): Promise<PositionRecord[]> {
  const { rows } = await q.query<PositionRow>(
    `SELECT participant, role, gross_out, gross_in, amount, status FROM positions
     WHERE cycle_id = $1 AND asset = $2 ORDER BY participant`,
    [toDbAmount(cycleId), asset.toLowerCase()],
  );
  return rows.map(toPosition);
}

export async function getPosition(
  q: Queryable,
  cycleId: bigint,
  asset: Address,
  participant: Address,
): Promise<PositionRecord | undefined> {
  const { rows } = await q.query<PositionRow>(
    `SELECT participant, role, gross_out, gross_in, amount, status FROM positions
     WHERE cycle_id = $1 AND asset = $2 AND participant = $3`,
    [toDbAmount(cycleId), asset.toLowerCase(), participant.toLowerCase()],
  );
  return rows[0] && toPosition(rows[0]);
}

/** One netted guarantee as the published batch lists it. */
export interface BatchGuarantee {
  guaranteeId: Hex;
  version: number;
  cycleId: bigint;
  user: Address;
  recipient: Address;
  amount: bigint;
  /** The evidence an auditor checks (docs/audit.md): the payer's EIP-712 signature and Core's BLS certificate. */
  payerSignature: Hex;
  certificate: { claims: Hex; signature: Hex; signatureEip2537: unknown };
}

/** One page of the batch's guarantees in ascending id order, after `after` (keyset pagination). */
export async function pageBatchGuarantees(
  q: Queryable,
  cycleId: bigint,
  asset: Address,
  limit: number,
  after?: Hex,
): Promise<BatchGuarantee[]> {
  const { rows } = await q.query<{
    guarantee_id: string;
    version: number;
    cycle_id: string;
    user_address: string;
    recipient: string;
    amount: string;
    payer_signature: string;
    claims: string;
    bls_signature: string;
    signature_eip2537: unknown;
  }>(
    `SELECT guarantee_id, version, cycle_id, user_address, recipient, amount,
            payer_signature, claims, bls_signature, signature_eip2537 FROM guarantees
     WHERE netted_cycle_id = $1 AND asset = $2 AND guarantee_id COLLATE "C" > $3 ORDER BY guarantee_id COLLATE "C" LIMIT $4`,
    [toDbAmount(cycleId), asset.toLowerCase(), after ?? "0x", limit],
  );
  return rows.map((r) => ({
    guaranteeId: r.guarantee_id as Hex,
    version: Number(r.version),
    cycleId: fromDbAmount(r.cycle_id),
    user: r.user_address as Address,
    recipient: r.recipient as Address,
    amount: fromDbAmount(r.amount),
    payerSignature: r.payer_signature as Hex,
    certificate: {
      claims: r.claims as Hex,
      signature: r.bls_signature as Hex,
      signatureEip2537: typeof r.signature_eip2537 === "string" ? JSON.parse(r.signature_eip2537) : r.signature_eip2537,
    },
  }));
}

/**
 * One page of cycles (any status), newest first, keyed on the primary key (cycle_id DESC, asset ASC): `after` is
 * the last (cycle, asset) of the previous page. Rows added meanwhile never shift a page.
 */
export async function pageCycles(
  q: Queryable,
  limit: number,
  after?: { cycleId: bigint; asset: Address },
): Promise<CycleRecord[]> {
  const { rows } = after
    ? await q.query<CycleRow>(
        `${SELECT_CYCLES} WHERE c.cycle_id < $1 OR (c.cycle_id = $1 AND c.asset COLLATE "C" > $2)
         ORDER BY c.cycle_id DESC, c.asset COLLATE "C" LIMIT $3`,
        [toDbAmount(after.cycleId), after.asset.toLowerCase(), limit],
      )
    : await q.query<CycleRow>(`${SELECT_CYCLES} ORDER BY c.cycle_id DESC, c.asset COLLATE "C" LIMIT $1`, [limit]);
  return rows.map(toRecord);
}

/** One page of a (cycle, asset)'s positions (flat ones included), by participant, after `after`. */
export async function pagePositions(
  q: Queryable,
  cycleId: bigint,
  asset: Address,
  limit: number,
  after?: Address,
): Promise<PositionRecord[]> {
  const { rows } = await q.query<PositionRow>(
    `SELECT participant, role, gross_out, gross_in, amount, status FROM positions
     WHERE cycle_id = $1 AND asset = $2 AND participant COLLATE "C" > $3 ORDER BY participant COLLATE "C" LIMIT $4`,
    [toDbAmount(cycleId), asset.toLowerCase(), (after ?? "0x").toLowerCase(), limit],
  );
  return rows.map(toPosition);
}

/**
 * Every V1 request `user` signed in (`cycleId`, `asset`) as Core stored it (request fields and payer signature):
 * what the keeper proves on-chain to cap a default's seizure. Any status counts: the payer signed each.
 */
export async function listSignedV1Requests(
  q: Queryable,
  cycleId: bigint,
  asset: Address,
  user: Address,
): Promise<{ recipient: Address; reqId: bigint; amount: bigint; timestamp: bigint; signature: Hex }[]> {
  const { rows } = await q.query<{
    recipient: string;
    req_id: string;
    amount: string;
    ts: string;
    payer_signature: string;
  }>(
    `SELECT recipient, req_id, amount, ts, payer_signature FROM guarantees
     WHERE version = 1 AND cycle_id = $1 AND asset = $2 AND user_address = $3`,
    [toDbAmount(cycleId), asset.toLowerCase(), user.toLowerCase()],
  );
  return rows.map((r) => ({
    recipient: r.recipient as Address,
    reqId: fromDbAmount(r.req_id),
    amount: fromDbAmount(r.amount),
    timestamp: BigInt(r.ts),
    signature: r.payer_signature as Hex,
  }));
}

/** The certificate envelopes and payer signatures of `ids` (V2 guarantees a commit nets), in the order of `ids`. */
export async function listNettedCertificates(
  q: Queryable,
  ids: readonly Hex[],
): Promise<{ guaranteeId: Hex; version: number; claims: Hex; payerSignature: Hex }[]> {
  if (ids.length === 0) return [];
  const { rows } = await q.query<{ guarantee_id: string; version: number; claims: string; payer_signature: string }>(
    `SELECT guarantee_id, version, claims, payer_signature FROM guarantees
     WHERE guarantee_id = ANY (string_to_array($1, ','))`,
    [ids.map((i) => i.toLowerCase()).join(",")],
  );
  const byId = new Map(rows.map((r) => [r.guarantee_id.toLowerCase(), r]));
  return ids.map((id) => {
    const r = byId.get(id.toLowerCase());
    if (!r) throw new Error(`netted guarantee ${id} is not stored`);
    return {
      guaranteeId: id,
      version: Number(r.version),
      claims: r.claims as Hex,
      payerSignature: r.payer_signature as Hex,
    };
  });
}
