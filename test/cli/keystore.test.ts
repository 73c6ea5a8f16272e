import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

import { expect } from "chai";

import { ExitCode } from "../../offchain/src/cli/exitCodes.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const KEY = `0x${"cd".repeat(32)}`;

/**
 * `--key-source keystore`: a key stored with `npx hardhat keystore set --dev` (Hardhat's own command, in a
 * temporary config directory) is what the CLI reads, from a process that is not a Hardhat task. The CI variables
 * are removed from the children's environment: the keystore plugin ignores every keystore under CI.
 */
describe("4mica --key-source keystore (Hardhat's keystore from a non-Hardhat process)", function () {
  this.timeout(240_000);
  let configHome: string;
  const env = () => ({ PATH: process.env.PATH!, HOME: process.env.HOME ?? configHome, XDG_CONFIG_HOME: configHome });

  before(function () {
    configHome = mkdtempSync(join(tmpdir(), "4mica-keystore-"));
    const set = spawnSync(
      "npx",
      [
        "hardhat",
        "--config",
        "test/cli/fixtures/keystore/hardhat.config.ts",
        "keystore",
        "set",
        "--dev",
        "FOURMICA_PRIVATE_KEY",
      ],
      { cwd: ROOT, input: `${KEY}\n`, encoding: "utf8", env: env(), timeout: 180_000 },
    );
    expect(set.status, set.stderr + set.stdout).to.equal(0);
  });
  after(function () {
    if (configHome) rmSync(configHome, { recursive: true, force: true });
  });

  const node = (args: string[], extra: Record<string, string> = {}) =>
    spawnSync(process.execPath, args, { cwd: ROOT, encoding: "utf8", env: { ...env(), ...extra }, timeout: 120_000 });

  it("reads the stored value through the keystore plugin's configuration-variable hook", function () {
    const r = node([
      "--input-type=module",
      "-e",
      "const m = await import('./offchain/src/cli/keys.ts'); console.log(await m.readSigningKey({ keySource: 'keystore', keystoreKey: 'FOURMICA_PRIVATE_KEY' }));",
    ]);
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout.trim()).to.equal(KEY);
  });

  it("the CLI takes the key from the keystore (then finds the RPC down: 4), and a missing name is a usage error (2)", function () {
    const base = {
      FOURMICA_RPC_URL: "http://127.0.0.1:19296",
      FOURMICA_DEPLOYMENTS_FILE: resolve(ROOT, "test/cli/fixtures/deployment.json"),
    };
    const cli = resolve(ROOT, "offchain/src/cli/main.ts");
    const found = node([cli, "--json", "--key-source", "keystore", "payer", "status", "--no-core"], base);
    expect(found.status, found.stderr).to.equal(ExitCode.UNREACHABLE);
    const missing = node([cli, "--json", "--key-source", "keystore", "payer", "status", "--no-core"], {
      ...base,
      FOURMICA_KEYSTORE_KEY: "NOT_STORED",
    });
    expect(missing.status, missing.stderr).to.equal(ExitCode.USAGE);
    expect(JSON.parse(missing.stdout).error.code).to.equal("KEY_NOT_IN_KEYSTORE");
    // Without the keystore the same command has no key at all.
    const none = node([cli, "--json", "payer", "status", "--no-core"], base);
    expect(JSON.parse(none.stdout).error.code).to.equal("MISSING_KEY");
  });
});
