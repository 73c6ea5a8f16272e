import { expect } from "chai";
import fc from "fast-check";
import { keccak256, toHex, zeroAddress, type Address, type Hex } from "viem";

import {
  DEFAULT_CYCLE_PHASES,
  deadlinesOf,
  type ScheduleSegment,
} from "../../offchain/src/protocol/cycles/cycleSchedule.ts";
import { GuaranteeStatus } from "../../offchain/src/core/issuance/guaranteeStore.ts";
import type { ChainEvent, ChainEventBody } from "../../offchain/src/core/lifecycle/chainEvents.ts";
import { decideChainEvent } from "../../offchain/src/core/lifecycle/decideChainEvent.ts";
import {
  EMPTY_EVENT_STATE,
  type EventState,
  type GuaranteeLockView,
} from "../../offchain/src/core/lifecycle/eventState.ts";
import {
  planCancel,
  planDispute,
  planExpiry,
  planPromotion,
} from "../../offchain/src/core/lifecycle/lifecycleRules.ts";
import type { Mutation } from "../../offchain/src/core/lifecycle/mutations.ts";
import { lockInvariantViolations, type PayerLedger } from "../utils/lockInvariant.ts";

/**
 * Issue 8's invariant over random lifecycle paths. Core is its real pure rules (planCancel, planDispute,
 * planPromotion, planExpiry, decideChainEvent with the release rule inside) over an in-memory
 * copy of its books; the chain is a small model of what the contracts let a certificate or the ClearingHouse take
 * (Core4Mica.redeem's windows, commitCycle, payNetDebit, markDefaulted). The scheduler's NET and MISS, which are
 * SQL in createScheduler/netCycle, are modelled by their documented rules (protocol.md §10). After every step, for
 * every payer: collateral on-chain >= what can still be taken, and Core's free collateral <= what is really free.
 */

const DAY = 86_400n;
const GRACE = 14n * DAY;
const EXPIRY = 21n * DAY;
const SEGMENTS: ScheduleSegment[] = [{ startTime: 0n, firstCycleId: 0n, ...DEFAULT_CYCLE_PHASES }];
const ASSET: Address = zeroAddress;
const PAYERS: Address[] = ["0x00000000000000000000000000000000000000a1", "0x00000000000000000000000000000000000000a2"];
const RECIPIENT: Address = "0x00000000000000000000000000000000000000b1";
const DEPOSIT = 100n;

type Op =
  | { kind: "issue"; payer: number; version: 1 | 2; amount: bigint }
  | { kind: "validate" | "dispute" | "cancel" | "remunerate"; pick: number }
  | { kind: "net" | "commit" | "expire" | "reorg" | "toCutoff" | "confirm" }
  | { kind: "pay" | "default"; payer: number }
  | { kind: "advance"; seconds: bigint };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    arbitrary: fc.record({
      kind: fc.constant("issue" as const),
      payer: fc.integer({ min: 0, max: 1 }),
      version: fc.constantFrom(1 as const, 2 as const),
      amount: fc.bigInt({ min: 1n, max: 60n }),
    }),
    weight: 4,
  },
  ...(["validate", "dispute", "cancel", "remunerate"] as const).map((kind) => ({
    arbitrary: fc.record({ kind: fc.constant(kind), pick: fc.nat(50) }),
    weight: kind === "cancel" || kind === "remunerate" ? 3 : 2,
  })),
  ...(["net", "commit", "toCutoff"] as const).map((kind) => ({ arbitrary: fc.constant({ kind }), weight: 4 })),
  ...(["expire", "reorg", "confirm"] as const).map((kind) => ({ arbitrary: fc.constant({ kind }), weight: 2 })),
  ...(["pay", "default"] as const).map((kind) => ({
    arbitrary: fc.record({ kind: fc.constant(kind), payer: fc.integer({ min: 0, max: 1 }) }),
    weight: 3,
  })),
  {
    arbitrary: fc.record({
      kind: fc.constant("advance" as const),
      seconds: fc.oneof(fc.bigInt({ min: 600n, max: DAY }), fc.bigInt({ min: DAY, max: 8n * DAY })),
    }),
    weight: 4,
  },
);

/** A certificate as its holder has it (what the vault would check). */
interface Certificate {
  id: Hex;
  version: 1 | 2;
  user: Address;
  amount: bigint;
  timestamp: bigint;
  cycleId: bigint;
}

