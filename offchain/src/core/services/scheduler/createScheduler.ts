import { decodeAbiParameters, type Address, type Hex } from "viem";

import { fromDbAmount, toDbAmount } from "../../adapters/db/amounts.ts";
import {
  collateralAssets,
  getCycleRecord,
  insertCycle,
  listLiveCycles,
  listNettedCertificates,
  listPositions,
  listSignedV1Requests,
  lockCycle,
  nextCycleIds,
  setCommitBlock,
  setCommitTx,
  setFinalizeTx,
  transitionCycle,
  type CycleRecord,
} from "../../adapters/db/cycleRepository.ts";
import type { Database } from "../../adapters/db/database.ts";
import { buildNettingTree, type NettingTree } from "../../../protocol/netting/buildNettingTree.ts";
import { NET_CREDITOR, NET_DEBTOR, type NetPosition } from "../../../protocol/netting/types.ts";
import { planTick } from "../../scheduler/planTick.ts";
import { cycleAt, type ScheduleSegment } from "../../../protocol/cycles/cycleSchedule.ts";
import { SchedulerCode, SchedulerError } from "../../scheduler/schedulerErrors.ts";
import { planSignedRequestProofs, SEIZURE_MARGIN } from "../../scheduler/planSignedRequestProofs.ts";
import type { ChainCycleFacts, CycleView, PlanOptions, SchedulerState, TickAction } from "../../scheduler/types.ts";
import type {
  ClearingHouseGateway,
  ClearingHouseWrite,
  DefaultClaimArg,
  NettedGuaranteeArg,
  SentTransaction,
} from "./clearingHouseGateway.ts";
import type { LeaderLock } from "./leaderLock.ts";
import { netCycle } from "./netCycle.ts";
import { countOpenSettlements, getClaimsTx } from "../../adapters/db/settlementRepository.ts";
import { DEFAULT_SETTLEMENT_BATCH_SIZE } from "../../settlement/types.ts";
import {
  claimCredits,
  settleFromCollateral,
  type SettlementContext,
  type SettlementHooks,
} from "./collateralSettlement.ts";

/** Test seams: throwing from a hook simulates a crash at that point. */
export interface SchedulerHooks extends SettlementHooks {
  /** After COMMITTING is persisted, before the commit transaction is signed. */
  afterCommitIntent?(cycleId: bigint, asset: Address): Promise<void> | void;
  /** After the signed commit's hash is persisted, before the transaction is broadcast. */
  beforeCommitBroadcast?(cycleId: bigint, asset: Address, hash: Hex): Promise<void> | void;
  /** After the commit transaction is broadcast (its hash persisted), before its receipt is recorded. */
  afterCommitBroadcast?(cycleId: bigint, asset: Address, hash: Hex): Promise<void> | void;
  /** After any action completed. */
  afterAction?(action: TickAction): Promise<void> | void;
}

export interface SchedulerDeps {
  db: Database;
  chain: ClearingHouseGateway;
  chainId: bigint;
  clearingHouse: Address;
  lock: LeaderLock;
  /** Assets followed even before any collateral exists in them (configured tokens, ETH). */
  assets?: readonly Address[];
  /**
   * Planning options; `autoClaim` turns the batched claims on (off when absent here: Core's config, FOURMICA_AUTO_CLAIM,
   * defaults it to true).
   */
  plan?: PlanOptions;
  /** Debtors per `settleNetDebitsFromCollateral` transaction (FOURMICA_SETTLEMENT_BATCH_SIZE, default 200). */
  settlementBatchSize?: number;
  /** Plan/execute rounds per tick at most (default 8): a round's results feed the next round's plan. */
  maxRounds?: number;
  hooks?: SchedulerHooks;
  log?: (message: string, details: Record<string, unknown>) => void;
}

export interface TickReport {
  leader: boolean;
  actions: TickAction[];
}

export interface Scheduler {
  /** Runs every action due at chain time `now`, if this replica leads. Idempotent and resumable. */
  tick(now: bigint): Promise<TickReport>;
  /** The state `planTick` sees at `now` (for diagnostics and tests). */
  loadState(now: bigint): Promise<SchedulerState>;
}

