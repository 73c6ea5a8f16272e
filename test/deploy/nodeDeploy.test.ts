import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";
import { artifacts } from "hardhat";
import {
  createPublicClient,
  encodeDeployData,
  encodeFunctionData,
  getAddress,
  http,
  parseAbi,
  type Abi,
  type Address,
  type Hex,
  type PublicClient,
} from "viem";

import { g1ToEip2537, loadBlsBackend } from "../../offchain/src/protocol/bls/index.ts";
import { contractSalt, DETERMINISTIC_DEPLOYER, predictCreate2Address } from "../../scripts/lib/create2.ts";
import { accessManagerAbi, core4MicaAbi } from "../../scripts/lib/deployAbis.ts";
import { Roles } from "../../scripts/lib/deployStack.ts";
import { UNSAFE_WIRING_OVERRIDE } from "../../scripts/lib/networkPolicy.ts";
import type { DeploymentRecord } from "../../scripts/lib/verifyDeployment.ts";

/**
 * The deployer's path end to end, as a deployer runs it: `npx hardhat node` started over HTTP, then
 * scripts/deploy.ts, scripts/verify-deployment.ts and scripts/rotate-operator-key.ts each run as their own
 * `npx hardhat run --network localhost` child process against it (FOURMICA_LOCALHOST_URL points `localhost` at the
 * node's port). Nothing here calls the libraries directly: exit codes and printed lines are what is checked.
 */
