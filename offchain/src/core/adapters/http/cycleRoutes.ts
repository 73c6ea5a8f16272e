import type { FastifyInstance } from "fastify";
import { encodeFunctionData, zeroAddress, type Address, type Hex } from "viem";
import { z } from "zod";

import { buildNettingTree, type NettingTree } from "../../../protocol/netting/buildNettingTree.ts";
import { NET_CREDITOR, NET_DEBTOR, type NetPosition } from "../../../protocol/netting/types.ts";
import type { ScheduleSegment } from "../../../protocol/cycles/cycleSchedule.ts";
import { SchedulerCode, SchedulerError } from "../../scheduler/schedulerErrors.ts";
import { clearingHouseAbi } from "../chain/clearingHouseAbi.ts";
import {
  getCycleRecord,
  getPosition,
  listPositions,
  listRecentCycles,
  pageBatchGuarantees,
  type CycleRecord,
  type PositionRecord,
} from "../db/cycleRepository.ts";
import type { Queryable } from "../db/database.ts";
import { parseOrThrow } from "./routes/guarantees.ts";

export interface CycleRoutesDeps {
  cycleDb: Queryable;
  chainId: bigint;
  clearingHouse: Address;
  /** The on-chain schedule (`ClearingHouse.scheduleSegments()`), cached by the caller as it sees fit. */
  schedule: () => Promise<readonly ScheduleSegment[]>;
}

const address = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, "must be a 20-byte 0x-hex address")
  .transform((s) => s.toLowerCase() as Address);
const uint = z
  .string()
  .regex(/^[0-9]{1,78}$/, "must be a decimal integer")
  .transform(BigInt);
const cycleParams = z.strictObject({ cycleId: uint, asset: address });
const positionParams = cycleParams.extend({ participant: address });
const listQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(500).default(50) });
const batchQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(10_000).default(1_000),
  after: z
    .string()
    .regex(/^0x[0-9a-fA-F]{64}$/, "must be a guarantee id")
    .transform((s) => s.toLowerCase() as Hex)
    .optional(),
});

/** Positions of batches never change once netted: a small cache of rebuilt trees, keyed by root. */
const TREE_CACHE_SIZE = 32;

/**
 * The cycle API: the schedule and recent cycles, one (cycle, asset), its published batch (every netted
 * guarantee, paged by id, with every position, the root and the batch hash, so anyone can recompute both), and a
 * participant's position with its Merkle proof and ready-to-send ClearingHouse call data.
 */
