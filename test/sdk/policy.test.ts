import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { PGlite } from "@electric-sql/pglite";
import { expect } from "chai";
import pg from "pg";
import { zeroAddress, type Address } from "viem";

import type { Database } from "../../offchain/src/core/adapters/db/database.ts";
import { openPgDatabase } from "../../offchain/src/core/adapters/db/pgDatabase.ts";
import { openPgliteDatabase } from "../../offchain/src/core/adapters/db/pgliteDatabase.ts";
import { FourMicaError } from "../../offchain/src/protocol/errors.ts";
import {
  createBuyerPolicy,
  filePolicyStore,
  memoryPolicyStore,
  sqlPolicyStore,
  type BuyerPolicyConfig,
  type PaymentIntent,
  type PolicyStore,
} from "../../offchain/src/sdk/policy/index.ts";
import { pgPoolDatabase } from "../../offchain/src/sdk/store/sql.ts";

const USDC = "0x5FbDB2315678afecb367f032d93F642f64180aa3" as Address;
const SELLER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8" as Address;
const OTHER = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC" as Address;
const REGISTRY = "0x90F79bf6EB2c4f870365E785982E1f101E93b906" as Address;
const VALIDATOR = "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65" as Address;

const intent = (over: Partial<PaymentIntent> = {}): PaymentIntent => ({
  resource: "https://api.example.com/report",
  payTo: SELLER,
  amount: 100n,
  asset: USDC,
  network: "eip155:31337",
  version: 1,
  ...over,
});

const v2Policy = {
  validationRegistry: REGISTRY,
  validatorAddress: VALIDATOR,
  validatorAgentId: 7n,
  minValidationScore: 80,
  validationChainId: 31337n,
  requiredValidationTag: "quality",
};

/** Awaits `p` and returns the FourMicaError code it rejected with (fails when it resolves). */
async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).to.be.instanceOf(FourMicaError);
    return (e as FourMicaError).code;
  }
  expect.fail("expected a refusal");
}

