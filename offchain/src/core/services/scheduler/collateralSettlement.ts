import { decodeErrorResult, type Address, type Hex } from "viem";

import { clearingHouseAbi } from "../../adapters/chain/clearingHouseAbi.ts";

import type { Database } from "../../adapters/db/database.ts";
import { listPositions } from "../../adapters/db/cycleRepository.ts";
import {
  getClaimsTx,
  listSettlements,
  markSubmitted,
  setClaimsTx,
  setSettlementStatus,
} from "../../adapters/db/settlementRepository.ts";
import { SchedulerCode, SchedulerError } from "../../scheduler/schedulerErrors.ts";
import { planCreditClaims, planSettlementBatches, withMultiProof } from "../../settlement/planSettlementBatches.ts";
import { SettlementStatus, type DebtorMultiProof } from "../../settlement/types.ts";
import type { ClearingHouseGateway, SentTransaction } from "./clearingHouseGateway.ts";

/** Crash seams (tests): throwing from one simulates a crash at that point. */
export interface SettlementHooks {
  /** After a batch's debtors are SUBMITTED with its signed hash, before the broadcast. */
  beforeSettlementBroadcast?(cycleId: bigint, asset: Address, hash: Hex): Promise<void> | void;
  /** After a batched claim's signed hash is recorded, before the broadcast. */
  beforeClaimsBroadcast?(cycleId: bigint, asset: Address, hash: Hex): Promise<void> | void;
}

export interface SettlementContext {
  db: Database;
  chain: ClearingHouseGateway;
  /** The committed tree's proof of a participant (the scheduler's rebuilt, root-checked tree). */
  proofOf: (cycleId: bigint, asset: Address) => Promise<(participant: Address) => readonly Hex[]>;
  /** The same tree's multiproof of some debtors' leaves (`NettingTree.getMultiProof`). */
  multiProofOf: (cycleId: bigint, asset: Address) => Promise<(debtors: readonly Address[]) => DebtorMultiProof>;
  batchSize: number;
  hooks?: SettlementHooks | undefined;
  log: (message: string, details: Record<string, unknown>) => void;
}

/** `settledBy` of an authorization left out because the chain had resolved its debtor otherwise. */
export const RESOLVED_ON_CHAIN = "RESOLVED_ON_CHAIN";
/** `settledBy` of an authorization the ClearingHouse refused in simulation (its signature). */
export const REFUSED_ON_CHAIN = "REFUSED_ON_CHAIN";

/**
 * The debtor a settlement batch's simulation names when it reverts for one element (bad signature, already
 * resolved), decoded from the revert data anywhere in the error's cause chain; undefined otherwise (among them
 * `ClearingHouseInvalidMultiproof`, which names no debtor: Core's tree is root-checked, so it means a bug).
 */
export function refusedDebtor(e: unknown): { debtor: Address; error: string } | undefined {
  for (let c: unknown = e, depth = 0; c && typeof c === "object" && depth < 10; depth++) {
    const data = (c as { data?: unknown }).data;
    const hex = typeof data === "string" ? data : (data as { data?: unknown } | undefined)?.data;
    if (typeof hex === "string" && /^0x[0-9a-fA-F]{8,}$/.test(hex)) {
      try {
        const d = decodeErrorResult({ abi: clearingHouseAbi, data: hex as Hex });
        const args = (d.args ?? []) as readonly unknown[];
        // Each names the debtor third: (cycleId, asset, debtor, ...).
        if (
          d.errorName === "ClearingHouseInvalidSettlementSignature" ||
          d.errorName === "ClearingHouseDebtorAlreadyResolved"
        ) {
          return { debtor: (args[2] as Address).toLowerCase() as Address, error: d.errorName };
        }
      } catch {
        // Not one of the ClearingHouse's errors.
      }
    }
    c = (c as { cause?: unknown }).cause;
  }
  return undefined;
}

function mined(tx: SentTransaction, what: string): void {
  if (tx.status !== "success") {
    throw new SchedulerError(SchedulerCode.TX_REVERTED, `${what} transaction ${tx.hash} reverted`, { hash: tx.hash });
  }
}

