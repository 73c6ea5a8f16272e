import type { Address, Hex } from "viem";

import { fromDbAmount, toDbAmount } from "../../adapters/db/amounts.ts";
import { lockCycle } from "../../adapters/db/cycleRepository.ts";
import type { Database, Queryable } from "../../adapters/db/database.ts";
import { createBatchHasher } from "../../../protocol/netting/batchHash.ts";
import { buildNettingTree, type NettingTree } from "../../../protocol/netting/buildNettingTree.ts";
import { computePositions } from "../../../protocol/netting/computePositions.ts";
import { NET_DEBTOR, type NettingGuarantee } from "../../../protocol/netting/types.ts";
import { SchedulerCode, SchedulerError } from "../../scheduler/schedulerErrors.ts";

export interface NetCycleInput {
  cycleId: bigint;
  asset: Address;
  chainId: bigint;
  clearingHouse: Address;
  /** Chain time of the tick, recorded as the batch's `netted_at`. */
  now: bigint;
  /** V2 ids already consumed on-chain (redeemed directly): left out, a commit netting them would revert. */
  excludedIds?: readonly Hex[];
  /** Guarantees read per page (default 1000). */
  pageSize?: number;
}

export type NetCycleOutcome =
  | { outcome: "NETTED"; tree: NettingTree; batchHash: Hex; guaranteeCount: number; v2GuaranteeIds: Hex[] }
  | { outcome: "EMPTY" }
  /** The row was not CLOSED (another leader netted it, or it moved on): nothing was changed. */
  | { outcome: "SKIPPED" };

export const CAUSE_NET = "SCHEDULER_NET";

/**
 * Nets a closed (cycle, asset) in ONE transaction, so no guarantee is ever netted twice or half-netted:
 * 1. marks NETTED (with `netted_cycle_id`) every FINALIZED_PAYABLE guarantee of the asset not yet netted that
 *    belongs here: V1 of this cycle exactly (a V1 of a missed cycle stays on the vault's fallback route), V2 of
 *    this or an earlier cycle (promoted since), and records each transition;
 * 2. streams them back in ascending id order, page by page, into the batch hash, the gross flows and the
 *    per-(payer, recipient) edges (memory grows with participants and edges, not guarantees);
 * 3. computes net positions (which checks that they sum to zero), checks them against the gross flows, builds
 *    the Merkle tree, and stores every position (flat ones too) and the batch.
 * Nothing payable but some guarantee issued in the cycle (cancelled, disputed, pending): an empty batch (root 0,
 * zero totals and counts) is stored and committed like any other, so the cycle is committed on-chain and its V1
 * fallback never opens for a cancelled certificate (protocol.md §9). No guarantee at all: the row becomes EMPTY,
 * nothing to commit.
 */
