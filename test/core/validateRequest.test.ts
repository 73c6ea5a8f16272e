import { expect } from "chai";

import { cycleOf, cycleTimes, defaultSchedule } from "../../offchain/src/core/cycles/cycleSchedule.ts";
import { hasCode } from "../../offchain/src/core/errors.ts";
import { validateRequest, type IssuancePolicy } from "../../offchain/src/core/issuance/validateRequest.ts";
import { GENESIS, REGISTRY, v1Request, v2Request } from "./fixtures.ts";

const schedule = defaultSchedule(GENESIS);
const policy: IssuancePolicy = {
  chainId: 31337n,
  domains: new Map<number, `0x${string}`>([
    [1, `0x${"01".repeat(32)}`],
    [2, `0x${"02".repeat(32)}`],
  ]),
  trustedRegistries: new Set([REGISTRY]),
  maxAgeSeconds: 300n,
  maxFutureSkewSeconds: 60n,
  schedule,
};

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
    return undefined;
  } catch (e) {
    return (e as { code?: string }).code;
  }
}

describe("cycleSchedule", function () {
  it("numbers cycles from genesis and derives the deadlines", function () {
    expect(cycleOf(schedule, GENESIS)).to.equal(0n);
    expect(cycleOf(schedule, GENESIS + 86_399n)).to.equal(0n);
    expect(cycleOf(schedule, GENESIS + 86_400n)).to.equal(1n);
    expect(cycleOf(schedule, GENESIS - 1n)).to.equal(undefined);
    const t = cycleTimes(schedule, 2n);
    expect(t.startsAt).to.equal(GENESIS + 172_800n);
    expect(t.commitDeadline).to.equal(t.endsAt + 21_600n + 900n);
    expect(t.finalityDeadline).to.equal(t.commitDeadline + 14_400n);
  });
});

describe("validateRequest", function () {
  const now = GENESIS + 5n * 86_400n + 1_000n;

  it("returns the cycle of the timestamp and the version's domain", function () {
    const v = validateRequest(policy, v1Request({ timestamp: now }), now);
    expect(v.cycleId).to.equal(5n);
    expect(v.domain).to.equal(`0x${"01".repeat(32)}`);
  });

  it("applies the freshness window inclusively", function () {
    expect(codeOf(() => validateRequest(policy, v1Request({ timestamp: now - 300n }), now))).to.equal(undefined);
    expect(codeOf(() => validateRequest(policy, v1Request({ timestamp: now - 301n }), now))).to.equal(
      "STALE_TIMESTAMP",
    );
    expect(codeOf(() => validateRequest(policy, v1Request({ timestamp: now + 60n }), now))).to.equal(undefined);
    expect(codeOf(() => validateRequest(policy, v1Request({ timestamp: now + 61n }), now))).to.equal(
      "FUTURE_TIMESTAMP",
    );
  });

  it("refuses a fresh request whose cycle ended at the boundary", function () {
    const boundary = GENESIS + 6n * 86_400n;
    expect(codeOf(() => validateRequest(policy, v1Request({ timestamp: boundary - 1n }), boundary - 1n))).to.equal(
      undefined,
    );
    expect(codeOf(() => validateRequest(policy, v1Request({ timestamp: boundary - 1n }), boundary))).to.equal(
      "CYCLE_CLOSED",
    );
  });

  it("refuses an unknown version before looking at anything else", function () {
    expect(codeOf(() => validateRequest(policy, { version: 7 }, now))).to.equal("UNSUPPORTED_VERSION");
  });

  it("checks the V2 registry before the hashes", function () {
    const r = v2Request(
      { timestamp: now },
      { validationRegistry: "0x0000000000000000000000000000000000000bad" },
      {
        validationSubjectHash: `0x${"ee".repeat(32)}`,
      },
    );
    expect(codeOf(() => validateRequest(policy, r, now))).to.equal("UNTRUSTED_REGISTRY");
    expect(hasCode(new Error("x"), "UNTRUSTED_REGISTRY")).to.equal(false);
  });
});