/** What the contracts hold. */
interface Chain {
  collateral: Map<Address, bigint>;
  consumed: Set<Hex>;
  answered: Set<Hex>;
  /** Committed (cycle, asset): each payer's net debit and whether it is resolved. */
  committed: Map<bigint, { debts: Map<Address, bigint>; resolved: Set<Address> }>;
}

/** Core's books, as its tables hold them. */
interface Books {
  balances: Map<Address, { deposited: bigint; locked: bigint }>;
  guarantees: Map<Hex, GuaranteeLockView & { timestamp: bigint; cycleId: bigint; nettedCycle?: bigint }>;
  cycles: Map<bigint, string>;
  positions: Map<string, { status: string; settledBy: string | null }>;
}

function cloneChain(c: Chain): Chain {
  return {
    collateral: new Map(c.collateral),
    consumed: new Set(c.consumed),
    answered: new Set(c.answered),
    committed: new Map(
      [...c.committed].map(([k, v]) => [k, { debts: new Map(v.debts), resolved: new Set(v.resolved) }]),
    ),
  };
}

/** The in-memory applyMutations: the same compare-and-sets as adapters/db/applyMutations.ts. */
function apply(books: Books, mutations: readonly Mutation[]): void {
  for (const m of mutations) {
    switch (m.kind) {
      case "balance.add": {
        const b = books.balances.get(m.user)!;
        if (m.field === "deposited") b.deposited += m.delta;
        else if (m.field === "locked") b.locked += m.delta;
        else throw new Error(`unexpected ${m.field}`);
        if (b.deposited < 0n || b.locked < 0n) throw new Error(`balance underflow of ${m.user}`);
        break;
      }
      case "guarantee.transition": {
        const g = books.guarantees.get(m.guaranteeId)!;
        if (g.status !== m.from) throw new Error(`stale: ${m.guaranteeId} is ${g.status}, not ${m.from}`);
        if (m.lock === "release" && !g.lockHeld) throw new Error("stale: lock already released");
        if (m.lock === "reacquire" && g.lockHeld) throw new Error("stale: lock already held");
        g.status = m.to;
        const b = books.balances.get(m.user)!;
        if (m.lock === "release") {
          g.lockHeld = false;
          b.locked -= m.amount;
        } else if (m.lock === "reacquire") {
          g.lockHeld = true;
          b.locked += m.amount;
        }
        if (b.locked < 0n) throw new Error("locked underflow");
        break;
      }
      case "cycle.status":
        if (books.cycles.get(m.cycleId) !== m.from) throw new Error("stale cycle");
        books.cycles.set(m.cycleId, m.to);
        break;
      case "position.status": {
        const key = `${m.cycleId}:${m.participant}`;
        const p = books.positions.get(key);
        if (p?.status !== m.from) throw new Error("stale position");
        books.positions.set(key, { status: m.to, settledBy: m.settledBy });
        break;
      }
      default:
        throw new Error(`unexpected mutation ${m.kind}`);
    }
  }
}

/** How often the paths reached the cases the rule is about (checked after the run, so the search is not vacuous). */
const seen = {
  cancelledThenRemunerated: 0,
  v1Fallback: 0,
  cancelledV1ReleasedByCommit: 0,
  commitReorged: 0,
  defaulted: 0,
  releasedAtExpiry: 0,
};