describe("BuyerPolicy", function () {
  describe("check", function () {
    it("allows a payment that every rule accepts", async function () {
      const policy = createBuyerPolicy({
        sellers: ["https://api.example.com"],
        payTo: [SELLER],
        assets: [USDC],
        networks: ["eip155:31337"],
        limits: { [USDC]: { perRequest: 100n } },
      });
      await policy.check(intent());
      expect(await policy.spent({ asset: USDC })).to.equal(100n);
    });

    it("refuses a seller whose origin is not on the allowlist", async function () {
      const policy = createBuyerPolicy({ sellers: ["https://api.example.com"] });
      expect(await codeOf(policy.check(intent({ resource: "https://evil.example.com/report" })))).to.equal(
        "POLICY_SELLER_NOT_ALLOWED",
      );
      expect(await codeOf(policy.check(intent({ resource: undefined })))).to.equal("POLICY_SELLER_NOT_ALLOWED");
      await policy.check(intent({ resource: "https://api.example.com/other/path?x=1" }));
    });

    it("refuses a payTo that is not on the allowlist (any address case)", async function () {
      const policy = createBuyerPolicy({ payTo: [SELLER.toLowerCase() as Address] });
      expect(await codeOf(policy.check(intent({ payTo: OTHER })))).to.equal("POLICY_PAYTO_NOT_ALLOWED");
      await policy.check(intent({ payTo: SELLER }));
    });

    it("refuses an asset that is not allowed, and assets without limits when limits are given", async function () {
      expect(await codeOf(createBuyerPolicy({ assets: [USDC] }).check(intent({ asset: zeroAddress })))).to.equal(
        "POLICY_ASSET_NOT_ALLOWED",
      );
      const byLimits = createBuyerPolicy({ limits: { [USDC]: { perRequest: 1_000n } } });
      expect(await codeOf(byLimits.check(intent({ asset: zeroAddress })))).to.equal("POLICY_ASSET_NOT_ALLOWED");
      await byLimits.check(intent());
    });

    it("refuses a network that is not allowed", async function () {
      const policy = createBuyerPolicy({ networks: ["eip155:8453"] });
      expect(await codeOf(policy.check(intent()))).to.equal("POLICY_NETWORK_NOT_ALLOWED");
    });

    it("refuses a guarantee version that is not allowed", async function () {
      const policy = createBuyerPolicy({ versions: [1] });
      expect(await codeOf(policy.check(intent({ version: 2, validationPolicy: v2Policy })))).to.equal(
        "POLICY_VERSION_NOT_ALLOWED",
      );
    });

    it("refuses a payment above the per-request limit, and spends nothing", async function () {
      const policy = createBuyerPolicy({ limits: { [USDC]: { perRequest: 99n } } });
      expect(await codeOf(policy.check(intent()))).to.equal("POLICY_AMOUNT_EXCEEDS_REQUEST_LIMIT");
      expect(await policy.spent({ asset: USDC })).to.equal(0n);
    });

    it("keeps a per-task budget, separately per task", async function () {
      const policy = createBuyerPolicy({ limits: { [USDC]: { perTask: 250n } } });
      await policy.check(intent({ taskId: "t1" }));
      await policy.check(intent({ taskId: "t1" }));
      expect(await codeOf(policy.check(intent({ taskId: "t1" })))).to.equal("POLICY_BUDGET_EXCEEDED");
      await policy.check(intent({ taskId: "t2" }));
      expect(await policy.spent({ asset: USDC, taskId: "t1" })).to.equal(200n);
    });

    it("requires a task id when configured", async function () {
      const policy = createBuyerPolicy({ requireTaskId: true });
      expect(await codeOf(policy.check(intent()))).to.equal("POLICY_TASK_REQUIRED");
      await policy.check(intent({ taskId: "t" }));
    });

    it("keeps a rolling time-window budget that frees up as spends age out", async function () {
      let now = 1_000_000;
      const policy = createBuyerPolicy({
        limits: { [USDC]: { windows: [{ seconds: 3600, max: 250n }] } },
        now: () => now,
      });
      await policy.check(intent());
      now += 1800;
      await policy.check(intent());
      expect(await codeOf(policy.check(intent()))).to.equal("POLICY_BUDGET_EXCEEDED");
      now += 1800; // the first spend is now 3600 s old: out of the window
      await policy.check(intent());
      expect(await policy.spent({ asset: USDC, seconds: 3600 })).to.equal(200n);
    });

    it("applies several windows at once (the tightest refuses)", async function () {
      let now = 5_000_000;
      const policy = createBuyerPolicy({
        limits: {
          [USDC]: {
            windows: [
              { seconds: 60, max: 1_000n },
              { seconds: 86_400, max: 300n },
            ],
          },
        },
        now: () => now,
      });
      for (let i = 0; i < 3; i++) {
        await policy.check(intent());
        now += 120;
      }
      expect(await codeOf(policy.check(intent()))).to.equal("POLICY_BUDGET_EXCEEDED");
    });

    describe("V2 validation policy", function () {
      const config: BuyerPolicyConfig = {
        validation: {
          registries: [REGISTRY],
          validators: [VALIDATOR],
          validatorAgentIds: [7n],
          minScoreAtLeast: 70,
          tags: ["quality"],
        },
      };
      const v2 = (over: Partial<typeof v2Policy> = {}) =>
        intent({ version: 2, validationPolicy: { ...v2Policy, ...over } });

      it("allows a policy inside every constraint", async function () {
        await createBuyerPolicy(config).check(v2());
      });

      for (const [label, over] of [
        ["another registry", { validationRegistry: OTHER }],
        ["another validator", { validatorAddress: OTHER }],
        ["another validated agent", { validatorAgentId: 8n }],
        ["a minimum score below the floor", { minValidationScore: 50 }],
        ["another tag", { requiredValidationTag: "speed" }],
        ["any tag (empty)", { requiredValidationTag: "" }],
        ["a validation chain that is not the payment's network", { validationChainId: 1n }],
      ] as const) {
        it(`refuses ${label}`, async function () {
          expect(await codeOf(createBuyerPolicy(config).check(v2(over)))).to.equal("POLICY_VALIDATION_POLICY_REFUSED");
        });
      }

      it("refuses a V2 payment without its policy", async function () {
        expect(await codeOf(createBuyerPolicy({}).check(intent({ version: 2 })))).to.equal(
          "POLICY_VALIDATION_POLICY_REFUSED",
        );
      });
    });

    describe("approval above a threshold", function () {
      it("asks above the threshold only, and refuses when declined", async function () {
        const asked: bigint[] = [];
        let answer = false;
        const policy = createBuyerPolicy({
          approval: {
            above: { [USDC]: 150n },
            approve: (i) => {
              asked.push(i.amount);
              return answer;
            },
          },
        });
        await policy.check(intent({ amount: 150n }));
        expect(await codeOf(policy.check(intent({ amount: 151n })))).to.equal("POLICY_APPROVAL_DENIED");
        answer = true;
        await policy.check(intent({ amount: 151n }));
        expect(asked).to.deep.equal([151n, 151n]);
        expect(await policy.spent({ asset: USDC })).to.equal(301n);
      });

      it("refuses when the callback throws", async function () {
        const policy = createBuyerPolicy({
          approval: {
            above: 0n,
            approve: () => {
              throw new Error("approver offline");
            },
          },
        });
        expect(await codeOf(policy.check(intent()))).to.equal("POLICY_APPROVAL_DENIED");
      });
    });

    it("releases a reservation", async function () {
      const policy = createBuyerPolicy({ limits: { [USDC]: { perTask: 100n } } });
      const r = await policy.reserve(intent({ taskId: "t" }));
      expect(await codeOf(policy.check(intent({ taskId: "t" })))).to.equal("POLICY_BUDGET_EXCEEDED");
      await r.release();
      await policy.check(intent({ taskId: "t" }));
    });

    it("refuses an invalid config with a stable code", function () {
      expect(() => createBuyerPolicy({ payTo: ["0x1234" as Address] }))
        .to.throw(FourMicaError)
        .with.property("code", "POLICY_INVALID_CONFIG");
      expect(() => createBuyerPolicy({ networks: ["base"] }))
        .to.throw(FourMicaError)
        .with.property("code", "POLICY_INVALID_CONFIG");
    });
  });

  describe("stores", function () {
    const dirs: string[] = [];
    const databases: { close(): Promise<void> }[] = [];
    after(async function () {
      for (const db of databases) await db.close().catch(() => undefined); // a reopened PGlite is closed already
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    });
    const tempDir = () => {
      const d = mkdtempSync(join(tmpdir(), "4mica-policy-"));
      dirs.push(d);
      return d;
    };

    const budget = { limits: { [USDC]: { perTask: 1_000n, windows: [{ seconds: 86_400, max: 500n }] } } };

    /** Stores that persist: each factory opens the same store again as a restarted process would. */
    const persistent: { name: string; reopen: () => Promise<() => Promise<PolicyStore>> }[] = [
      {
        name: "JSON file",
        reopen: async () => {
          const path = join(tempDir(), "policy.json");
          return async () => filePolicyStore(path);
        },
      },
      {
        name: "PGlite data directory (Core's adapter)",
        reopen: async () => {
          const dir = tempDir();
          let open: Database | undefined;
          return async () => {
            await open?.close();
            open = await openPgliteDatabase(dir);
            databases.push(open);
            return sqlPolicyStore(open);
          };
        },
      },
      ...(process.env.FOURMICA_TEST_DATABASE_URL
        ? [
            {
              name: "PostgreSQL (Core's adapter)",
              reopen: async () => {
                return async () => {
                  const db = await openPgDatabase({ connectionString: process.env.FOURMICA_TEST_DATABASE_URL! });
                  databases.push(db);
                  return sqlPolicyStore(db);
                };
              },
            },
          ]
        : []),
    ];

    for (const { name, reopen } of persistent) {
      it(`a restart does not reset a budget: ${name}`, async function () {
        const open = await reopen();
        const id = `agent-${crypto.randomUUID()}`;
        const first = createBuyerPolicy({ id, ...budget, store: await open() });
        await first.check(intent({ amount: 300n, taskId: "t" }));
        await first.check(intent({ amount: 150n, taskId: "t" }));
        const restarted = createBuyerPolicy({ id, ...budget, store: await open() });
        expect(await restarted.spent({ asset: USDC, seconds: 86_400 })).to.equal(450n);
        expect(await codeOf(restarted.check(intent({ amount: 100n, taskId: "t" })))).to.equal("POLICY_BUDGET_EXCEEDED");
        await restarted.check(intent({ amount: 50n, taskId: "t" }));
      });
    }

    /** Every store, including memory, must make reservation atomic. */
    const concurrent: { name: string; open: () => Promise<PolicyStore> }[] = [
      { name: "memory", open: async () => memoryPolicyStore() },
      { name: "JSON file", open: async () => filePolicyStore(join(tempDir(), "policy.json")) },
      {
        name: "PGlite (raw client)",
        open: async () => {
          const pg = new PGlite();
          databases.push(pg);
          return sqlPolicyStore(pg);
        },
      },
      ...(process.env.FOURMICA_TEST_DATABASE_URL
        ? [
            {
              name: "PostgreSQL, Core's adapter and a raw pg.Pool as two processes",
              open: async () => {
                const a = await openPgDatabase({ connectionString: process.env.FOURMICA_TEST_DATABASE_URL! });
                const pool = new pg.Pool({ connectionString: process.env.FOURMICA_TEST_DATABASE_URL!, max: 5 });
                databases.push(a, { close: () => pool.end() });
                const sa = sqlPolicyStore(a);
                const sb = sqlPolicyStore(pgPoolDatabase(pool));
                let n = 0;
                // Alternate between the pools, so reservations race across connections.
                return {
                  reserve: (input) => (n++ % 2 === 0 ? sa : sb).reserve(input),
                  release: (p, r) => sa.release(p, r),
                  spent: (p, s, t) => sa.spent(p, s, t),
                } satisfies PolicyStore;
              },
            },
          ]
        : []),
    ];

    for (const { name, open } of concurrent) {
      it(`two concurrent checks cannot both spend the last budget: ${name}`, async function () {
        const store = await open();
        const id = `race-${crypto.randomUUID()}`;
        const policy = createBuyerPolicy({
          id,
          limits: { [USDC]: { windows: [{ seconds: 3600, max: 1_000n }] } },
          store,
        });
        // 20 checks of 100 race for a budget of 1,000: exactly 10 must pass.
        const results = await Promise.allSettled(Array.from({ length: 20 }, () => policy.check(intent())));
        const passed = results.filter((r) => r.status === "fulfilled").length;
        const refused = results.filter(
          (r) => r.status === "rejected" && (r.reason as FourMicaError).code === "POLICY_BUDGET_EXCEEDED",
        ).length;
        expect(passed).to.equal(10);
        expect(refused).to.equal(10);
        expect(await policy.spent({ asset: USDC, seconds: 3600 })).to.equal(1_000n);
      });
    }
  });
});
