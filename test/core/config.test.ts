import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";
import { network } from "hardhat";

import { loadBlsBackend } from "../../offchain/src/protocol/bls/index.ts";
import { deployStack } from "../../scripts/lib/deployStack.ts";
import { DEV_BLS_SECRET_KEY } from "../../scripts/lib/devKeys.ts";

import { ConfigError, loadConfig, redactedConfig } from "../../offchain/src/core/config.ts";

const BLS = "0x" + "2a".repeat(32);
const minimal = {
  FOURMICA_CHAIN_ID: "31337",
  FOURMICA_CORE4MICA_ADDRESS: "0xA15BB66138824a1c7167f5E85b957d04Dd34E468",
  FOURMICA_BLS_SECRET_KEY: BLS,
};
const NOW = 1_700_000_123n;

describe("loadConfig", function () {
  it("applies the defaults from a minimal environment", function () {
    const c = loadConfig(minimal, NOW);
    expect(c.databaseUrl).to.equal(undefined);
    expect(c.dataDir).to.equal(".data/core");
    expect(c.core4Mica).to.equal("0xa15bb66138824a1c7167f5e85b957d04dd34e468");
    expect(c.acceptedVersions).to.deep.equal([1]);
    expect(c.freshnessPastSeconds).to.equal(300n);
    expect(c.freshnessFutureSeconds).to.equal(60n);
    expect(c.schedule.cycleLength).to.equal(86_400n);
    expect(c.schedule.genesis).to.equal(NOW - (NOW % 86_400n));
    expect(c.httpPort).to.equal(8080);
  });

  it("sets the limits for unauthenticated callers, from the environment or the defaults", function () {
    expect(loadConfig(minimal, NOW).limits).to.deep.equal({
      rateLimitWindowMs: 60_000,
      rateLimitMax: 600,
      rateLimitIssueMax: 6_000,
      rateLimitAuthMax: 30,
      trustProxy: false,
      siweMaxNoncesPerClient: 5,
      siweClockSkewSeconds: 60,
      codeCacheMs: 60_000,
    });
    const c = loadConfig(
      {
        ...minimal,
        FOURMICA_RATE_LIMIT_WINDOW_MS: "1000",
        FOURMICA_RATE_LIMIT_MAX: "7",
        FOURMICA_RATE_LIMIT_ISSUE_MAX: "8",
        FOURMICA_RATE_LIMIT_AUTH_MAX: "9",
        FOURMICA_TRUST_PROXY: "true",
        FOURMICA_SIWE_MAX_NONCES_PER_CLIENT: "2",
        FOURMICA_SIWE_CLOCK_SKEW_SECONDS: "0",
        FOURMICA_CODE_CACHE_MS: "0",
      },
      NOW,
    );
    expect(c.limits).to.deep.equal({
      rateLimitWindowMs: 1_000,
      rateLimitMax: 7,
      rateLimitIssueMax: 8,
      rateLimitAuthMax: 9,
      trustProxy: true,
      siweMaxNoncesPerClient: 2,
      siweClockSkewSeconds: 0,
      codeCacheMs: 0,
    });
    try {
      loadConfig({ ...minimal, FOURMICA_RATE_LIMIT_MAX: "0", FOURMICA_TRUST_PROXY: "yes" }, NOW);
      expect.fail("should throw");
    } catch (e) {
      expect(e).to.be.instanceOf(ConfigError);
      const problems = (e as ConfigError).details!.problems as string[];
      expect(problems.some((p) => p.startsWith("FOURMICA_RATE_LIMIT_MAX"))).to.equal(true);
      expect(problems.some((p) => p.startsWith("FOURMICA_TRUST_PROXY"))).to.equal(true);
    }
  });

  it("lists every bad variable in one error", function () {
    try {
      loadConfig({
        FOURMICA_CHAIN_ID: "-1",
        FOURMICA_CORE4MICA_ADDRESS: "0xA15BB66138824A1c7167f5E85b957d04Dd34E468",
        FOURMICA_BLS_SECRET_KEY: "0x1234",
        FOURMICA_HTTP_PORT: "99999",
        FOURMICA_DATABASE_URL: "mysql://x",
        FOURMICA_ACCEPTED_VERSIONS: "1,3",
      });
      expect.fail("no error");
    } catch (e) {
      expect(e).to.be.instanceOf(ConfigError);
      const problems = (e as ConfigError).details!.problems as string[];
      for (const v of [
        "FOURMICA_CHAIN_ID",
        "FOURMICA_CORE4MICA_ADDRESS",
        "FOURMICA_BLS_SECRET_KEY",
        "FOURMICA_HTTP_PORT",
        "FOURMICA_DATABASE_URL",
        "FOURMICA_ACCEPTED_VERSIONS",
      ]) {
        expect(
          problems.some((p) => p.startsWith(v)),
          `${v} in ${problems.join("; ")}`,
        ).to.equal(true);
      }
      expect((e as Error).message).to.not.include("0x1234");
    }
  });

  it("requires the addresses and chain id, and trusted registries when V2 is accepted", function () {
    try {
      loadConfig({ FOURMICA_BLS_SECRET_KEY: BLS, FOURMICA_ACCEPTED_VERSIONS: "1,2" });
      expect.fail("no error");
    } catch (e) {
      const problems = ((e as ConfigError).details!.problems as string[]).join("\n");
      expect(problems).to.include("FOURMICA_CORE4MICA_ADDRESS");
      expect(problems).to.include("FOURMICA_CHAIN_ID");
      expect(problems).to.include("FOURMICA_TRUSTED_REGISTRIES");
    }
  });

  it("reads addresses, chain id and genesis from a deployments file", function () {
    const dir = mkdtempSync(join(tmpdir(), "4mica-"));
    const file = join(dir, "hardhat.json");
    writeFileSync(
      file,
      JSON.stringify({
        chainId: 31337,
        contracts: {
          Core4Mica: { address: "0x00000000000000000000000000000000000000c4" },
          ClearingHouse: "0x00000000000000000000000000000000000000c1",
        },
        cycleSchedule: { genesis: "1699920000", cycleLength: "3600" },
      }),
    );
    const c = loadConfig({ FOURMICA_BLS_SECRET_KEY: BLS, FOURMICA_DEPLOYMENTS_FILE: file }, NOW);
    expect(c.chainId).to.equal(31337n);
    expect(c.core4Mica).to.equal("0x00000000000000000000000000000000000000c4");
    expect(c.clearingHouse).to.equal("0x00000000000000000000000000000000000000c1");
    expect(c.schedule.genesis).to.equal(1_699_920_000n);
    expect(c.schedule.cycleLength).to.equal(3_600n);
  });

  it("takes the sync start block, tokens, trusted registries, operator and full schedule from a deployStack record", async function () {
    const { viem } = await network.create();
    const [, operator] = await viem.getWalletClients();
    const stack = await deployStack(viem, {
      blsPublicKey: (await loadBlsBackend("auto")).publicKey(DEV_BLS_SECRET_KEY),
      operator: operator!.account.address,
      schedule: { cycleLength: 600, resolutionCutoff: 60, commitDelay: 30, paymentWindow: 120, finalityWindow: 90 },
    });
    const dir = mkdtempSync(join(tmpdir(), "4mica-deploy-"));
    const file = join(dir, "localhost.json");
    // As scripts/deploy.ts writes it.
    writeFileSync(
      file,
      JSON.stringify({ network: "hardhat", deployedAt: new Date().toISOString(), ...stack }, null, 2),
    );

    const c = loadConfig(
      { FOURMICA_BLS_SECRET_KEY: BLS, FOURMICA_DEPLOYMENTS_FILE: file, FOURMICA_ACCEPTED_VERSIONS: "1,2" },
      NOW,
    );
    expect(c.chainId).to.equal(BigInt(stack.chainId));
    expect(c.core4Mica).to.equal(stack.core4Mica.toLowerCase());
    expect(c.clearingHouse).to.equal(stack.clearingHouse.toLowerCase());
    expect(c.sync!.startBlock).to.equal(BigInt(stack.startBlock));
    expect(stack.tokens).to.have.length(2);
    expect(c.tokens).to.deep.equal(stack.tokens.map((t) => ({ ...t, address: t.address.toLowerCase() })));
    expect(c.trustedRegistries).to.deep.equal(stack.validationRegistries.map((a) => a.toLowerCase()));
    expect(c.deploymentOperator).to.equal(operator!.account.address.toLowerCase());
    expect(c.schedule).to.deep.equal({
      genesis: BigInt(stack.cycleSchedule.genesis),
      cycleLength: 600n,
      resolutionCutoff: 60n,
      commitDelay: 30n,
      paymentWindow: 120n,
      finalityWindow: 90n,
    });

    // The environment still overrides each of them.
    const o = loadConfig(
      {
        FOURMICA_BLS_SECRET_KEY: BLS,
        FOURMICA_DEPLOYMENTS_FILE: file,
        FOURMICA_SYNC_START_BLOCK: "7",
        FOURMICA_TOKENS: '[{"symbol":"X","address":"0x00000000000000000000000000000000000000aa","decimals":2}]',
        FOURMICA_TRUSTED_REGISTRIES: "0x00000000000000000000000000000000000000bb",
        FOURMICA_COMMIT_DELAY: "45",
        FOURMICA_CYCLE_GENESIS: "1000",
        FOURMICA_CHAIN_ID: "5",
      },
      NOW,
    );
    expect(o.sync!.startBlock).to.equal(7n);
    expect(o.tokens.map((t) => t.symbol)).to.deep.equal(["X"]);
    expect(o.trustedRegistries).to.deep.equal(["0x00000000000000000000000000000000000000bb"]);
    expect(o.schedule).to.deep.include({ genesis: 1000n, cycleLength: 600n, commitDelay: 45n, paymentWindow: 120n });
    expect(o.chainId).to.equal(5n);
  });

  it("accepts DATABASE_URL as an alias of FOURMICA_DATABASE_URL (which wins), and reads the scheduler interval", function () {
    expect(loadConfig({ ...minimal, DATABASE_URL: "postgres://u:p@db:5432/core" }, NOW).databaseUrl).to.equal(
      "postgres://u:p@db:5432/core",
    );
    expect(
      loadConfig(
        {
          ...minimal,
          DATABASE_URL: "postgres://u:p@db:5432/other",
          FOURMICA_DATABASE_URL: "postgresql://u:p@db:5432/core",
        },
        NOW,
      ).databaseUrl,
    ).to.equal("postgresql://u:p@db:5432/core");
    expect(() => loadConfig({ ...minimal, DATABASE_URL: "mysql://x" }, NOW)).to.throw(ConfigError, /DATABASE_URL/);
    expect(loadConfig(minimal, NOW).schedulerIntervalMs).to.equal(15_000);
    expect(loadConfig({ ...minimal, FOURMICA_SCHEDULER_INTERVAL_MS: "250" }, NOW).schedulerIntervalMs).to.equal(250);
    expect(() => loadConfig({ ...minimal, FOURMICA_SCHEDULER_INTERVAL_MS: "0" }, NOW)).to.throw(ConfigError);
  });

  it("never shows secrets in the redacted form", function () {
    const c = loadConfig(
      {
        ...minimal,
        FOURMICA_OPERATOR_KEY: "0x" + "77".repeat(32),
        FOURMICA_DATABASE_URL: "postgres://core:s3cret@db:5432/core",
      },
      NOW,
    );
    const text = JSON.stringify(redactedConfig(c));
    expect(text).to.not.include("2a2a2a");
    expect(text).to.not.include("777777");
    expect(text).to.not.include("s3cret");
    expect(text).to.include("core:***@db");
  });
});