function runPath(ops: readonly Op[]): void {
  let now = 10n * DAY + 3_600n;
  let n = 0;
  const certificates: Certificate[] = [];
  const chain: Chain = {
    collateral: new Map(PAYERS.map((p) => [p, DEPOSIT])),
    consumed: new Set(),
    answered: new Set(),
    committed: new Map(),
  };
  const books: Books = {
    balances: new Map(PAYERS.map((p) => [p, { deposited: DEPOSIT, locked: 0n }])),
    guarantees: new Map(),
    cycles: new Map(),
    positions: new Map(),
  };
  /**
   * Chain changes Core has not followed yet (mined, not yet `confirmations` deep), oldest first, each with the chain
   * before it. Core applies an event only once it is confirmed (syncChain follows head - confirmations), so a reorg
   * takes away only what Core never saw; reorgs deeper than the confirmation depth are outside the protocol's model
   * (their undo lists are tested in syncLifecycle.test.ts).
   */
  const pending: { before: Chain; events: { body: ChainEventBody; state: () => EventState }[] }[] = [];

  const cycleOf = (t: bigint) => t / DAY;
  const d = (c: bigint) => deadlinesOf(SEGMENTS, c);
  const view = (id: Hex): GuaranteeLockView => {
    const { guaranteeId, version, user, asset, amount, status, lockHeld } = books.guarantees.get(id)!;
    return { guaranteeId, version, user, asset, amount, status, lockHeld };
  };

  /** A transaction: `change` alters the chain now; Core follows its events when they are confirmed. */
  function onChain(change: () => void, events: { body: ChainEventBody; state: () => EventState }[]): void {
    const before = cloneChain(chain);
    change();
    pending.push({ before, events });
  }

  /** Chain sync: the oldest unconfirmed transaction's events, decided from the state Core has then. */
  function confirmOne(): boolean {
    const tx = pending.shift();
    if (!tx) return false;
    for (const { body, state } of tx.events) {
      n++;
      const ref = {
        blockNumber: BigInt(n),
        blockHash: keccak256(toHex(n)),
        logIndex: 0,
        txHash: keccak256(toHex(n)),
        address: ASSET,
      };
      apply(books, decideChainEvent({ ...body, ref } as ChainEvent, state()));
    }
    return true;
  }

  function coreAction(plan: () => Mutation[]): void {
    let mutations: Mutation[];
    try {
      mutations = plan();
    } catch (e) {
      if ((e as { code?: string }).code === "INVALID_TRANSITION") return;
      throw e;
    }
    apply(books, mutations);
  }

  function nettedOf(cycle: bigint, payer?: Address): GuaranteeLockView[] {
    return [...books.guarantees.values()]
      .filter((g) => g.status === GuaranteeStatus.NETTED && g.nettedCycle === cycle && (!payer || g.user === payer))
      .map((g) => view(g.guaranteeId));
  }

  /** The scheduler after time moved: a batch never committed by its deadline is un-netted (MISS). */
  function scheduler(): void {
    for (const [c, status] of books.cycles) {
      if (status !== "NETTED" || now <= d(c).commitDeadline || chain.committed.has(c)) continue;
      for (const g of books.guarantees.values()) {
        if (g.status === GuaranteeStatus.NETTED && g.nettedCycle === c) {
          g.status = GuaranteeStatus.FINALIZED_PAYABLE;
          delete g.nettedCycle;
        }
      }
      for (const k of [...books.positions.keys()]) if (k.startsWith(`${c}:`)) books.positions.delete(k);
      books.cycles.set(c, "MISSED");
    }
  }

  /** What each payer's certificates and committed net debits can still take, from the chain model alone. */
  function ledgers(): PayerLedger[] {
    return PAYERS.map((payer) => {
      let outstanding = 0n;
      for (const c of certificates) {
        if (c.user !== payer || chain.consumed.has(c.id) || now >= c.timestamp + EXPIRY) continue;
        if (c.version === 1 && chain.committed.has(c.cycleId)) continue;
        outstanding += c.amount;
      }
      for (const { debts, resolved } of chain.committed.values()) {
        if (!resolved.has(payer)) outstanding += debts.get(payer) ?? 0n;
      }
      const b = books.balances.get(payer)!;
      return {
        payer,
        onchainCollateral: chain.collateral.get(payer)!,
        onchainPendingWithdrawal: 0n,
        outstanding,
        coreFree: b.deposited - b.locked,
      };
    });
  }

  const pick = (i: number, ok: (c: Certificate) => boolean) => {
    const candidates = certificates.filter(ok);
    // Newest first: small picks (fast-check's bias) reach the certificates the latest steps made.
    return candidates.length === 0 ? undefined : candidates[candidates.length - 1 - (i % candidates.length)];
  };

  for (const [step, op] of ops.entries()) {
    switch (op.kind) {
      case "issue": {
        const user = PAYERS[op.payer]!;
        const b = books.balances.get(user)!;
        if (b.deposited - b.locked < op.amount) break; // the atomic conditional lock refuses
        const id = keccak256(toHex(`g${certificates.length}`));
        const cycleId = cycleOf(now);
        b.locked += op.amount;
        const status = op.version === 1 ? GuaranteeStatus.FINALIZED_PAYABLE : GuaranteeStatus.PENDING_VALIDATION;
        const g = {
          guaranteeId: id,
          version: op.version,
          user,
          asset: ASSET,
          amount: op.amount,
          status,
          lockHeld: true,
        };
        books.guarantees.set(id, { ...g, timestamp: now, cycleId });
        certificates.push({ id, version: op.version, user, amount: op.amount, timestamp: now, cycleId });
        break;
      }
      case "validate": {
        const c = pick(op.pick, (x) => x.version === 2);
        if (!c) break;
        chain.answered.add(c.id);
        if (books.guarantees.get(c.id)!.status === GuaranteeStatus.PENDING_VALIDATION) {
          coreAction(() => planPromotion(view(c.id), "registry"));
        }
        break;
      }
      case "dispute": {
        const c = pick(op.pick, () => true);
        if (c) coreAction(() => planDispute(view(c.id)));
        break;
      }
      case "cancel": {
        const c = pick(op.pick, () => true);
        if (c) coreAction(() => planCancel(view(c.id)));
        break;
      }
      case "net": {
        // The oldest cycle past its cutoff, within its commit window, not netted yet (netCycle's rule).
        const c = [...new Set(certificates.map((x) => x.cycleId))]
          .sort((a, b) => (a < b ? -1 : 1))
          .find((x) => !books.cycles.has(x) && now >= d(x).resolutionCutoff && now <= d(x).commitDeadline);
        if (c === undefined) break;
        for (const g of books.guarantees.values()) {
          const belongs = g.version === 1 ? g.cycleId === c : g.cycleId <= c;
          if (g.status !== GuaranteeStatus.FINALIZED_PAYABLE || g.nettedCycle !== undefined || !belongs) continue;
          if (chain.consumed.has(g.guaranteeId)) continue;
          g.status = GuaranteeStatus.NETTED;
          g.nettedCycle = c;
        }
        for (const p of PAYERS) {
          if (nettedOf(c, p).length > 0) books.positions.set(`${c}:${p}`, { status: "UNPAID", settledBy: null });
        }
        // Guarantees issued in it (any status): the batch is committed even if empty.
        books.cycles.set(c, "NETTED");
        break;
      }
      case "commit": {
        const c = [...books.cycles].find(
          ([x, s]) => s === "NETTED" && !chain.committed.has(x) && now <= d(x).commitDeadline,
        )?.[0];
        if (c === undefined) break;
        const netted = nettedOf(c);
        if (netted.some((g) => g.version !== 1 && chain.consumed.has(g.guaranteeId))) break; // the commit reverts
        const debts = new Map<Address, bigint>();
        for (const g of netted) debts.set(g.user, (debts.get(g.user) ?? 0n) + g.amount);
        const fallbackLocks = () =>
          [...books.guarantees.values()]
            .filter(
              (g) =>
                g.lockHeld &&
                g.version === 1 &&
                g.cycleId === c &&
                g.nettedCycle === undefined &&
                (g.status === GuaranteeStatus.CANCELLED || g.status === GuaranteeStatus.DISPUTED),
            )
            .map((g) => view(g.guaranteeId));
        onChain(() => {
          chain.committed.set(c, { debts, resolved: new Set() });
          for (const g of netted) if (g.version !== 1) chain.consumed.add(g.guaranteeId);
        }, [
          {
            body: {
              name: "CycleCommitted",
              cycleId: c,
              asset: ASSET,
              root: keccak256("0x01"),
              totalNet: 0n,
              batchHash: keccak256("0x02"),
            },
            state: () => {
              const locks = fallbackLocks();
              seen.cancelledV1ReleasedByCommit += locks.length;
              return { ...EMPTY_EVENT_STATE, cycleStatus: books.cycles.get(c), fallbackLocks: locks };
            },
          },
        ]);
        break;
      }
      case "pay":
      case "default": {
        const debtor = PAYERS[op.payer]!;
        const found = [...chain.committed].find(([x, v]) => {
          if (!v.debts.has(debtor) || v.resolved.has(debtor)) return false;
          return op.kind === "pay" ? now <= d(x).paymentDeadline : now > d(x).paymentDeadline;
        });
        if (!found) break;
        const [c, v] = found;
        const debt = v.debts.get(debtor)!;
        const state = () => ({
          ...EMPTY_EVENT_STATE,
          position: books.positions.get(`${c}:${debtor}`),
          nettedGuarantees: nettedOf(c, debtor),
        });
        if (op.kind === "pay") {
          onChain(
            () => v.resolved.add(debtor),
            [
              {
                body: {
                  name: "NetDebitPaid",
                  cycleId: c,
                  asset: ASSET,
                  debtor,
                  payer: debtor,
                  amount: debt,
                  fromCollateral: false,
                },
                state,
              },
            ],
          );
        } else {
          seen.defaulted++;
          const seized = debt < chain.collateral.get(debtor)! ? debt : chain.collateral.get(debtor)!;
          onChain(() => {
            v.resolved.add(debtor);
            chain.collateral.set(debtor, chain.collateral.get(debtor)! - seized);
          }, [
            {
              body: { name: "CollateralSeized", user: debtor, asset: ASSET, requested: debt, seized },
              state: () => EMPTY_EVENT_STATE,
            },
            {
              body: {
                name: "DebtorDefaulted",
                cycleId: c,
                asset: ASSET,
                debtor,
                netDebit: debt,
                covered: seized,
                shortfall: debt - seized,
              },
              state,
            },
          ]);
        }
        break;
      }
      case "remunerate": {
        // Core4Mica.redeem: V1 only through the fallback of a cycle missed on-chain, V2 through route B.
        const c = pick(op.pick, (x) => {
          if (chain.consumed.has(x.id) || now >= x.timestamp + EXPIRY) return false;
          if (x.version === 2) return chain.answered.has(x.id) && now >= x.timestamp + GRACE;
          return (
            !chain.committed.has(x.cycleId) && now > d(x.cycleId).commitDeadline && now >= d(x.cycleId).finalityDeadline
          );
        });
        if (!c || chain.collateral.get(c.user)! < c.amount) break;
        if (books.guarantees.get(c.id)!.status === GuaranteeStatus.CANCELLED) seen.cancelledThenRemunerated++;
        if (c.version === 1) seen.v1Fallback++;
        onChain(() => {
          chain.consumed.add(c.id);
          chain.collateral.set(c.user, chain.collateral.get(c.user)! - c.amount);
        }, [
          {
            body: {
              name: "GuaranteeRemunerated",
              guaranteeId: c.id,
              user: c.user,
              recipient: RECIPIENT,
              asset: ASSET,
              amount: c.amount,
              version: BigInt(c.version),
            },
            state: () => ({ ...EMPTY_EVENT_STATE, guarantee: view(c.id) }),
          },
        ]);
        break;
      }
      case "expire":
        for (const g of books.guarantees.values()) {
          const plan = planExpiry(view(g.guaranteeId), g.timestamp, EXPIRY, now);
          seen.releasedAtExpiry += plan.length;
          apply(books, plan);
        }
        break;
      case "reorg": {
        // The newest unconfirmed transaction is dropped: the vault and the ClearingHouse go back (registry answers
        // are another contract's and stay); Core never saw it.
        const last = pending.pop();
        if (!last) break;
        if (last.events.some((e) => e.body.name === "CycleCommitted")) seen.commitReorged++;
        const { collateral, consumed, committed } = cloneChain(last.before);
        Object.assign(chain, { collateral, consumed, committed });
        break;
      }
      case "confirm":
        confirmOne();
        break;
      case "advance":
        // Blocks pass: everything mined so far gets confirmed and followed.
        while (confirmOne());
        now += op.seconds;
        scheduler();
        break;
      case "toCutoff":
        // To the resolution cutoff of the cycle in progress (the scheduler's NET/COMMIT window opens).
        while (confirmOne());
        now = d(cycleOf(now)).resolutionCutoff;
        scheduler();
        break;
    }
    const violations = lockInvariantViolations(ledgers());
    if (violations.length > 0)
      throw new Error(
        `step ${step} (${JSON.stringify(op, (_k, v) => (typeof v === "bigint" ? `${v}` : v))}): ${violations.join("; ")}`,
      );
    if (pending.length === 0) {
      // Caught up: Core's deposited is the vault's collateral.
      for (const p of PAYERS) expect(books.balances.get(p)!.deposited).to.equal(chain.collateral.get(p));
    }
  }
}

describe("The lock release rule over random lifecycle paths (issue 8)", function () {
  it("keeps collateral on-chain >= what certificates can take, and Core's free <= really free, after every step", function () {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 120, size: "max" }), (ops) => runPath(ops)),
      { numRuns: 1000, seed: 8008 },
    );
    for (const [what, count] of Object.entries(seen)) expect(count, what).to.be.greaterThan(0);
  });
});