export async function netCycle(db: Database, input: NetCycleInput): Promise<NetCycleOutcome> {
  return db.transaction(async (tx) => {
    const status = await lockCycle(tx, input.cycleId, input.asset);
    if (status !== "CLOSED") return { outcome: "SKIPPED" } as const;
    const cycle = toDbAmount(input.cycleId);
    const asset = input.asset.toLowerCase() as Address;

    await tx.query(
      `WITH moved AS (
         UPDATE guarantees SET status = 'NETTED', netted_cycle_id = $1, updated_at = now()
         WHERE asset = $2 AND status = 'FINALIZED_PAYABLE' AND netted_cycle_id IS NULL
           AND ((version = 1 AND cycle_id = $1) OR (version <> 1 AND cycle_id <= $1))
           AND NOT (guarantee_id = ANY (string_to_array($3, ',')))
         RETURNING guarantee_id)
       INSERT INTO guarantee_transitions (guarantee_id, from_status, to_status, cause, cause_ref)
       SELECT guarantee_id, 'FINALIZED_PAYABLE', 'NETTED', $4, $5 FROM moved`,
      [
        cycle,
        asset,
        (input.excludedIds ?? []).map((i) => i.toLowerCase()).join(","),
        CAUSE_NET,
        `${input.cycleId}:${asset}`,
      ],
    );

    const header = { chainId: input.chainId, clearingHouse: input.clearingHouse, cycleId: input.cycleId, asset };
    const hasher = createBatchHasher(header);
    const gross = new Map<Address, { out: bigint; in: bigint }>();
    const edges = new Map<string, NettingGuarantee>();
    const v2GuaranteeIds: Hex[] = [];
    await streamNetted(tx, cycle, asset, input.pageSize ?? 1000, (g) => {
      hasher.update(g);
      if (g.version !== 1) v2GuaranteeIds.push(g.guaranteeId);
      if (g.user === g.recipient || g.amount === 0n) return;
      flow(gross, g.user).out += g.amount;
      flow(gross, g.recipient).in += g.amount;
      const key = `${g.user}${g.recipient}`;
      const e = edges.get(key);
      edges.set(key, { user: g.user, recipient: g.recipient, amount: (e?.amount ?? 0n) + g.amount });
    });

    if (hasher.count === 0 && !(await issuedAny(tx, cycle, asset))) {
      await tx.query("UPDATE cycles SET status = 'EMPTY', updated_at = now() WHERE cycle_id = $1 AND asset = $2", [
        cycle,
        asset,
      ]);
      return { outcome: "EMPTY" } as const;
    }

    const positions = computePositions(edges.values());
    const tree = buildNettingTree({ ...header, positions });
    checkAgainstGross(tree, gross);

    await insertPositions(tx, cycle, asset, tree, gross);
    const batchHash = hasher.digest();
    await tx.query(
      `INSERT INTO batches (cycle_id, asset, merkle_root, total_net_debit, total_net_credit, tree, batch_hash,
         guarantee_count, debtor_count, creditor_count, v2_guarantee_ids, netted_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
      [
        cycle,
        asset,
        tree.root,
        toDbAmount(tree.totalNetDebit),
        toDbAmount(tree.totalNetCredit),
        JSON.stringify(tree.dump()),
        batchHash,
        hasher.count,
        tree.debtorCount,
        tree.creditorCount,
        JSON.stringify(v2GuaranteeIds),
        input.now.toString(),
      ],
    );
    await tx.query("UPDATE cycles SET status = 'NETTED', updated_at = now() WHERE cycle_id = $1 AND asset = $2", [
      cycle,
      asset,
    ]);
    return { outcome: "NETTED", tree, batchHash, guaranteeCount: hasher.count, v2GuaranteeIds } as const;
  });
}

/** Whether any guarantee, in any status, was issued for (cycle, asset). */
async function issuedAny(tx: Queryable, cycle: string, asset: Address): Promise<boolean> {
  const { rows } = await tx.query<{ any: boolean }>(
    "SELECT EXISTS (SELECT 1 FROM guarantees WHERE cycle_id = $1 AND asset = $2) AS any",
    [cycle, asset],
  );
  return rows[0]?.any === true;
}

type Netted = { guaranteeId: Hex; version: number; user: Address; recipient: Address; amount: bigint };

async function streamNetted(
  tx: Queryable,
  cycle: string,
  asset: Address,
  pageSize: number,
  each: (g: Netted) => void,
): Promise<void> {
  let after = "0x";
  for (;;) {
    const { rows } = await tx.query<{
      guarantee_id: string;
      version: number;
      user_address: string;
      recipient: string;
      amount: string;
    }>(
      `SELECT guarantee_id, version, user_address, recipient, amount FROM guarantees
       WHERE netted_cycle_id = $1 AND asset = $2 AND guarantee_id COLLATE "C" > $3
       ORDER BY guarantee_id COLLATE "C" LIMIT $4`,
      [cycle, asset, after, pageSize],
    );
    for (const r of rows) {
      each({
        guaranteeId: r.guarantee_id as Hex,
        version: Number(r.version),
        user: r.user_address as Address,
        recipient: r.recipient as Address,
        amount: fromDbAmount(r.amount),
      });
    }
    if (rows.length < pageSize) return;
    after = rows[rows.length - 1]!.guarantee_id;
  }
}

function flow(gross: Map<Address, { out: bigint; in: bigint }>, who: Address): { out: bigint; in: bigint } {
  let f = gross.get(who);
  if (f === undefined) gross.set(who, (f = { out: 0n, in: 0n }));
  return f;
}

/** Every participant's net position must be its gross in minus gross out; flat ones must have none. */
function checkAgainstGross(tree: NettingTree, gross: Map<Address, { out: bigint; in: bigint }>): void {
  for (const [who, f] of gross) {
    const p = tree.position(who);
    const net = f.in - f.out;
    const expected = p === undefined ? 0n : p.role === NET_DEBTOR ? -p.amount : p.amount;
    if (net !== expected) {
      throw new SchedulerError(
        SchedulerCode.POSITIONS_MISMATCH,
        `participant ${who} nets ${net}, position ${expected}`,
      );
    }
  }
  if (tree.positions.length > gross.size) {
    throw new SchedulerError(SchedulerCode.POSITIONS_MISMATCH, "a position has no gross flow");
  }
}

async function insertPositions(
  tx: Queryable,
  cycle: string,
  asset: Address,
  tree: NettingTree,
  gross: Map<Address, { out: bigint; in: bigint }>,
): Promise<void> {
  const rows = [...gross.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
  const CHUNK = 500;
  for (let i = 0; i < rows.length; i += CHUNK) {
    const params: (string | null)[] = [cycle, asset];
    const values: string[] = [];
    for (const [who, f] of rows.slice(i, i + CHUNK)) {
      const p = tree.position(who);
      const role = p === undefined ? "FLAT" : p.role === NET_DEBTOR ? "NET_DEBTOR" : "NET_CREDITOR";
      const status = p === undefined ? "FLAT" : p.role === NET_DEBTOR ? "UNPAID" : "CLAIMABLE";
      const n = params.length;
      values.push(`($1, $2, $${n + 1}, $${n + 2}, $${n + 3}, $${n + 4}, $${n + 5}, $${n + 6})`);
      params.push(who, role, toDbAmount(f.out), toDbAmount(f.in), toDbAmount(p?.amount ?? 0n), status);
    }
    await tx.query(
      `INSERT INTO positions (cycle_id, asset, participant, role, gross_out, gross_in, amount, status)
       VALUES ${values.join(", ")}`,
      params,
    );
  }
}
