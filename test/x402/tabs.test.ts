import { expect } from "chai";
import Fastify, { type FastifyInstance } from "fastify";
import { pino } from "pino";
import { zeroAddress, type Address, type Hex } from "viem";

import { createFacilitator } from "../../offchain/src/facilitator/index.ts";
import type { ScheduleSegment } from "../../offchain/src/protocol/cycles/cycleSchedule.ts";
import type { CoreClient, CorePublicParams } from "../../offchain/src/x402/facilitator/index.ts";

const PAYER: Address = "0x1111111111111111111111111111111111111111";
const SELLER: Address = "0x2222222222222222222222222222222222222222";
const phases = { resolutionCutoff: 10n, commitDelay: 5n, paymentWindow: 5n, finalityWindow: 5n };

/** Core's genesis schedule in public-params: cycle 0 at t=1000, 100 s cycles. */
const params: CorePublicParams = {
  chainId: 31337n,
  core4Mica: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
  blsPublicKey: `0x${"aa".repeat(48)}` as Hex,
  guaranteeDomains: { "1": `0x${"01".repeat(32)}` as Hex },
  acceptedVersions: [1],
  freshness: { pastSeconds: 300n, futureSeconds: 30n },
  cycleSchedule: { genesis: 1_000n, cycleLength: 100n, ...phases },
};
/** The chain's schedule: the genesis segment, then from cycle 5 (t=1500) 50 s cycles. */
const segments: ScheduleSegment[] = [
  { startTime: 1_000n, firstCycleId: 0n, cycleLength: 100n, ...phases },
  { startTime: 1_500n, firstCycleId: 5n, cycleLength: 50n, ...phases },
];

/** A Core port whose schedule read can be swapped; records how often it was read. */
function fakeCore(read: () => Promise<ScheduleSegment[] | undefined>) {
  const calls = { schedule: 0 };
  const core: CoreClient = {
    publicParams: async () => params,
    issue: async () => {
      throw new Error("not used");
    },
    freeCollateral: async () => undefined,
    scheduleSegments: async () => {
      calls.schedule++;
      return read();
    },
  };
  return { core, calls };
}

async function facilitatorApp(core: CoreClient, clock: { t: bigint; ms: number }): Promise<FastifyInstance> {
  const app = Fastify();
  createFacilitator(
    { coreUrl: "http://core.invalid", publicUrl: undefined, blsPublicKey: undefined, allowContractSignatures: false },
    { core, logger: pino({ level: "silent" }), now: () => clock.t, clockMs: () => clock.ms, scheduleTtlMs: 60_000 },
  ).routes(app);
  await app.ready();
  return app;
}

const tab = async (app: FastifyInstance) => {
  const res = await app.inject({ method: "POST", url: "/tabs", payload: { payer: PAYER, recipient: SELLER } });
  expect(res.statusCode).to.equal(200);
  return res.json() as { cycleId: string | null; cycleEndsAt: string | null; freeCollateral: string | null };
};

describe("facilitator POST /tabs: the current cycle", function () {
  it("numbers the cycle with the ClearingHouse's whole schedule, not only genesis", async function () {
    const clock = { t: 1_620n, ms: 0 };
    const app = await facilitatorApp(fakeCore(async () => segments).core, clock);
    // Genesis alone would say cycle 6 ending at 1700; the second segment makes it cycle 7 = [1600, 1650).
    const body = await tab(app);
    expect(body.cycleId).to.equal("7");
    expect(body.cycleEndsAt).to.equal("1650");
    clock.t = 1_499n; // still in the genesis segment: cycle 4 = [1400, 1500)
    expect(await tab(app)).to.include({ cycleId: "4", cycleEndsAt: "1500" });
    await app.close();
  });

  it("reuses a schedule read for its TTL, then reads it again", async function () {
    const clock = { t: 1_620n, ms: 0 };
    const { core, calls } = fakeCore(async () => segments);
    const app = await facilitatorApp(core, clock);
    await tab(app);
    clock.ms = 59_999;
    await tab(app);
    expect(calls.schedule).to.equal(1);
    clock.ms = 60_000;
    await tab(app);
    expect(calls.schedule).to.equal(2);
    await app.close();
  });

  it("keeps the last good schedule when a read fails, and says unknown (null) when it never had one", async function () {
    const clock = { t: 1_620n, ms: 0 };
    let fail = false;
    const app = await facilitatorApp(
      fakeCore(async () => {
        if (fail) throw new Error("Core down");
        return segments;
      }).core,
      clock,
    );
    expect((await tab(app)).cycleId).to.equal("7");
    fail = true;
    clock.ms = 120_000;
    expect((await tab(app)).cycleId).to.equal("7");
    await app.close();

    const never = await facilitatorApp(
      fakeCore(async () => {
        throw new Error("Core down");
      }).core,
      { t: 1_620n, ms: 0 },
    );
    expect(await tab(never)).to.include({ cycleId: null, cycleEndsAt: null });
    await never.close();
  });

  it("uses Core's genesis segment when Core serves no cycle API (no ClearingHouse)", async function () {
    const app = await facilitatorApp(fakeCore(async () => undefined).core, { t: 1_620n, ms: 0 });
    expect(await tab(app)).to.include({ cycleId: "6", cycleEndsAt: "1700" });
    await app.close();
  });

  it("is null before genesis", async function () {
    const app = await facilitatorApp(fakeCore(async () => segments).core, { t: 999n, ms: 0 });
    expect(await tab(app)).to.include({ cycleId: null, cycleEndsAt: null });
    await app.close();
  });

  it("answers free collateral only through the caller's bearer token, never on its own", async function () {
    const seen: (string | undefined)[] = [];
    const { core } = fakeCore(async () => segments);
    core.freeCollateral = async (_payer, asset, bearer) => {
      seen.push(bearer);
      expect(asset).to.equal(zeroAddress);
      return bearer === "payer-token" ? 123n : undefined;
    };
    const app = await facilitatorApp(core, { t: 1_620n, ms: 0 });
    const post = (headers: Record<string, string>) =>
      app.inject({ method: "POST", url: "/tabs", payload: { payer: PAYER, recipient: SELLER }, headers });
    expect((await post({})).json().freeCollateral).to.equal(null);
    expect((await post({ authorization: "Bearer payer-token" })).json().freeCollateral).to.equal("123");
    expect((await post({ authorization: "Basic payer-token" })).json().freeCollateral).to.equal(null);
    expect(seen).to.deep.equal([undefined, "payer-token", undefined]);
    await app.close();
  });
});
