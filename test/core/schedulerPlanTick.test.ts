import { expect } from "chai";
import type { Address } from "viem";

import { DEFAULT_CYCLE_PHASES, segmentsOf } from "../../offchain/src/protocol/cycles/cycleSchedule.ts";
import {
  cycleAt,
  CycleStatus,
  deadlinesOf,
  planTick,
  type ChainCycleFacts,
  type CycleView,
  type ScheduleSegment,
  type SchedulerState,
  type TickAction,
} from "../../offchain/src/core/scheduler/index.ts";

const GENESIS = 1_699_920_000n;
const SEGMENT: ScheduleSegment = { startTime: GENESIS, firstCycleId: 0n, ...DEFAULT_CYCLE_PHASES };
const A: Address = "0x000000000000000000000000000000000000000a";
const B: Address = "0x000000000000000000000000000000000000000b";
const D1: Address = "0x00000000000000000000000000000000000000d1";
const D2: Address = "0x00000000000000000000000000000000000000d2";
const D3: Address = "0x00000000000000000000000000000000000000d3";

const C = 5n;
const d = deadlinesOf([SEGMENT], C);

function state(cycles: CycleView[], extra: Partial<SchedulerState> = {}): SchedulerState {
  // nextCycleId past every row: no creation unless a case asks for it.
  return { segments: [SEGMENT], assets: [], cycles, nextCycleId: new Map(), ...extra };
}

function view(status: CycleStatus, extra: Partial<CycleView> = {}): CycleView {
  return { cycleId: C, asset: A, status, deadlines: d, ...extra };
}

const chain = (f: Partial<ChainCycleFacts> = {}): ChainCycleFacts => ({
  committed: true,
  finalized: false,
  debtorCount: 2,
  resolvedDebtors: 2,
  unresolvedDebtors: [],
  ...f,
});

/** Compact form of a plan: kind plus what matters to each kind. */
function kinds(actions: TickAction[]): string[] {
  return actions.map((a) => {
    if (a.kind === "MISS") return `MISS(${a.netted ? "netted" : "not netted"})`;
    if (a.kind === "MARK_DEFAULTED") return `MARK_DEFAULTED(${a.debtors.map((x) => x.debtor.slice(-2)).join(",")})`;
    if (a.kind === "CREATE_CYCLE") return `CREATE(${a.cycleId},${a.asset.slice(-1)})`;
    return `${a.kind}(${a.cycleId})`;
  });
}