const PORT = 19650;
const URL = `http://127.0.0.1:${PORT}`;
/** `npx hardhat node`'s accounts 0-3 (its fixed mnemonic): deployer, governance, guardian, outsider. */
const DEPLOYER_KEY: Hex = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const DEPLOYER: Address = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
const GOVERNANCE: Address = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const GUARDIAN: Address = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
const OUTSIDER: Address = "0x90F79bf6EB2c4f870365E785982E1f101E93b906";
const DELAY = 3_600;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `npx hardhat run <script> --network <net>` with only the given FOURMICA_* variables set. */
function hardhatRun(script: string, env: Record<string, string>, networkName = "localhost"): Promise<Run> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("FOURMICA_")));
  return new Promise((resolve, reject) => {
    const child = spawn("npx", ["hardhat", "run", "--no-compile", script, "--network", networkName], {
      env: { ...base, FOURMICA_LOCALHOST_URL: URL, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

async function rpc(method: string, params: unknown[] = []): Promise<unknown> {
  const response = await fetch(URL, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const body = (await response.json()) as { result?: unknown; error?: { message: string } };
  if (body.error !== undefined) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}

/** Sends a transaction from one of the node's unlocked accounts and waits for its receipt. */
async function sendFrom(client: PublicClient, from: Address, to: Address, data: Hex): Promise<void> {
  const hash = (await rpc("eth_sendTransaction", [{ from, to, data }])) as Hex;
  const receipt = await client.waitForTransactionReceipt({ hash });
  expect(receipt.status).to.equal("success");
}

async function startNode(): Promise<ChildProcess> {
  // Its own process group, so that the node under npx is stopped with it.
  const node = spawn("npx", ["hardhat", "node", "--port", String(PORT)], { detached: true, stdio: "ignore" });
  const until = Date.now() + 180_000;
  for (;;) {
    try {
      await rpc("eth_chainId");
      return node;
    } catch {
      if (Date.now() > until) throw new Error(`hardhat node did not answer on ${URL}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

describe("deploying to a hardhat node over HTTP (scripts/deploy.ts, verify-deployment.ts, rotate-operator-key.ts)", function () {
  this.timeout(900_000);
  let node: ChildProcess | undefined;
  let dir: string;
  let client: PublicClient;
  let record: DeploymentRecord;
  const recordFile = () => join(dir, "dev", "localhost.json");

  before(async function () {
    dir = mkdtempSync(join(tmpdir(), "4mica-deploy-"));
    node = await startNode();
    client = createPublicClient({ transport: http(URL) });
    const deploy = await hardhatRun("scripts/deploy.ts", { FOURMICA_DEPLOYMENTS_DIR: join(dir, "dev") });
    expect(deploy.code, deploy.stderr).to.equal(0);
    expect(deploy.stdout).to.contain('Deploying 4Mica to "localhost" (chain 31337)');
    record = JSON.parse(readFileSync(recordFile(), "utf8")) as DeploymentRecord;
  });

  after(function () {
    if (node?.pid !== undefined) process.kill(-node.pid, "SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  });

  it("writes a development record of the stack it deployed", async function () {
    expect(record.chainId).to.equal(31_337);
    expect(record.access.wiring).to.equal("development");
    expect(await client.getCode({ address: record.core4Mica })).to.not.equal(undefined);
    expect(record.timings).to.deep.equal({
      remunerationGrace: 14 * 86_400,
      guaranteeExpiry: 21 * 86_400,
      withdrawalDelay: 22 * 86_400,
      synchronizationDelay: 6 * 3_600,
    });
  });

  it("reads the deployment back: every check matches and the script exits 0", async function () {
    const run = await hardhatRun("scripts/verify-deployment.ts", { FOURMICA_DEPLOYMENTS_DIR: join(dir, "dev") });
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    expect(run.stdout).to.match(/All \d+ checks match\./);
    expect(run.stdout).to.not.contain("MISMATCH");
  });

  it("fails the read-back naming the value when the record is edited", async function () {
    const edited = join(dir, "edited.json");
    writeFileSync(
      edited,
      JSON.stringify({
        ...record,
        roles: { ...record.roles, guardian: OUTSIDER },
        cycleSchedule: { ...record.cycleSchedule, commitDelay: 1_800 },
      }),
    );
    const run = await hardhatRun("scripts/verify-deployment.ts", { FOURMICA_DEPLOYMENTS_FILE: edited });
    expect(run.code).to.equal(1);
    expect(run.stderr).to.contain("3 mismatches:");
    expect(run.stderr).to.contain("MISMATCH cycleSchedule.commitDelay: expected 1800, found 900");
    expect(run.stderr).to.contain(
      `MISMATCH GUARDIAN held by ${OUTSIDER} (execution delay): expected [true,0], found [false,0]`,
    );
    expect(run.stderr).to.contain(`MISMATCH GUARDIAN holders: expected only ${OUTSIDER}, found also ${DEPLOYER}`);
  });

  it("fails the read-back naming the timing when governance changes it on chain", async function () {
    const timings = record.timings;
    const set = (withdrawalDelay: number) =>
      encodeFunctionData({
        abi: [
          {
            type: "function",
            name: "setTimings",
            stateMutability: "nonpayable",
            inputs: [
              { name: "a", type: "uint64" },
              { name: "b", type: "uint64" },
              { name: "c", type: "uint64" },
              { name: "d", type: "uint64" },
            ],
            outputs: [],
          },
        ],
        functionName: "setTimings",
        args: [
          BigInt(timings.remunerationGrace),
          BigInt(timings.guaranteeExpiry),
          BigInt(withdrawalDelay),
          BigInt(timings.synchronizationDelay),
        ],
      });
    await sendFrom(client, record.roles.governance, record.core4Mica, set(23 * 86_400));
    try {
      const run = await hardhatRun("scripts/verify-deployment.ts", { FOURMICA_DEPLOYMENTS_DIR: join(dir, "dev") });
      expect(run.code).to.equal(1);
      expect(run.stderr).to.contain("1 mismatch:");
      expect(run.stderr).to.contain(
        `MISMATCH Core4Mica.withdrawalDelay() = timings.withdrawalDelay: expected ${22 * 86_400}, found ${23 * 86_400}`,
      );
    } finally {
      await sendFrom(client, record.roles.governance, record.core4Mica, set(timings.withdrawalDelay));
    }
  });

  it("fails the read-back naming the holder when a role is granted to someone else", async function () {
    const manager = record.contracts.AccessManager;
    const roleAdmin = parseAbi([
      "function grantRole(uint64 roleId, address account, uint32 executionDelay)",
      "function revokeRole(uint64 roleId, address account)",
    ]);
    await sendFrom(
      client,
      DEPLOYER,
      manager,
      encodeFunctionData({ abi: roleAdmin, functionName: "grantRole", args: [Roles.GOVERNANCE, OUTSIDER, 0] }),
    );
    try {
      const run = await hardhatRun("scripts/verify-deployment.ts", { FOURMICA_DEPLOYMENTS_DIR: join(dir, "dev") });
      expect(run.code).to.equal(1);
      expect(run.stderr).to.contain("1 mismatch:");
      expect(run.stderr).to.contain(
        `MISMATCH GOVERNANCE holders: expected only ${getAddress(record.roles.governance)}, found also ${OUTSIDER} with a 0 s delay`,
      );
    } finally {
      await sendFrom(
        client,
        DEPLOYER,
        manager,
        encodeFunctionData({ abi: roleAdmin, functionName: "revokeRole", args: [Roles.GOVERNANCE, OUTSIDER] }),
      );
    }
  });

  describe("a production network", function () {
    const bls = loadBlsBackend("auto");
    const productionKey: Hex = `0x${"33".repeat(31)}07`;

    function customEnv(extra: Record<string, string>): Promise<Record<string, string>> {
      return bls.then((b) => ({
        FOURMICA_RPC_URL: URL,
        FOURMICA_DEPLOYER_KEY: DEPLOYER_KEY,
        FOURMICA_DEPLOYMENTS_DIR: join(dir, "custom"),
        FOURMICA_BLS_PUBLIC_KEY: b.publicKey(productionKey),
        FOURMICA_TOKENS: record.tokens.map((t) => t.address).join(","),
        FOURMICA_VALIDATION_REGISTRIES: record.validationRegistries.join(","),
        ...extra,
      }));
    }

    it("refuses a zero governance delay and a guardian that is governance, naming both", async function () {
      const env = await customEnv({
        FOURMICA_GOVERNANCE_ADDRESS: GOVERNANCE,
        FOURMICA_GUARDIAN_ADDRESS: GOVERNANCE,
        FOURMICA_GOVERNANCE_DELAY: "0",
      });
      const before = await client.getBlockNumber();
      const run = await hardhatRun("scripts/deploy.ts", env, "custom");
      expect(run.code).to.equal(1);
      expect(run.stderr).to.contain('refusing a production deploy to "custom" (chain 31337)');
      expect(run.stderr).to.contain("FOURMICA_GOVERNANCE_DELAY: 0; it must be above 0 on a production network");
      expect(run.stderr).to.contain(
        `FOURMICA_GUARDIAN_ADDRESS: ${GOVERNANCE} is governance; the guardian must be a separate account`,
      );
      expect(await client.getBlockNumber()).to.equal(before);
    });

    it("lets the documented override through (here a dry run), with a warning", async function () {
      const env = await customEnv({
        FOURMICA_GOVERNANCE_ADDRESS: GOVERNANCE,
        FOURMICA_GUARDIAN_ADDRESS: GUARDIAN,
        FOURMICA_GOVERNANCE_DELAY: "0",
        FOURMICA_UNSAFE_WIRING: UNSAFE_WIRING_OVERRIDE,
        FOURMICA_DRY_RUN: "1",
      });
      const before = await client.getBlockNumber();
      const run = await hardhatRun("scripts/deploy.ts", env, "custom");
      expect(run.code, run.stderr).to.equal(0);
      expect(run.stderr).to.contain("WARNING: FOURMICA_UNSAFE_WIRING is set");
      expect(run.stdout).to.contain("wiring development");
      expect(run.stdout).to.contain("Dry run: every check passed; nothing was sent.");
      expect(await client.getBlockNumber()).to.equal(before);
    });

    describe("a production wiring with CREATE2 addresses, then a key rotation", function () {
      const SALT: Hex = `0x${"4d".repeat(32)}`;
      let prod: DeploymentRecord;
      const prodDir = () => join(dir, "prod");

      before(async function () {
        expect(await client.getCode({ address: DETERMINISTIC_DEPLOYER })).to.equal(undefined);
        const run = await hardhatRun("scripts/deploy.ts", {
          FOURMICA_DEPLOYMENTS_DIR: prodDir(),
          FOURMICA_WIRING: "production",
          FOURMICA_GOVERNANCE_ADDRESS: GOVERNANCE,
          FOURMICA_GUARDIAN_ADDRESS: GUARDIAN,
          FOURMICA_GOVERNANCE_DELAY: String(DELAY),
          FOURMICA_CREATE2_SALT: SALT,
        });
        expect(run.code, run.stderr).to.equal(0);
        prod = JSON.parse(readFileSync(join(prodDir(), "localhost.json"), "utf8")) as DeploymentRecord;
      });

      it("deploys the proxy by its presigned transaction and every contract at its predicted address", async function () {
        expect(await client.getCode({ address: DETERMINISTIC_DEPLOYER })).to.not.equal(undefined);
        const initCode = async (name: string, args: readonly unknown[]) => {
          const a = await artifacts.readArtifact(name);
          return encodeDeployData({ abi: a.abi as Abi, bytecode: a.bytecode as Hex, args });
        };
        const manager = predictCreate2Address(
          contractSalt(SALT, "AccessManager"),
          await initCode("AccessManager", [DEPLOYER]),
        );
        expect(prod.contracts.AccessManager).to.equal(manager);
        const vault = predictCreate2Address(
          contractSalt(SALT, "Core4Mica"),
          await initCode("Core4Mica", [manager, g1ToEip2537(prod.blsPublicKey), prod.tokens.map((t) => t.address)]),
        );
        expect(prod.core4Mica).to.equal(vault);
        expect(prod.create2?.contracts.Core4Mica?.address).to.equal(vault);
        expect(await client.getCode({ address: vault })).to.not.equal(undefined);
      });

      it("leaves governance the only ADMIN, behind the delay, and the read-back passes", async function () {
        const manager = prod.contracts.AccessManager;
        const hasRole = (role: bigint, who: Address) =>
          client.readContract({ address: manager, abi: accessManagerAbi, functionName: "hasRole", args: [role, who] });
        expect(await hasRole(Roles.ADMIN, DEPLOYER)).to.deep.equal([false, 0]);
        expect(await hasRole(Roles.ADMIN, GOVERNANCE)).to.deep.equal([true, DELAY]);
        expect(await hasRole(Roles.GUARDIAN, GUARDIAN)).to.deep.equal([true, 0]);
        const run = await hardhatRun("scripts/verify-deployment.ts", { FOURMICA_DEPLOYMENTS_DIR: prodDir() });
        expect(run.code, run.stdout + run.stderr).to.equal(0);
        expect(run.stdout).to.contain("production: the deployer holds no ADMIN");
        expect(run.stdout).to.contain("CREATE2 Core4Mica address recomputed");
      });

      it("schedules the rotation, executes it only after the delay, and updates the record", async function () {
        const b = await bls;
        const newSecret: Hex = `0x${"5a".repeat(31)}09`;
        const newKey = b.publicKey(newSecret);
        const versionKey = async (v: bigint) =>
          (
            await client.readContract({
              address: prod.core4Mica,
              abi: core4MicaAbi,
              functionName: "versionConfig",
              args: [v],
            })
          ).key;
        const env = { FOURMICA_DEPLOYMENTS_DIR: prodDir(), FOURMICA_NEW_BLS_PUBLIC_KEY: newKey };

        const first = await hardhatRun("scripts/rotate-operator-key.ts", env);
        expect(first.code, first.stderr).to.equal(0);
        expect(first.stdout).to.match(/version 1: scheduled \(operation 0x[0-9a-f]{64}\), executable from /);
        expect(first.stdout).to.match(/version 2: scheduled \(operation 0x[0-9a-f]{64}\), executable from /);
        expect(first.stdout).to.contain(`execution delay ${DELAY} s`);
        expect(await versionKey(1n)).to.deep.equal(g1ToEip2537(prod.blsPublicKey));

        await rpc("evm_increaseTime", [DELAY + 1]);
        await rpc("evm_mine");
        const second = await hardhatRun("scripts/rotate-operator-key.ts", env);
        expect(second.code, second.stderr).to.equal(0);
        expect(second.stdout).to.contain("version 1: executed; the vault now verifies it with the new key");
        expect(second.stdout).to.contain("version 2: executed; the vault now verifies it with the new key");
        expect(second.stdout).to.contain("Restart every Core replica now with FOURMICA_BLS_SECRET_KEY");
        expect(await versionKey(1n)).to.deep.equal(g1ToEip2537(newKey));
        expect(await versionKey(2n)).to.deep.equal(g1ToEip2537(newKey));

        const updated = JSON.parse(readFileSync(join(prodDir(), "localhost.json"), "utf8")) as DeploymentRecord;
        expect(updated.blsPublicKey).to.equal(newKey);
        expect(updated.keyRotations?.map((r) => r.blsPublicKey)).to.deep.equal([prod.blsPublicKey]);
        const verify = await hardhatRun("scripts/verify-deployment.ts", { FOURMICA_DEPLOYMENTS_DIR: prodDir() });
        expect(verify.code, verify.stdout + verify.stderr).to.equal(0);
      });
    });
  });
});
