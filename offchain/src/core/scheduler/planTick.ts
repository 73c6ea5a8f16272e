import type { Address } from "viem";

import { cycleAt, deadlinesOf } from "../../protocol/cycles/cycleSchedule.ts";
import { SETTLEMENT_MARGIN } from "../settlement/types.ts";
import {
  CycleStatus,
  TERMINAL_CYCLE_STATUSES,
  type CycleView,
  type PlanOptions,
  type SchedulerState,
  type TickAction,
  type UnresolvedDebtor,
} from "./types.ts";

const DEFAULT_MAX_NEW_CYCLES = 32;
const DEFAULT_CHUNK = 50;

/**
 * The actions due at chain time `now`, in execution order: new cycle rows first (oldest first), then each
 * (cycle, asset) by cycle id then asset. Pure and deterministic: the same state and `now` give the same plan.
 *
 * Per (cycle, asset), with the row's copied deadlines `d` (every contract deadline is inclusive):
 * - OPEN, `now >= d.end`: CLOSE (issuance already refuses the cycle by time).
 * - CLOSED, `now > d.commitDeadline`: MISS (too late to commit); else `now >= d.resolutionCutoff`: NET.
 * - NETTED or COMMITTING: committed on-chain is CONFIRM_COMMIT; otherwise COMMIT up to `d.commitDeadline`, MISS
 *   after it. An empty batch (no payable guarantee, some issued) is committed too: a committed cycle never opens
 *   the V1 fallback, so a cancelled V1 certificate of it cannot take its payer's collateral.
 * - COMMITTED: finalized on-chain is CONFIRM_FINALIZED. Otherwise, in order: SETTLE_FROM_COLLATERAL while
 *   authorizations are SUBMITTED (their outcome to record) or PENDING up to `d.paymentDeadline - settlementMargin`
 *   (`send` says whether PENDING ones may still be sent; later they are never sent and the debtor defaults); after
 *   `d.paymentDeadline`, MARK_DEFAULTED for the unresolved debtors in chunks; with auto-claim, once the cycle is
 *   funded or every debtor is resolved, CLAIM_CREDITS while Core holds unclaimed creditors; after
 *   `d.finalityDeadline` with every debtor resolved, FINALIZE.
 * A cycle created and closed in the same tick continues to NET or MISS in that tick; a step that needs the
 * outcome of a transaction or of netting waits for the next plan.
 */
export function planTick(state: SchedulerState, now: bigint, options: PlanOptions = {}): TickAction[] {
  const maxNew = BigInt(options.maxNewCyclesPerAsset ?? DEFAULT_MAX_NEW_CYCLES);
  const chunk = options.defaultChunkSize ?? DEFAULT_CHUNK;
  const settle = { autoClaim: options.autoClaim ?? true, margin: options.settlementMargin ?? SETTLEMENT_MARGIN };
  const actions: TickAction[] = [];
  const cycles: CycleView[] = state.cycles.filter((c) => !TERMINAL_CYCLE_STATUSES.includes(c.status));

  const current = cycleAt(state.segments, now);
  if (current !== undefined) {
    const created: CycleView[] = [];
    for (const asset of [...new Set(state.assets.map(lower))].sort()) {
      const start = state.nextCycleId.get(asset) ?? current;
      for (let id = start; id <= current && id < start + maxNew; id++) {
        const deadlines = deadlinesOf(state.segments, id);
        created.push({ cycleId: id, asset, status: CycleStatus.OPEN, deadlines });
      }
    }
    created.sort(byCycleThenAsset);
    for (const c of created) {
      actions.push({ kind: "CREATE_CYCLE", cycleId: c.cycleId, asset: c.asset, deadlines: c.deadlines });
    }
    cycles.push(...created);
  }

  cycles.sort(byCycleThenAsset);
  for (const c of cycles) actions.push(...planCycle(c, now, chunk, settle));
  return actions;
}

function planCycle(
  c: CycleView,
  now: bigint,
  chunk: number,
  settle: { autoClaim: boolean; margin: bigint },
): TickAction[] {
  const t = { cycleId: c.cycleId, asset: c.asset };
  const d = c.deadlines;
  const out: TickAction[] = [];
  let status = c.status;

  if (status === CycleStatus.OPEN) {
    if (now < d.end) return out;
    out.push({ kind: "CLOSE", ...t });
    status = CycleStatus.CLOSED;
  }
  if (status === CycleStatus.CLOSED) {
    if (now > d.commitDeadline) out.push({ kind: "MISS", ...t, netted: false });
    else if (now >= d.resolutionCutoff) out.push({ kind: "NET", ...t });
    return out;
  }
  if (status === CycleStatus.NETTED || status === CycleStatus.COMMITTING) {
    if (c.chain?.committed) out.push({ kind: "CONFIRM_COMMIT", ...t });
    else if (now > d.commitDeadline) out.push({ kind: "MISS", ...t, netted: true });
    else if (now >= d.resolutionCutoff) out.push({ kind: "COMMIT", ...t });
    return out;
  }
  if (status === CycleStatus.COMMITTED && c.chain !== undefined) {
    const chain = c.chain;
    if (chain.finalized) {
      out.push({ kind: "CONFIRM_FINALIZED", ...t });
      return out;
    }
    const s = c.settlement;
    const send = now <= d.paymentDeadline - settle.margin;
    if (s && (s.submitted > 0 || (s.pending > 0 && send))) out.push({ kind: "SETTLE_FROM_COLLATERAL", ...t, send });
    let unresolved: UnresolvedDebtor[] = [];
    if (now > d.paymentDeadline) {
      unresolved = [...(chain.unresolvedDebtors ?? [])].sort((a, b) => cmp(lower(a.debtor), lower(b.debtor)));
      for (let i = 0; i < unresolved.length; i += chunk) {
        out.push({ kind: "MARK_DEFAULTED", ...t, debtors: unresolved.slice(i, i + chunk) });
      }
    }
    const allResolved = chain.resolvedDebtors >= chain.debtorCount;
    if (settle.autoClaim && s && s.unclaimedCreditors > 0 && (chain.funded === true || allResolved)) {
      out.push({ kind: "CLAIM_CREDITS", ...t });
    }
    if (now > d.finalityDeadline && unresolved.length === 0 && allResolved) out.push({ kind: "FINALIZE", ...t });
  }
  return out;
}

function lower(a: Address): Address {
  return a.toLowerCase() as Address;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function byCycleThenAsset(a: { cycleId: bigint; asset: Address }, b: { cycleId: bigint; asset: Address }): number {
  return a.cycleId < b.cycleId ? -1 : a.cycleId > b.cycleId ? 1 : cmp(a.asset, b.asset);
}