export function cycleRoutes(app: FastifyInstance, deps: CycleRoutesDeps): void {
  const trees = new Map<string, NettingTree>();

  async function cycleOrThrow(cycleId: bigint, asset: Address): Promise<CycleRecord> {
    const c = await getCycleRecord(deps.cycleDb, cycleId, asset);
    if (!c) {
      throw new SchedulerError(SchedulerCode.CYCLE_NOT_FOUND, `no cycle ${cycleId} for asset ${asset}`, {
        cycleId: cycleId.toString(),
        asset,
      });
    }
    return c;
  }

  function batchOrThrow(c: CycleRecord) {
    if (!c.batch || c.status === "MISSED") {
      throw new SchedulerError(
        SchedulerCode.BATCH_NOT_FOUND,
        `cycle ${c.cycleId} of ${c.asset} has no published batch`,
        {
          cycleId: c.cycleId.toString(),
          asset: c.asset,
          status: c.status,
        },
      );
    }
    return c.batch;
  }

  async function treeOf(c: CycleRecord, root: Hex): Promise<NettingTree> {
    const cached = trees.get(root);
    if (cached) return cached;
    const positions = (await listPositions(deps.cycleDb, c.cycleId, c.asset)).filter((p) => p.role !== "FLAT");
    const tree = buildNettingTree({
      chainId: deps.chainId,
      clearingHouse: deps.clearingHouse,
      cycleId: c.cycleId,
      asset: c.asset,
      positions: positions.map((p): NetPosition => ({
        participant: p.participant,
        role: p.role === "NET_DEBTOR" ? NET_DEBTOR : NET_CREDITOR,
        amount: p.amount,
      })),
    });
    if (tree.root !== root) throw new Error(`stored positions of cycle ${c.cycleId} do not give its root ${root}`);
    if (trees.size >= TREE_CACHE_SIZE) trees.delete(trees.keys().next().value as string);
    trees.set(root, tree);
    return tree;
  }

  app.get("/core/cycles", async (request) => {
    const { limit } = parseOrThrow(listQuery, request.query, "query");
    const [segments, recent] = await Promise.all([deps.schedule(), listRecentCycles(deps.cycleDb, limit)]);
    return {
      chainId: deps.chainId.toString(),
      clearingHouse: deps.clearingHouse,
      schedule: segments.map((s) => Object.fromEntries(Object.entries(s).map(([k, v]) => [k, v.toString()]))),
      cycles: recent.map(cycleJson),
    };
  });

  app.get("/core/cycles/:cycleId/:asset", async (request) => {
    const { cycleId, asset } = parseOrThrow(cycleParams, request.params, "cycle");
    return cycleJson(await cycleOrThrow(cycleId, asset));
  });

  app.get("/core/cycles/:cycleId/:asset/batch", async (request) => {
    const { cycleId, asset } = parseOrThrow(cycleParams, request.params, "cycle");
    const { limit, after } = parseOrThrow(batchQuery, request.query, "query");
    const c = await cycleOrThrow(cycleId, asset);
    const batch = batchOrThrow(c);
    const [positions, guarantees] = await Promise.all([
      listPositions(deps.cycleDb, cycleId, asset),
      pageBatchGuarantees(deps.cycleDb, cycleId, asset, limit, after),
    ]);
    return {
      ...cycleJson(c),
      positions: positions.map(positionJson),
      guarantees: guarantees.map((g) => ({
        guaranteeId: g.guaranteeId,
        version: g.version,
        cycleId: g.cycleId.toString(),
        user: g.user,
        recipient: g.recipient,
        amount: g.amount.toString(),
      })),
      /** Pass as `after` for the next page; null on the last page. */
      next: guarantees.length === limit ? guarantees[guarantees.length - 1]!.guaranteeId : null,
      guaranteeCount: batch.guaranteeCount,
    };
  });

  app.get("/core/cycles/:cycleId/:asset/positions/:participant", async (request) => {
    const { cycleId, asset, participant } = parseOrThrow(positionParams, request.params, "position");
    const c = await cycleOrThrow(cycleId, asset);
    const batch = batchOrThrow(c);
    const p = await getPosition(deps.cycleDb, cycleId, asset, participant);
    if (!p) {
      throw new SchedulerError(SchedulerCode.POSITION_NOT_FOUND, `${participant} has no position in cycle ${cycleId}`, {
        cycleId: cycleId.toString(),
        asset,
        participant,
      });
    }
    const base = { cycleId: cycleId.toString(), asset, status: c.status, root: batch.root, ...positionJson(p) };
    if (p.role === "FLAT") return { ...base, leaf: null, proof: [], calls: {} };
    const tree = await treeOf(c, batch.root);
    const proof = tree.getProof(participant);
    const to = deps.clearingHouse;
    const call = (data: Hex, value = 0n) => ({ to, data, value: value.toString() });
    const calls =
      p.role === "NET_DEBTOR"
        ? {
            payNetDebit: call(
              encodeFunctionData({
                abi: clearingHouseAbi,
                functionName: "payNetDebit",
                args: [cycleId, asset, participant, p.amount, proof],
              }),
              asset === zeroAddress ? p.amount : 0n,
            ),
            markDefaulted: call(
              encodeFunctionData({
                abi: clearingHouseAbi,
                functionName: "markDefaulted",
                // Prover zero: only the V2 amounts the commit netted cap the seizure. Core's keeper proves the V1
                // requests and names itself; another keeper proves with proveSignedRequests and sets its address.
                args: [cycleId, asset, [{ debtor: participant, amount: p.amount, proof, prover: zeroAddress }]],
              }),
            ),
          }
        : {
            claimNetCredit: call(
              encodeFunctionData({
                abi: clearingHouseAbi,
                functionName: "claimNetCredit",
                args: [cycleId, asset, participant, p.amount, proof],
              }),
            ),
          };
    return { ...base, leaf: tree.leafOf(participant), proof, calls };
  });
}

function cycleJson(c: CycleRecord) {
  const d = c.deadlines;
  const b = c.batch;
  return {
    cycleId: c.cycleId.toString(),
    asset: c.asset,
    status: c.status,
    deadlines: {
      start: d.start.toString(),
      end: d.end.toString(),
      resolutionCutoff: d.resolutionCutoff.toString(),
      commitDeadline: d.commitDeadline.toString(),
      paymentDeadline: d.paymentDeadline.toString(),
      finalityDeadline: d.finalityDeadline.toString(),
    },
    batch:
      b === undefined
        ? null
        : {
            root: b.root,
            batchHash: b.batchHash,
            totalNetDebit: b.totalNetDebit.toString(),
            totalNetCredit: b.totalNetCredit.toString(),
            guaranteeCount: b.guaranteeCount,
            debtorCount: b.debtorCount,
            creditorCount: b.creditorCount,
            v2GuaranteeIds: b.v2GuaranteeIds,
            nettedAt: b.nettedAt.toString(),
            commitTxHash: b.commitTxHash ?? null,
            commitBlock: b.commitBlock?.toString() ?? null,
          },
    finalizeTxHash: c.finalizeTxHash ?? null,
  };
}

function positionJson(p: PositionRecord) {
  return {
    participant: p.participant,
    role: p.role,
    amount: p.amount.toString(),
    grossOut: p.grossOut.toString(),
    grossIn: p.grossIn.toString(),
    positionStatus: p.status,
  };
}
