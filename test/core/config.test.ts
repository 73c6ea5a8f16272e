import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";

import { ConfigError, loadConfig, redactedConfig } from "../../offchain/src/config.ts";

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