describe("scheduler planTick", function () {
  describe("phase boundaries of one (cycle, asset)", function () {
    const unresolved3 = [
      { debtor: D3, amount: 3n },
      { debtor: D1, amount: 1n },
      { debtor: D2, amount: 2n },
    ];
    const cases: { name: string; view: CycleView; now: bigint; expected: string[] }[] = [
      { name: "OPEN one second before the end", view: view("OPEN"), now: d.end - 1n, expected: [] },
      { name: "OPEN at the end closes", view: view("OPEN"), now: d.end, expected: ["CLOSE(5)"] },
      {
        name: "OPEN at the cutoff closes and nets",
        view: view("OPEN"),
        now: d.resolutionCutoff,
        expected: ["CLOSE(5)", "NET(5)"],
      },
      {
        name: "OPEN after the commit deadline closes and misses",
        view: view("OPEN"),
        now: d.commitDeadline + 1n,
        expected: ["CLOSE(5)", "MISS(not netted)"],
      },
      { name: "CLOSED before the cutoff waits", view: view("CLOSED"), now: d.resolutionCutoff - 1n, expected: [] },
      { name: "CLOSED at the cutoff nets", view: view("CLOSED"), now: d.resolutionCutoff, expected: ["NET(5)"] },
      { name: "CLOSED at the commit deadline nets", view: view("CLOSED"), now: d.commitDeadline, expected: ["NET(5)"] },
      {
        name: "CLOSED after the commit deadline misses without netting",
        view: view("CLOSED"),
        now: d.commitDeadline + 1n,
        expected: ["MISS(not netted)"],
      },
      {
        // Issue 8: an empty batch (guarantees issued, none payable) is committed, so its V1 fallback never opens.
        name: "NETTED with an empty batch commits it",
        view: view("NETTED", { guaranteeCount: 0, chain: chain({ committed: false, debtorCount: 0 }) }),
        now: d.resolutionCutoff,
        expected: ["COMMIT(5)"],
      },
      {
        name: "NETTED with an empty batch after the commit deadline misses",
        view: view("NETTED", { guaranteeCount: 0, chain: chain({ committed: false, debtorCount: 0 }) }),
        now: d.commitDeadline + 1n,
        expected: ["MISS(netted)"],
      },
      {
        name: "NETTED at the cutoff commits",
        view: view("NETTED", { guaranteeCount: 4, chain: chain({ committed: false }) }),
        now: d.resolutionCutoff,
        expected: ["COMMIT(5)"],
      },
      {
        name: "NETTED at the commit deadline commits",
        view: view("NETTED", { guaranteeCount: 4, chain: chain({ committed: false }) }),
        now: d.commitDeadline,
        expected: ["COMMIT(5)"],
      },
      {
        name: "NETTED after the commit deadline misses and un-nets",
        view: view("NETTED", { guaranteeCount: 4, chain: chain({ committed: false }) }),
        now: d.commitDeadline + 1n,
        expected: ["MISS(netted)"],
      },
      {
        name: "COMMITTING not yet on-chain re-commits (the step re-checks the chain first)",
        view: view("COMMITTING", { guaranteeCount: 4, chain: chain({ committed: false }) }),
        now: d.commitDeadline,
        expected: ["COMMIT(5)"],
      },
      {
        name: "COMMITTING found committed on-chain is confirmed",
        view: view("COMMITTING", { guaranteeCount: 4, chain: chain() }),
        now: d.commitDeadline,
        expected: ["CONFIRM_COMMIT(5)"],
      },
      {
        name: "COMMITTING committed on-chain is confirmed even after the deadline",
        view: view("COMMITTING", { guaranteeCount: 4, chain: chain() }),
        now: d.finalityDeadline + 1n,
        expected: ["CONFIRM_COMMIT(5)"],
      },
      {
        name: "COMMITTING after the deadline and not on-chain misses",
        view: view("COMMITTING", { guaranteeCount: 4, chain: chain({ committed: false }) }),
        now: d.commitDeadline + 1n,
        expected: ["MISS(netted)"],
      },
      {
        name: "COMMITTED at the payment deadline waits for debtors",
        view: view("COMMITTED", { chain: chain({ resolvedDebtors: 0, unresolvedDebtors: unresolved3 }) }),
        now: d.paymentDeadline,
        expected: [],
      },
      {
        name: "COMMITTED after the payment deadline marks unpaid debtors, chunked, sorted",
        view: view("COMMITTED", {
          chain: chain({ debtorCount: 3, resolvedDebtors: 0, unresolvedDebtors: unresolved3 }),
        }),
        now: d.paymentDeadline + 1n,
        expected: ["MARK_DEFAULTED(d1,d2)", "MARK_DEFAULTED(d3)"],
      },
      {
        name: "COMMITTED after the payment deadline with every debtor paid waits for finality",
        view: view("COMMITTED", { chain: chain() }),
        now: d.finalityDeadline,
        expected: [],
      },
      {
        name: "COMMITTED after finality with every debtor resolved finalizes",
        view: view("COMMITTED", { chain: chain() }),
        now: d.finalityDeadline + 1n,
        expected: ["FINALIZE(5)"],
      },
      {
        name: "COMMITTED after finality with an unpaid debtor marks it first, finalizes next tick",
        view: view("COMMITTED", {
          chain: chain({ resolvedDebtors: 1, unresolvedDebtors: [{ debtor: D2, amount: 2n }] }),
        }),
        now: d.finalityDeadline + 1n,
        expected: ["MARK_DEFAULTED(d2)"],
      },
      {
        name: "COMMITTED with a debtor unresolved on-chain but unknown to the batch never finalizes",
        view: view("COMMITTED", { chain: chain({ resolvedDebtors: 1 }) }),
        now: d.finalityDeadline + 1n,
        expected: [],
      },
      {
        name: "COMMITTED finalized on-chain (by anyone) is confirmed",
        view: view("COMMITTED", { chain: chain({ finalized: true }) }),
        now: d.finalityDeadline + 1n,
        expected: ["CONFIRM_FINALIZED(5)"],
      },
      {
        name: "COMMITTED without chain facts does nothing",
        view: view("COMMITTED"),
        now: d.finalityDeadline + 1n,
        expected: [],
      },
      { name: "MISSED is terminal", view: view("MISSED"), now: d.finalityDeadline + 99n, expected: [] },
      { name: "EMPTY is terminal", view: view("EMPTY"), now: d.finalityDeadline + 99n, expected: [] },
      { name: "FINALIZED is terminal", view: view("FINALIZED"), now: d.finalityDeadline + 99n, expected: [] },
    ];
    for (const c of cases) {
      it(c.name, function () {
        expect(kinds(planTick(state([c.view]), c.now, { defaultChunkSize: 2 }))).to.deep.equal(c.expected);
      });
    }

    it("carries the debtor amounts into MARK_DEFAULTED", function () {
      const plan = planTick(
        state([
          view("COMMITTED", { chain: chain({ resolvedDebtors: 1, unresolvedDebtors: [{ debtor: D2, amount: 7n }] }) }),
        ]),
        d.paymentDeadline + 1n,
      );
      expect(plan).to.deep.equal([
        { kind: "MARK_DEFAULTED", cycleId: C, asset: A, debtors: [{ debtor: D2, amount: 7n }] },
      ]);
    });
  });

  describe("cycle creation", function () {
    it("creates nothing before genesis", function () {
      expect(planTick(state([], { assets: [A] }), GENESIS - 1n)).to.deep.equal([]);
    });

    it("creates the current cycle of every asset, sorted, with the schedule's deadlines", function () {
      const now = GENESIS + 3n * 86_400n + 10n;
      const plan = planTick(state([], { assets: [B, A] }), now);
      expect(kinds(plan)).to.deep.equal(["CREATE(3,a)", "CREATE(3,b)"]);
      expect(plan[0]).to.deep.include({
        deadlines: deadlinesOf(segmentsOf({ ...DEFAULT_CYCLE_PHASES, genesis: GENESIS }), 3n),
      });
    });

    it("catches up from the next cycle id and moves the created rows through the phases already due", function () {
      const now = GENESIS + 3n * 86_400n + 3_600n;
      const plan = planTick(state([], { assets: [A], nextCycleId: new Map([[A, 1n]]) }), now);
      expect(kinds(plan)).to.deep.equal([
        "CREATE(1,a)",
        "CREATE(2,a)",
        "CREATE(3,a)",
        "CLOSE(1)",
        "MISS(not netted)",
        "CLOSE(2)",
      ]);
    });

    it("creates nothing when the next cycle has not started", function () {
      const now = GENESIS + 3n * 86_400n + 10n;
      expect(planTick(state([], { assets: [A], nextCycleId: new Map([[A, 4n]]) }), now)).to.deep.equal([]);
    });

    it("caps the rows created per asset and tick", function () {
      const now = GENESIS + 40n * 86_400n;
      const plan = planTick(state([], { assets: [A], nextCycleId: new Map([[A, 0n]]) }), now, {
        maxNewCyclesPerAsset: 3,
      });
      expect(plan.filter((a) => a.kind === "CREATE_CYCLE").map((a) => a.cycleId)).to.deep.equal([0n, 1n, 2n]);
    });
  });

  describe("schedule segments", function () {
    // From cycle 10, 12-hour cycles with a 1-hour cutoff.
    const start2 = GENESIS + 10n * 86_400n;
    const second: ScheduleSegment = {
      ...SEGMENT,
      startTime: start2,
      firstCycleId: 10n,
      cycleLength: 43_200n,
      resolutionCutoff: 3_600n,
    };

    it("numbers cycles by the segment in force at t", function () {
      expect(cycleAt([SEGMENT, second], start2 - 1n)).to.equal(9n);
      expect(cycleAt([SEGMENT, second], start2)).to.equal(10n);
      expect(cycleAt([SEGMENT, second], start2 + 43_200n)).to.equal(11n);
      expect(cycleAt([SEGMENT, second], GENESIS - 1n)).to.equal(undefined);
    });

    it("takes a cycle's deadlines from the segment that holds its id", function () {
      expect(deadlinesOf([SEGMENT, second], 9n).end).to.equal(start2);
      const d11 = deadlinesOf([SEGMENT, second], 11n);
      expect(d11.start).to.equal(start2 + 43_200n);
      expect(d11.resolutionCutoff).to.equal(d11.end + 3_600n);
    });
  });

  describe("determinism", function () {
    it("gives the same plan for any order of the input rows and never mutates them", function () {
      const rows: CycleView[] = [
        view("OPEN", { cycleId: 7n, deadlines: deadlinesOf([SEGMENT], 7n) }),
        view("CLOSED", { asset: B }),
        view("CLOSED"),
        view("COMMITTED", { cycleId: 4n, deadlines: deadlinesOf([SEGMENT], 4n), chain: chain() }),
      ];
      const now = d.resolutionCutoff;
      const frozen = JSON.stringify(rows, (_k, v) => (typeof v === "bigint" ? v.toString() : v));
      const a = planTick(state(rows), now);
      const b = planTick(state([...rows].reverse()), now);
      expect(a).to.deep.equal(b);
      expect(kinds(a)).to.deep.equal(["FINALIZE(4)", "NET(5)", "NET(5)"]);
      expect(a.map((x) => x.asset)).to.deep.equal([A, A, B]);
      expect(JSON.stringify(rows, (_k, v) => (typeof v === "bigint" ? v.toString() : v))).to.equal(frozen);
    });
  });
});