/**
 * The cycle scheduler: loads the DB's view of the cycles plus the chain facts it needs, plans with the pure
 * `planTick`, and executes the plan. DB steps are transactions guarded by the row's status; chain steps re-check
 * the chain before sending and persist their intent (COMMITTING and the signed hash) before broadcasting, so a
 * crash at any point resumes on the next tick of any replica.
 */
export function createScheduler(deps: SchedulerDeps): Scheduler {
  const { db, chain } = deps;
  const planOptions: PlanOptions = { ...deps.plan, autoClaim: deps.plan?.autoClaim ?? false };
  const log = deps.log ?? (() => {});
  const header = (cycleId: bigint, asset: Address) => ({
    chainId: deps.chainId,
    clearingHouse: deps.clearingHouse,
    cycleId,
    asset,
  });

  async function loadState(now: bigint, segments?: ScheduleSegment[]): Promise<SchedulerState> {
    const segs = segments ?? (await chain.scheduleSegments());
    const rows = await listLiveCycles(db);
    const next = await nextCycleIds(db);
    const current = cycleAt(segs, now);
    // An asset's first row: its oldest guarantee's cycle, never later than the current cycle.
    for (const [asset, id] of next) {
      const hasRows = rows.some((r) => r.asset === asset);
      if (!hasRows && current !== undefined && id > current) next.set(asset, current);
    }
    const assets = [
      ...new Set([...(deps.assets ?? []).map((a) => a.toLowerCase() as Address), ...(await collateralAssets(db))]),
    ];
    const open = rows.some((r) => r.status === "COMMITTED") ? await countOpenSettlements(db) : new Map();
    const cycles: CycleView[] = [];
    for (const r of rows) cycles.push(await toView(r, now, open));
    return { segments: segs, assets, cycles, nextCycleId: next };
  }

  async function toView(
    r: CycleRecord,
    now: bigint,
    open: Map<string, { pending: number; submitted: number }>,
  ): Promise<CycleView> {
    const base = { cycleId: r.cycleId, asset: r.asset, status: r.status, deadlines: r.deadlines };
    const withCount = r.batch ? { ...base, guaranteeCount: r.batch.guaranteeCount } : base;
    if (r.status !== "NETTED" && r.status !== "COMMITTING" && r.status !== "COMMITTED") return withCount;
    const c = await chain.getCycle(r.cycleId, r.asset);
    let facts: ChainCycleFacts = {
      committed: c.committed,
      finalized: c.finalized,
      debtorCount: c.debtorCount,
      resolvedDebtors: c.resolvedDebtors,
      funded: c.paidIn + c.covered >= c.totalNet,
    };
    if (r.status === "COMMITTED" && c.committed && !c.finalized && now > r.deadlines.paymentDeadline) {
      const unresolvedDebtors = [];
      for (const p of await listPositions(db, r.cycleId, r.asset)) {
        if (p.role !== "NET_DEBTOR" || p.status === "PAID" || p.status === "DEFAULTED") continue;
        const s = await chain.getParticipant(r.cycleId, r.asset, p.participant);
        if (!s.paid && !s.defaulted) unresolvedDebtors.push({ debtor: p.participant, amount: p.amount });
      }
      facts = { ...facts, unresolvedDebtors };
    }
    if (r.status !== "COMMITTED" || !c.committed || c.finalized) return { ...withCount, chain: facts };
    return { ...withCount, chain: facts, settlement: await settlementFacts(r, open) };
  }

  /** Core's settlement work on a committed row: open authorizations, and creditors left to claim. */
  async function settlementFacts(r: CycleRecord, open: Map<string, { pending: number; submitted: number }>) {
    const o = open.get(`${r.cycleId}:${r.asset}`) ?? { pending: 0, submitted: 0 };
    let unclaimedCreditors = 0;
    if (planOptions.autoClaim) {
      const claimsTx = await getClaimsTx(db, r.cycleId, r.asset);
      const done = claimsTx !== undefined && (await chain.receipt(claimsTx))?.status === "success";
      if (!done) {
        unclaimedCreditors = (await listPositions(db, r.cycleId, r.asset)).filter(
          (p) => p.role === "NET_CREDITOR" && p.status === "CLAIMABLE",
        ).length;
      }
    }
    return { ...o, unclaimedCreditors };
  }

  /** The committed tree, rebuilt from the stored positions and checked against the stored root. */
  async function loadTree(record: CycleRecord): Promise<NettingTree> {
    const positions = (await listPositions(db, record.cycleId, record.asset))
      .filter((p) => p.role !== "FLAT")
      .map((p): NetPosition => ({
        participant: p.participant,
        role: p.role === "NET_DEBTOR" ? NET_DEBTOR : NET_CREDITOR,
        amount: p.amount,
      }));
    const tree = buildNettingTree({ ...header(record.cycleId, record.asset), positions });
    if (tree.root !== record.batch?.root) {
      throw new SchedulerError(
        SchedulerCode.POSITIONS_MISMATCH,
        `stored positions of cycle ${record.cycleId} do not give its root`,
        {
          cycleId: record.cycleId.toString(),
          asset: record.asset,
        },
      );
    }
    return tree;
  }

  async function record(cycleId: bigint, asset: Address): Promise<CycleRecord> {
    const r = await getCycleRecord(db, cycleId, asset);
    if (!r) throw new SchedulerError(SchedulerCode.CYCLE_NOT_FOUND, `no cycle ${cycleId} for ${asset}`);
    return r;
  }

  function mined(tx: SentTransaction, what: string): SentTransaction {
    if (tx.status !== "success") {
      throw new SchedulerError(SchedulerCode.TX_REVERTED, `${what} transaction ${tx.hash} reverted`, { hash: tx.hash });
    }
    return tx;
  }

  async function commit(cycleId: bigint, asset: Address): Promise<void> {
    if (await transitionCycle(db, cycleId, asset, ["NETTED"], "COMMITTING")) {
      await deps.hooks?.afterCommitIntent?.(cycleId, asset);
    }
    const r = await record(cycleId, asset);
    if (r.status !== "COMMITTING" || !r.batch) return;
    const batch = r.batch;

    // Resuming: a transaction from before may have landed (or be about to).
    if (batch.commitTxHash) {
      const earlier = await chain.receipt(batch.commitTxHash);
      if (earlier?.status === "success") return confirmCommit(cycleId, asset, earlier.blockNumber);
    }
    if ((await chain.getCycle(cycleId, asset)).committed) return confirmCommit(cycleId, asset);

    // The V2 guarantees the batch nets, as the vault verifies them: inner bytes and the payer's signature.
    const v2: NettedGuaranteeArg[] = (await listNettedCertificates(db, batch.v2GuaranteeIds)).map((c) => {
      const [version, inner] = decodeAbiParameters([{ type: "uint64" }, { type: "bytes" }], c.claims);
      return { version, inner, payerSignature: c.payerSignature };
    });
    const write: ClearingHouseWrite = {
      functionName: "commitCycle",
      args: [
        cycleId,
        asset,
        batch.root,
        batch.totalNetDebit,
        batch.totalNetCredit,
        batch.debtorCount,
        batch.creditorCount,
        batch.batchHash,
        v2,
      ],
    };
    const tx = await chain.send(write, async (hash) => {
      await setCommitTx(db, cycleId, asset, hash);
      await deps.hooks?.beforeCommitBroadcast?.(cycleId, asset, hash);
    });
    await deps.hooks?.afterCommitBroadcast?.(cycleId, asset, tx.hash);
    mined(tx, "commit");
    await confirmCommit(cycleId, asset, tx.blockNumber);
    log("cycle committed", { cycleId: cycleId.toString(), asset, hash: tx.hash, root: batch.root });
  }

  async function confirmCommit(cycleId: bigint, asset: Address, block?: bigint): Promise<void> {
    await db.transaction(async (tx) => {
      if (block !== undefined) await setCommitBlock(tx, cycleId, asset, block);
      await transitionCycle(tx, cycleId, asset, ["NETTED", "COMMITTING"], "COMMITTED");
    });
  }

  async function miss(cycleId: bigint, asset: Address, netted: boolean): Promise<void> {
    await db.transaction(async (tx) => {
      const status = await lockCycle(tx, cycleId, asset);
      const cycle = toDbAmount(cycleId);
      if (status === "CLOSED") {
        // Nothing was netted: with no V1 of this cycle payable, nothing can go to the fallback route either.
        const { rows } = await tx.query<{ n: string }>(
          `SELECT count(*)::text AS n FROM guarantees WHERE cycle_id = $1 AND asset = $2 AND version = 1
             AND status = 'FINALIZED_PAYABLE'`,
          [cycle, asset],
        );
        const to = fromDbAmount(rows[0]?.n ?? "0") === 0n ? "EMPTY" : "MISSED";
        await transitionCycle(tx, cycleId, asset, ["CLOSED"], to);
        return;
      }
      if (status !== "NETTED" && status !== "COMMITTING") return;
      // The batch was never committed: its guarantees are payable again. V1 of this cycle stay out of later
      // batches (the vault's fallback route pays them; their locks stay until redemption or expiry); V2 roll
      // into the next cycle's batch.
      await tx.query(
        `WITH back AS (
           UPDATE guarantees SET status = 'FINALIZED_PAYABLE', netted_cycle_id = NULL, updated_at = now()
           WHERE netted_cycle_id = $1 AND asset = $2 AND status = 'NETTED' RETURNING guarantee_id)
         INSERT INTO guarantee_transitions (guarantee_id, from_status, to_status, cause, cause_ref)
         SELECT guarantee_id, 'NETTED', 'FINALIZED_PAYABLE', 'SCHEDULER_MISS', $3 FROM back`,
        [cycle, asset, `${cycleId}:${asset}`],
      );
      await tx.query("DELETE FROM positions WHERE cycle_id = $1 AND asset = $2", [cycle, asset]);
      await transitionCycle(tx, cycleId, asset, ["NETTED", "COMMITTING"], "MISSED");
    });
    log("cycle missed its commit deadline", { cycleId: cycleId.toString(), asset, netted });
  }

  /**
   * Proves, for each unresolved debtor, the V1 requests it signed in the cycle (from Core's records, ascending id,
   * chunked, resuming after the keeper's on-chain cursor), then marks the debtors defaulted with the keeper as
   * prover, so each seizure is capped by what the debtor signed. Inside the seizure margin a debtor whose proven
   * amount falls short of its net debit is left for a later tick (the contract would refuse it); after the margin
   * it is resolved with what was proven.
   */
  async function markDefaulted(
    cycleId: bigint,
    asset: Address,
    debtors: readonly { debtor: Address; amount: bigint }[],
    now: bigint,
  ): Promise<void> {
    const r = await record(cycleId, asset);
    const tree = await loadTree(r);
    const prover = chain.sender();
    const requestDomainSeparator = await chain.requestDomainSeparator();
    const inMargin = now <= r.deadlines.paymentDeadline + SEIZURE_MARGIN;
    const claims: DefaultClaimArg[] = [];
    for (const d of debtors) {
      const cursor = await chain.signedRequestCursor(cycleId, asset, d.debtor, prover);
      const chunks = planSignedRequestProofs(await listSignedV1Requests(db, cycleId, asset, d.debtor), {
        requestDomainSeparator,
        debtor: d.debtor,
        asset,
        after: cursor.lastId,
      });
      for (const chunk of chunks) {
        try {
          mined(
            await chain.send({ functionName: "proveSignedRequests", args: [cycleId, asset, d.debtor, chunk] }),
            "proveSignedRequests",
          );
        } catch (e) {
          // A stored request that does not prove (it never should) must not block the others' resolution.
          log("signed request proof failed", {
            cycleId: cycleId.toString(),
            asset,
            debtor: d.debtor,
            error: String(e),
          });
          break;
        }
      }
      const proven = (await chain.signedRequestCursor(cycleId, asset, d.debtor, prover)).provenSigned;
      if (proven < d.amount && inMargin) {
        log("default waits for the seizure margin", {
          cycleId: cycleId.toString(),
          asset,
          debtor: d.debtor,
          proven: proven.toString(),
          netDebit: d.amount.toString(),
        });
        continue;
      }
      claims.push({ debtor: d.debtor, amount: d.amount, proof: tree.getProof(d.debtor), prover });
    }
    if (claims.length === 0) return;
    const tx = await chain.send({ functionName: "markDefaulted", args: [cycleId, asset, claims] });
    mined(tx, "markDefaulted");
    log("debtors marked defaulted", { cycleId: cycleId.toString(), asset, debtors: claims.length, hash: tx.hash });
  }

  const settlement: SettlementContext = {
    db,
    chain,
    proofOf: async (cycleId, asset) => {
      const tree = await loadTree(await record(cycleId, asset));
      return (participant) => tree.getProof(participant);
    },
    multiProofOf: async (cycleId, asset) => {
      const tree = await loadTree(await record(cycleId, asset));
      return (debtors) => tree.getMultiProof(debtors);
    },
    batchSize: deps.settlementBatchSize ?? DEFAULT_SETTLEMENT_BATCH_SIZE,
    hooks: deps.hooks,
    log,
  };

  async function execute(action: TickAction, now: bigint): Promise<void> {
    const { cycleId, asset } = action;
    switch (action.kind) {
      case "CREATE_CYCLE":
        return insertCycle(db, cycleId, asset, action.deadlines);
      case "CLOSE":
        await transitionCycle(db, cycleId, asset, ["OPEN"], "CLOSED");
        return;
      case "NET": {
        const { rows } = await db.query<{ guarantee_id: string }>(
          `SELECT guarantee_id FROM guarantees WHERE asset = $1 AND status = 'FINALIZED_PAYABLE' AND version <> 1
             AND cycle_id <= $2 AND netted_cycle_id IS NULL`,
          [asset, toDbAmount(cycleId)],
        );
        const excludedIds = [...(await chain.consumed(rows.map((r) => r.guarantee_id as Hex)))];
        const out = await netCycle(db, { ...header(cycleId, asset), now, excludedIds });
        if (out.outcome === "NETTED") {
          log("cycle netted", {
            cycleId: cycleId.toString(),
            asset,
            guarantees: out.guaranteeCount,
            totalNet: out.tree.totalNetDebit.toString(),
            root: out.tree.root,
          });
        }
        return;
      }
      case "COMMIT":
        return commit(cycleId, asset);
      case "CONFIRM_COMMIT":
        return confirmCommit(cycleId, asset);
      case "MISS":
        return miss(cycleId, asset, action.netted);
      case "SETTLE_FROM_COLLATERAL":
        return settleFromCollateral(settlement, cycleId, asset, action.send);
      case "MARK_DEFAULTED":
        return markDefaulted(cycleId, asset, action.debtors, now);
      case "CLAIM_CREDITS":
        return claimCredits(settlement, cycleId, asset);
      case "FINALIZE": {
        const tx = await chain.send({ functionName: "finalizeCycle", args: [cycleId, asset] }, (hash) =>
          setFinalizeTx(db, cycleId, asset, hash),
        );
        mined(tx, "finalizeCycle");
        await transitionCycle(db, cycleId, asset, ["COMMITTED"], "FINALIZED");
        return;
      }
      case "CONFIRM_FINALIZED":
        await transitionCycle(db, cycleId, asset, ["COMMITTED"], "FINALIZED");
        return;
    }
    void now;
  }

  return {
    loadState: (now) => loadState(now),
    async tick(now) {
      const result = await deps.lock.runIfLeader(async () => {
        const done: TickAction[] = [];
        // A failing (cycle, asset) is left for the next tick; the others go on.
        const failed = new Map<string, unknown>();
        const key = (a: TickAction) => `${a.cycleId}:${a.asset}`;
        const segments = await chain.scheduleSegments();
        for (let round = 0; round < (deps.maxRounds ?? 8); round++) {
          const plan = planTick(await loadState(now, segments), now, planOptions).filter((a) => !failed.has(key(a)));
          if (plan.length === 0) break;
          for (const action of plan) {
            if (failed.has(key(action))) continue;
            try {
              await execute(action, now);
              done.push(action);
              await deps.hooks?.afterAction?.(action);
            } catch (e) {
              failed.set(key(action), e);
              log("scheduler step failed", { action: action.kind, target: key(action), error: String(e) });
            }
          }
        }
        if (failed.size > 0) {
          const [first] = failed.values();
          throw new SchedulerError(
            SchedulerCode.TICK_FAILED,
            `tick at ${now} failed for ${[...failed.keys()].join(", ")}`,
            { failed: [...failed.keys()], completed: done.length },
            first,
          );
        }
        return done;
      });
      return result.leader ? { leader: true, actions: result.value } : { leader: false, actions: [] };
    },
  };
}
