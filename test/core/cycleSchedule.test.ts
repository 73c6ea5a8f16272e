import { expect } from "chai";
import fc from "fast-check";
import { parseAbi } from "viem";

import {
  cycleAt,
  deadlinesOf,
  DEFAULT_CYCLE_PHASES,
  defaultSchedule,
  segmentDeadlines,
  segmentsOf,
  type ScheduleSegment,
} from "../../offchain/src/protocol/cycles/cycleSchedule.ts";
import { hasCode } from "../../offchain/src/protocol/errors.ts";
import { deployClearing } from "./schedulerFixtures.ts";

const GENESIS = 1_699_920_000n;

describe("cycle schedule (the one module issuance, netting and the scheduler use)", function () {
  const one = segmentsOf(defaultSchedule(GENESIS));

  it("numbers cycles from genesis and derives the deadlines (seeds' defaults)", function () {
    expect(cycleAt(one, GENESIS)).to.equal(0n);
    expect(cycleAt(one, GENESIS + 86_399n)).to.equal(0n);
    expect(cycleAt(one, GENESIS + 86_400n)).to.equal(1n);
    expect(cycleAt(one, GENESIS - 1n)).to.equal(undefined);
    expect(deadlinesOf(one, 2n)).to.deep.equal({
      start: GENESIS + 2n * 86_400n,
      end: GENESIS + 3n * 86_400n,
      resolutionCutoff: GENESIS + 3n * 86_400n + 21_600n,
      commitDeadline: GENESIS + 3n * 86_400n + 22_500n,
      paymentDeadline: GENESIS + 3n * 86_400n + 29_700n,
      finalityDeadline: GENESIS + 3n * 86_400n + 36_900n,
    });
  });

  it("a timestamp lies inside its cycle, across segments", function () {
    const segments: ScheduleSegment[] = [
      ...one,
      { ...DEFAULT_CYCLE_PHASES, startTime: GENESIS + 4n * 86_400n, firstCycleId: 4n, cycleLength: 3_600n },
      { ...DEFAULT_CYCLE_PHASES, startTime: GENESIS + 5n * 86_400n, firstCycleId: 28n, cycleLength: 7_200n },
    ];
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 8n }), (dt) => {
        const t = GENESIS + dt;
        const d = deadlinesOf(segments, cycleAt(segments, t)!);
        expect(d.start <= t && t < d.end).to.equal(true);
      }),
    );
    expect(cycleAt(segments, GENESIS + 4n * 86_400n - 1n)).to.equal(3n);
    expect(cycleAt(segments, GENESIS + 4n * 86_400n)).to.equal(4n);
    expect(cycleAt(segments, GENESIS + 5n * 86_400n)).to.equal(28n);
    expect(deadlinesOf(segments, 27n).end).to.equal(GENESIS + 5n * 86_400n);
  });

  it("refuses an empty schedule and an id before its segment", function () {
    expect(() => deadlinesOf([], 0n))
      .to.throw()
      .that.satisfies((e: unknown) => hasCode(e, "SCHEDULER_NO_SCHEDULE"));
    expect(() => segmentDeadlines({ ...one[0]!, firstCycleId: 5n }, 4n)).to.throw(RangeError);
  });

  it("agrees with ClearingHouse.cycleOf and cycleDeadlines after schedule changes (multi-segment)", async function () {
    const env = await deployClearing("mock");
    const abi = parseAbi([
      "struct Params { uint32 cycleLength; uint32 resolutionCutoff; uint32 commitDelay; uint32 paymentWindow; uint32 finalityWindow; }",
      "struct Deadlines { uint256 start; uint256 end; uint256 resolutionCutoff; uint256 commitDeadline; uint256 paymentDeadline; uint256 finalityDeadline; }",
      "function setSchedule(uint48 startTime, Params params)",
      "function earliestScheduleChange() view returns (uint256)",
      "function cycleOf(uint64 t) view returns (uint256)",
      "function cycleDeadlines(uint256 cycleId) view returns (Deadlines)",
    ]);
    const address = env.clearingHouse.address;
    const read = <T>(functionName: string, args: unknown[] = []) =>
      env.publicClient.readContract({ address, abi, functionName, args } as never) as Promise<T>;
    const setSchedule = async (startTime: bigint, params: Record<string, number>) => {
      const hash = await env.admin.writeContract({
        address,
        abi,
        functionName: "setSchedule",
        args: [Number(startTime), params],
      } as never);
      await env.publicClient.waitForTransactionReceipt({ hash });
    };
    const start1 = await read<bigint>("earliestScheduleChange");
    await setSchedule(start1, {
      cycleLength: 3_600,
      resolutionCutoff: 600,
      commitDelay: 300,
      paymentWindow: 1_200,
      finalityWindow: 1_800,
    });
    await setSchedule(start1 + 10n * 3_600n, {
      cycleLength: 7_200,
      resolutionCutoff: 0,
      commitDelay: 60,
      paymentWindow: 600,
      finalityWindow: 0,
    });
    const segments = await env.gateway.scheduleSegments();
    expect(segments).to.have.length(3);

    const times = [env.genesis, start1 - 1n, start1, start1 + 3_599n, start1 + 36_000n - 1n, start1 + 36_000n];
    for (let k = 0n; k < 40n; k++) times.push(env.genesis + k * 9_973n * 7n);
    for (const t of times) {
      expect(cycleAt(segments, t), `cycleOf(${t})`).to.equal(await read<bigint>("cycleOf", [t]));
    }
    const last = cycleAt(segments, start1 + 100_000n)!;
    for (let id = 0n; id <= last; id++) {
      const onchain = await read<Record<string, bigint>>("cycleDeadlines", [id]);
      expect(deadlinesOf(segments, id), `cycleDeadlines(${id})`).to.deep.equal({ ...onchain });
    }
  });
});
