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
  pageBatchGuarantees,
  pageCycles,
  pagePositions,
  type CycleRecord,
  type PositionRecord,
} from "../db/cycleRepository.ts";
import type { Queryable } from "../db/database.ts";
import { addressSchema } from "../../issuance/requestSchema.ts";
import {
  batchPageSchema,
  cycleListSchema,
  cycleSchema,
  positionPageSchema,
  positionProofSchema,
} from "./apiSchemas.ts";
import { ADDRESS_KEY, cursorParam, decodeCursor, encodeCursor, HEX32_KEY, UINT_KEY } from "./cursor.ts";
import { errorResponses, parseOrThrow } from "./routes/guarantees.ts";
import { useZodSchemas } from "./zodSchemas.ts";

export interface CycleRoutesDeps {
  cycleDb: Queryable;
  chainId: bigint;
  clearingHouse: Address;
  /** The on-chain schedule (`ClearingHouse.scheduleSegments()`), cached by the caller as it sees fit. */
  schedule: () => Promise<readonly ScheduleSegment[]>;
}

const address = addressSchema;
const uint = z
  .string()
  .regex(/^[0-9]{1,78}$/, { message: "must be a decimal integer", abort: true })
  .transform(BigInt)
  .refine((v) => v < 1n << 256n, { message: "is above uint256", params: { code: "OUT_OF_RANGE" } });
const cycleParams = z.strictObject({ cycleId: uint, asset: address });
const positionParams = cycleParams.extend({ participant: address });
const listQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(50).describe("page size (1 to 500)"),
  cursor: cursorParam,
});
const batchQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(10_000).default(1_000).describe("guarantees per page (1 to 10,000)"),
  cursor: cursorParam,
  after: z
    .string()
    .regex(/^0x[0-9a-fA-F]{64}$/, "must be a guarantee id")
    .transform((s) => s.toLowerCase() as Hex)
    .optional()
    .describe("deprecated: the last guaranteeId of the previous page (use cursor)"),
});
const positionsQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1_000).default(500).describe("page size (1 to 1,000)"),
  cursor: cursorParam,
});

/** Positions of batches never change once netted: a small cache of rebuilt trees, keyed by root. */
const TREE_CACHE_SIZE = 32;

/**
 * The cycle API: the schedule and recent cycles, one (cycle, asset), its published batch (every netted
 * guarantee, paged by id, with every position, the root and the batch hash, so anyone can recompute both), and a
 * participant's position with its Merkle proof and ready-to-send ClearingHouse call data.
 */
export function cycleRoutes(app: FastifyInstance, deps: CycleRoutesDeps): void {
  useZodSchemas(app);
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

  app.get(
    "/core/cycles",
    {
      schema: {
        summary: "The on-chain cycle schedule (segments) and the cycles, newest first, paged by cursor",
        querystring: listQuery,
        response: { 200: cycleListSchema, ...errorResponses },
      },
    },
    async (request) => {
      const { limit, cursor } = parseOrThrow(listQuery, request.query, "query");
      const after = cursor
        ? (([id, a]) => ({ cycleId: BigInt(id!), asset: a as Address }))(
            decodeCursor("cycles", cursor, 2, [UINT_KEY, ADDRESS_KEY]),
          )
        : undefined;
      const [segments, recent] = await Promise.all([deps.schedule(), pageCycles(deps.cycleDb, limit, after)]);
      const last = recent.length === limit ? recent[recent.length - 1] : undefined;
      return {
        chainId: deps.chainId.toString(),
        clearingHouse: deps.clearingHouse,
        schedule: segments.map((s) => Object.fromEntries(Object.entries(s).map(([k, v]) => [k, v.toString()]))),
        cycles: recent.map(cycleJson),
        next: last ? encodeCursor("cycles", [last.cycleId.toString(), last.asset]) : null,
      };
    },
  );

  app.get(
    "/core/cycles/:cycleId/:asset",
    {
      schema: {
        summary: "One (cycle, asset): status, deadlines, batch summary, transactions",
        params: cycleParams,
        response: { 200: cycleSchema, ...errorResponses },
      },
    },
    async (request) => {
      const { cycleId, asset } = parseOrThrow(cycleParams, request.params, "cycle");
      return cycleJson(await cycleOrThrow(cycleId, asset));
    },
  );

  app.get(
    "/core/cycles/:cycleId/:asset/positions",
    {
      schema: {
        summary: "The positions of a netted (cycle, asset), by participant, paged by cursor",
        params: cycleParams,
        querystring: positionsQuery,
        response: { 200: positionPageSchema, ...errorResponses },
      },
    },
    async (request) => {
      const { cycleId, asset } = parseOrThrow(cycleParams, request.params, "cycle");
      const { limit, cursor } = parseOrThrow(positionsQuery, request.query, "query");
      const after = cursor ? (decodeCursor("positions", cursor, 1, [ADDRESS_KEY])[0] as Address) : undefined;
      batchOrThrow(await cycleOrThrow(cycleId, asset));
      const positions = await pagePositions(deps.cycleDb, cycleId, asset, limit, after);
      const last = positions.length === limit ? positions[positions.length - 1] : undefined;
      return {
        positions: positions.map(positionJson),
        next: last ? encodeCursor("positions", [last.participant]) : null,
      };
    },
  );

  app.get(
    "/core/cycles/:cycleId/:asset/batch",
    {
      schema: {
        summary:
          "The published batch: every position, the netted guarantees (paged by cursor), root and batch hash, so anyone can recompute both",
        params: cycleParams,
        querystring: batchQuery,
        response: { 200: batchPageSchema, ...errorResponses },
      },
    },
    async (request) => {
      const { cycleId, asset } = parseOrThrow(cycleParams, request.params, "cycle");
      const query = parseOrThrow(batchQuery, request.query, "query");
      const { limit } = query;
      const after = query.cursor ? (decodeCursor("batch", query.cursor, 1, [HEX32_KEY])[0] as Hex) : query.after;
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
          payerSignature: g.payerSignature,
          certificate: g.certificate,
        })),
        /** Pass as `cursor` for the next page; null on the last page. */
        next:
          guarantees.length === limit ? encodeCursor("batch", [guarantees[guarantees.length - 1]!.guaranteeId]) : null,
        guaranteeCount: batch.guaranteeCount,
      };
    },
  );

  app.get(
    "/core/cycles/:cycleId/:asset/positions/:participant",
    {
      schema: {
        summary:
          "A participant's net position with its Merkle leaf and proof, and ready-to-send ClearingHouse calls (payNetDebit/markDefaulted or claimNetCredit)",
        params: positionParams,
        response: { 200: positionProofSchema, ...errorResponses },
      },
    },
    async (request) => {
      const { cycleId, asset, participant } = parseOrThrow(positionParams, request.params, "position");
      const c = await cycleOrThrow(cycleId, asset);
      const batch = batchOrThrow(c);
      const p = await getPosition(deps.cycleDb, cycleId, asset, participant);
      if (!p) {
        throw new SchedulerError(
          SchedulerCode.POSITION_NOT_FOUND,
          `${participant} has no position in cycle ${cycleId}`,
          {
            cycleId: cycleId.toString(),
            asset,
            participant,
          },
        );
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
    },
  );
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
