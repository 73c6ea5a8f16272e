import { expect } from "chai";
import { createWalletClient, custom, type Address } from "viem";
import { hardhat } from "viem/chains";

import type { Database } from "../../offchain/src/core/adapters/db/database.ts";
import { createCore, type Core, type CoreDeps } from "../../offchain/src/core/createCore.ts";
import { deadlinesOf } from "../../offchain/src/protocol/cycles/cycleSchedule.ts";
import { silentLogger, testConfig } from "./fixtures.ts";
import {
  cycleStatus,
  deployClearing,
  ETH,
  fundDb,
  OPERATOR_KEY,
  openMigrated,
  SCHEDULER_BACKENDS,
  storeGuarantee,
} from "./schedulerFixtures.ts";

const M = 10n ** 15n;

/** Core with its cycle scheduler, wired by createCore on the in-process Hardhat chain (as the demo runs it). */
for (const backend of SCHEDULER_BACKENDS) {
  describe(`createCore wires the cycle scheduler (Hardhat chain, ${backend.name})`, function () {
    let env: Awaited<ReturnType<typeof deployClearing>>;
    let db: Database;
    let core: Core | undefined;

    beforeEach(async function () {
      env = await deployClearing("core4mica");
      db = await openMigrated(backend.open);
    });
    afterEach(async function () {
      await core?.close();
      core = undefined;
      await db.close();
    });

    function config(overrides: Parameters<typeof testConfig>[0] = {}) {
      return testConfig({
        chainId: env.chainId,
        core4Mica: env.vault.address.toLowerCase() as Address,
        clearingHouse: env.clearingHouse.address.toLowerCase() as Address,
        tokens: [],
        acceptedVersions: [1],
        schedule: {
          genesis: env.genesis,
          cycleLength: 86_400n,
          resolutionCutoff: 21_600n,
          commitDelay: 900n,
          paymentWindow: 7_200n,
          finalityWindow: 7_200n,
        },
        ...overrides,
      });
    }
    const start = (c: ReturnType<typeof config>, deps: CoreDeps) =>
      createCore(c, { db, logger: silentLogger, isValidSignature: async () => false, ...deps });

    async function at(t: bigint): Promise<bigint> {
      await env.networkHelpers.time.increaseTo(t);
      return env.gateway.latestTimestamp();
    }

    it("with an injected operator wallet client: core.scheduler.tick drives a cycle to FINALIZED; /core/cycles serves it", async function () {
      const walletClient = createWalletClient({
        account: env.operator,
        chain: hardhat,
        transport: custom(env.connection.provider),
      });
      core = await start(config(), { chainClient: env.publicClient, walletClient });
      expect(core.scheduler).to.not.equal(undefined);
      const scheduler = core.scheduler!;

      const [p1, r1] = env.wallets.map((w) => w.account.address.toLowerCase() as Address) as [Address, Address];
      await env.deposit(p1, 1_000n * M);
      await fundDb(db, p1, 1_000n * M);
      const now0 = await env.gateway.latestTimestamp();
      const segments = await scheduler.schedule();
      const cycleId = (now0 - env.genesis) / 86_400n;
      const d = deadlinesOf(segments, cycleId);
      await storeGuarantee(db, { user: p1, recipient: r1, amount: 300n * M, cycleId, timestamp: now0 });

      expect((await scheduler.tick(now0)).actions.map((a) => a.kind)).to.deep.equal(["CREATE_CYCLE"]);
      await scheduler.tick(await at(d.end));
      await scheduler.tick(await at(d.resolutionCutoff));
      expect(await cycleStatus(db, cycleId)).to.equal("COMMITTED");
      expect((await env.gateway.getCycle(cycleId, ETH)).committed).to.equal(true);

      // p1 never pays: marked defaulted after the payment deadline, then the cycle finalizes.
      await scheduler.tick(await at(d.paymentDeadline + 1n));
      await scheduler.tick(await at(d.finalityDeadline + 1n));
      expect(await cycleStatus(db, cycleId)).to.equal("FINALIZED");
      expect((await env.gateway.getCycle(cycleId, ETH)).finalized).to.equal(true);

      const listed = await core.app.inject({ method: "GET", url: "/core/cycles" });
      expect(listed.statusCode).to.equal(200);
      expect(listed.json().schedule[0].startTime).to.equal(env.genesis.toString());
      const one = await core.app.inject({ method: "GET", url: `/core/cycles/${cycleId}/${ETH}` });
      expect(one.json()).to.deep.include({ cycleId: cycleId.toString(), status: "FINALIZED" });
      const pos = await core.app.inject({ method: "GET", url: `/core/cycles/${cycleId}/${ETH}/positions/${r1}` });
      expect(pos.json()).to.deep.include({ role: "NET_CREDITOR", amount: (300n * M).toString() });
      const missing = await core.app.inject({ method: "GET", url: `/core/cycles/${cycleId + 5n}/${ETH}` });
      expect(missing.statusCode).to.equal(404);
      expect(missing.json().error.code).to.equal("CYCLE_NOT_FOUND");

      const openapi = (await core.app.inject({ method: "GET", url: "/core/openapi.json" })).json();
      expect(Object.keys(openapi.paths)).to.include.members([
        "/core/cycles",
        "/core/cycles/{cycleId}/{asset}",
        "/core/cycles/{cycleId}/{asset}/batch",
        "/core/cycles/{cycleId}/{asset}/positions/{participant}",
      ]);
    });

    it("with an EIP-1193 transport and the operator key: startBackground runs the loop on the chain clock; close stops it", async function () {
      core = await start(config({ operatorKey: OPERATOR_KEY, schedulerIntervalMs: 10 }), {
        transport: custom(env.connection.provider),
      });
      expect(core.scheduler).to.not.equal(undefined);
      core.startBackground();
      const now = await env.gateway.latestTimestamp();
      const cycleId = (now - env.genesis) / 86_400n;
      const deadline = Date.now() + 10_000;
      while ((await cycleStatus(db, cycleId)) !== "OPEN" && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 10));
      }
      expect(await cycleStatus(db, cycleId)).to.equal("OPEN");
      await core.close();
      core = undefined;
    });

    it("without an operator: no scheduler, and the cycle API still serves the on-chain schedule", async function () {
      core = await start(config(), { chainClient: env.publicClient });
      expect(core.scheduler).to.equal(undefined);
      const listed = await core.app.inject({ method: "GET", url: "/core/cycles" });
      expect(listed.statusCode).to.equal(200);
      expect(listed.json().schedule).to.have.length(1);
      expect(listed.json().cycles).to.deep.equal([]);
    });
  });
}
