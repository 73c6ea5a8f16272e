import { expect } from "chai";

import { defaultSchedule, segmentsOf } from "../../offchain/src/protocol/cycles/cycleSchedule.ts";
import { hasCode } from "../../offchain/src/protocol/errors.ts";
import { validateRequest, type IssuancePolicy } from "../../offchain/src/core/issuance/validateRequest.ts";
import { GENESIS, REGISTRY, v1Request, v2Request } from "./fixtures.ts";

const schedule = segmentsOf(defaultSchedule(GENESIS));
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

describe("validateRequest", function () {
  const now = GENESIS + 5n * 86_400n + 1_000n;

  it("returns the cycle of the timestamp and the version's domain", function () {
    const v = validateRequest(policy, v1Request({ timestamp: now }), now);
    expect(v.cycleId).to.equal(5n);
    expect(v.domain).to.equal(`0x${"01".repeat(32)}`);
  });

  it("numbers the cycle with the ClearingHouse's segments: ids continue across a schedule change", function () {
    // Hourly cycles from the start of cycle 4 (as ClearingHouse.setSchedule appends them).
    const hourly: IssuancePolicy = {
      ...policy,
      maxAgeSeconds: 86_400n,
      schedule: [
        ...schedule,
        {
          startTime: GENESIS + 4n * 86_400n,
          firstCycleId: 4n,
          cycleLength: 3_600n,
          resolutionCutoff: 600n,
          commitDelay: 300n,
          paymentWindow: 1_200n,
          finalityWindow: 1_800n,
        },
      ],
    };
    // now = day 5 + 1000 s: 24 hourly cycles after id 4, and the first hour of day 5 is id 28.
    expect(validateRequest(hourly, v1Request({ timestamp: now }), now).cycleId).to.equal(28n);
    // A timestamp of the hour before, once that hour has ended, is refused: its cycle closed.
    expect(codeOf(() => validateRequest(hourly, v1Request({ timestamp: now - 1_001n }), now))).to.equal("CYCLE_CLOSED");
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