/**
 * One SETTLE_FROM_COLLATERAL step of a (cycle, asset):
 * 1. Records the outcome of every SUBMITTED batch first. Mined and successful: each of its debtors the chain shows
 *    paid is SETTLED, the others SKIPPED (the vault found their collateral short; they stay UNPAID and fall to the
 *    default path). Reverted, or dropped (no receipt and unknown to the node): its debtors go back to PENDING. Still
 *    in the node's pool: the step waits (sends nothing), so an in-flight batch is never sent twice.
 * 2. With `send`, sends the PENDING ones in `batchSize` chunks, each with the one multiproof of exactly its
 *    debtors' leaves and its entries in that multiproof's order (rebuilt when a debtor is left out). A debtor the chain already resolved (it paid by
 *    itself, or was marked defaulted) would revert the whole batch: it is left out and its row SKIPPED
 *    (`settledBy` RESOLVED_ON_CHAIN). Each chunk's debtors are SUBMITTED with the signed hash before the broadcast,
 *    so a crash between the two is found by step 1 on the next tick.
 */
export async function settleFromCollateral(
  ctx: SettlementContext,
  cycleId: bigint,
  asset: Address,
  send: boolean,
): Promise<void> {
  const { db, chain } = ctx;
  const submitted = await listSettlements(db, cycleId, asset, [SettlementStatus.SUBMITTED]);
  const byTx = new Map<Hex, Address[]>();
  for (const s of submitted) byTx.set(s.txHash!, [...(byTx.get(s.txHash!) ?? []), s.debtor]);
  let inFlight = false;
  for (const [hash, debtors] of byTx) {
    const r = await chain.receipt(hash);
    if (r === undefined && (await chain.pending?.(hash))) {
      inFlight = true;
      continue;
    }
    if (r?.status === "success") {
      let settled = 0;
      for (const d of debtors) {
        const paid = (await chain.getParticipant(cycleId, asset, d)).paid;
        const to = paid ? SettlementStatus.SETTLED : SettlementStatus.SKIPPED;
        if (paid) settled++;
        await setSettlementStatus(db, cycleId, asset, d, [SettlementStatus.SUBMITTED], to, { value: hash });
      }
      ctx.log("collateral settlements recorded", {
        cycleId: cycleId.toString(),
        asset,
        hash,
        settled,
        skipped: debtors.length - settled,
      });
    } else {
      for (const d of debtors) {
        await setSettlementStatus(db, cycleId, asset, d, [SettlementStatus.SUBMITTED], SettlementStatus.PENDING);
      }
      ctx.log("collateral settlement batch lost; its debtors are pending again", {
        cycleId: cycleId.toString(),
        asset,
        hash,
        outcome: r ? "reverted" : "dropped",
      });
    }
  }
  if (!send || inFlight) return;

  const pending = await listSettlements(db, cycleId, asset, [SettlementStatus.PENDING]);
  if (pending.length === 0) return;
  const resolvedOnChain = new Set<Address>();
  for (const p of pending) {
    const s = await chain.getParticipant(cycleId, asset, p.debtor);
    if (s.paid || s.defaulted) resolvedOnChain.add(p.debtor);
  }
  for (const d of resolvedOnChain) {
    await setSettlementStatus(db, cycleId, asset, d, [SettlementStatus.PENDING], SettlementStatus.SKIPPED, {
      value: RESOLVED_ON_CHAIN,
    });
  }
  const multiProofOf = await ctx.multiProofOf(cycleId, asset);
  const batches = planSettlementBatches(pending, { resolvedOnChain, batchSize: ctx.batchSize });
  for (const planned of batches) {
    let batch = planned;
    let tx: SentTransaction | undefined;
    // A batch the ClearingHouse refuses in simulation for one debtor (it reverts whole) is sent without it, that
    // debtor SKIPPED: one bad authorization never holds back the others. Nothing was broadcast for a refusal.
    while (tx === undefined && batch.length > 0) {
      let broadcast = false;
      try {
        // The multiproof of exactly this batch: rebuilt after a debtor is left out.
        const call = withMultiProof(batch, multiProofOf);
        tx = await chain.send(
          {
            functionName: "settleNetDebitsFromCollateral",
            args: [cycleId, asset, call.settlements, call.proof, call.proofFlags],
          },
          async (hash) => {
            broadcast = true;
            await markSubmitted(
              db,
              cycleId,
              asset,
              batch.map((b) => b.debtor),
              hash,
            );
            await ctx.hooks?.beforeSettlementBroadcast?.(cycleId, asset, hash);
          },
        );
      } catch (e) {
        const refused = broadcast ? undefined : refusedDebtor(e);
        if (!refused || !batch.some((b) => b.debtor === refused.debtor)) throw e;
        await setSettlementStatus(
          db,
          cycleId,
          asset,
          refused.debtor,
          [SettlementStatus.PENDING],
          SettlementStatus.SKIPPED,
          { value: refused.error === "ClearingHouseDebtorAlreadyResolved" ? RESOLVED_ON_CHAIN : REFUSED_ON_CHAIN },
        );
        ctx.log("collateral settlement refused by the ClearingHouse; sent without it", {
          cycleId: cycleId.toString(),
          asset,
          debtor: refused.debtor,
          error: refused.error,
        });
        batch = batch.filter((b) => b.debtor !== refused.debtor);
      }
    }
    if (tx === undefined) continue;
    mined(tx, "settleNetDebitsFromCollateral");
    let settled = 0;
    for (const b of batch) {
      const paid = (await chain.getParticipant(cycleId, asset, b.debtor)).paid;
      if (paid) settled++;
      await setSettlementStatus(
        db,
        cycleId,
        asset,
        b.debtor,
        [SettlementStatus.SUBMITTED],
        paid ? SettlementStatus.SETTLED : SettlementStatus.SKIPPED,
        { value: tx.hash },
      );
    }
    ctx.log("net debits settled from collateral", {
      cycleId: cycleId.toString(),
      asset,
      hash: tx.hash,
      debtors: batch.length,
      settled,
    });
  }
}

/**
 * One CLAIM_CREDITS step: pays every creditor Core holds CLAIMABLE and the chain shows unclaimed in one
 * `claimNetCredits` (each to its own address), its hash recorded before the broadcast. A recorded batch is
 * re-checked first: mined and successful, nothing more to do; still pending, wait; reverted or dropped, send anew.
 */
export async function claimCredits(ctx: SettlementContext, cycleId: bigint, asset: Address): Promise<void> {
  const { db, chain } = ctx;
  const earlier = await getClaimsTx(db, cycleId, asset);
  if (earlier) {
    const r = await chain.receipt(earlier);
    if (r?.status === "success") return;
    if (r === undefined && (await chain.pending?.(earlier))) return;
  }
  const creditors = (await listPositions(db, cycleId, asset)).filter(
    (p) => p.role === "NET_CREDITOR" && p.status === "CLAIMABLE",
  );
  const claimedOnChain = new Set<Address>();
  for (const c of creditors) {
    if ((await chain.getParticipant(cycleId, asset, c.participant)).claimed) claimedOnChain.add(c.participant);
  }
  const proofOf = await ctx.proofOf(cycleId, asset);
  const claims = planCreditClaims(
    creditors.map((c) => ({ creditor: c.participant, amount: c.amount })),
    { proofOf, claimedOnChain },
  );
  if (claims.length === 0) return;
  const tx = await chain.send({ functionName: "claimNetCredits", args: [cycleId, asset, claims] }, async (hash) => {
    await setClaimsTx(db, cycleId, asset, hash);
    await ctx.hooks?.beforeClaimsBroadcast?.(cycleId, asset, hash);
  });
  mined(tx, "claimNetCredits");
  ctx.log("net credits claimed", { cycleId: cycleId.toString(), asset, hash: tx.hash, creditors: claims.length });
}
