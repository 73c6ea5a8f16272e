import { expect } from "chai";
import { artifacts, network } from "hardhat";
import { encodeFunctionData, getAddress, toFunctionSelector, type Abi, type Hex } from "viem";

import { g1ToEip2537, loadBlsBackend } from "../../offchain/src/protocol/bls/index.ts";
import { DETERMINISTIC_DEPLOYER } from "../../scripts/lib/create2.ts";
import { deployStack, Roles } from "../../scripts/lib/deployStack.ts";
import { DEV_BLS_SECRET_KEY } from "../../scripts/lib/devKeys.ts";
import { rotateOperatorKey, RotationError } from "../../scripts/lib/rotateOperatorKey.ts";
import {
  mismatches,
  verifyDeployment,
  type CompiledContract,
  type DeploymentRecord,
} from "../../scripts/lib/verifyDeployment.ts";

const DELAY = 86_400;
const NEW_SECRET: Hex = `0x${"6b".repeat(31)}03`;

async function compiledContracts(): Promise<Record<string, CompiledContract>> {
  const out: Record<string, CompiledContract> = {};
  for (const name of ["AccessManager", "Core4Mica", "ValidationRegistryGuaranteeDecoder", "ClearingHouse"]) {
    const a = await artifacts.readArtifact(name);
    out[name] = {
      abi: a.abi as Abi,
      bytecode: a.bytecode as Hex,
      deployedBytecode: a.deployedBytecode as Hex,
      immutableReferences: (a as { immutableReferences?: CompiledContract["immutableReferences"] }).immutableReferences,
    };
  }
  return out;
}

async function productionFixture(options: { create2?: boolean } = {}) {
  const connection = await network.create();
  const { viem } = connection;
  const [deployer, operator, governance, guardian, outsider] = await viem.getWalletClients();
  const bls = await loadBlsBackend("auto");
  const stack = await deployStack(viem, {
    blsPublicKey: bls.publicKey(DEV_BLS_SECRET_KEY),
    operator: operator!.account.address,
    governance: governance!.account.address,
    guardian: guardian!.account.address,
    governanceDelay: DELAY,
    production: true,
    ...(options.create2 === true ? { create2: { salt: `0x${"c2".repeat(32)}` as Hex } } : {}),
  });
  const record: DeploymentRecord = stack;
  const publicClient = await viem.getPublicClient();
  const manager = await viem.getContractAt("AccessManager", stack.contracts.AccessManager);
  const vault = await viem.getContractAt("Core4Mica", stack.core4Mica);
  return {
    connection,
    viem,
    publicClient,
    stack,
    record,
    manager,
    vault,
    bls,
    deployer: deployer!,
    governance: governance!,
    outsider: outsider!,
  };
}

describe("rotateOperatorKey", function () {
  it("plans without a wallet: the schedule and execute calls a multisig submits, nothing sent", async function () {
    const { publicClient, stack, governance, bls } = await productionFixture();
    const before = await publicClient.getBlockNumber();
    const result = await rotateOperatorKey({
      publicClient,
      governance: governance.account.address,
      accessManager: stack.contracts.AccessManager,
      core4Mica: stack.core4Mica,
      newBlsPublicKey: bls.publicKey(NEW_SECRET),
    });
    expect(await publicClient.getBlockNumber()).to.equal(before);
    expect(result.executionDelay).to.equal(DELAY);
    expect(result.done).to.equal(false);
    expect(result.versions.map((v) => [v.version, v.state, v.readyAt, v.sent.length])).to.deep.equal([
      [1n, "not-scheduled", 0, 0],
      [2n, "not-scheduled", 0, 0],
    ]);
    const v1 = result.versions[0]!;
    expect(v1.schedule.to).to.equal(getAddress(stack.contracts.AccessManager));
    expect(v1.schedule.data.slice(0, 10)).to.equal(toFunctionSelector("schedule(address,bytes,uint48)"));
    expect(v1.execute.data.slice(0, 10)).to.equal(toFunctionSelector("execute(address,bytes)"));
    expect(result.next).to.contain("Submit each version's `schedule` call from the governance account");
  });

  it("schedules, refuses to execute early, executes after the delay, then reports done", async function () {
    const { connection, publicClient, stack, vault, governance, bls } = await productionFixture();
    const newKey = bls.publicKey(NEW_SECRET);
    const params = {
      publicClient,
      walletClient: governance,
      accessManager: stack.contracts.AccessManager,
      core4Mica: stack.core4Mica,
      newBlsPublicKey: newKey,
    };
    const scheduled = await rotateOperatorKey(params);
    expect(scheduled.versions.map((v) => [v.state, v.sent.map((s) => s.action)])).to.deep.equal([
      ["scheduled", ["schedule"]],
      ["scheduled", ["schedule"]],
    ]);
    expect(scheduled.versions[0]!.readyAt - scheduled.now).to.be.within(DELAY - 2, DELAY);

    const early = await rotateOperatorKey({ ...params, action: "execute" });
    expect(early.versions.map((v) => [v.state, v.sent.length])).to.deep.equal([
      ["scheduled", 0],
      ["scheduled", 0],
    ]);
    expect((await vault.read.versionConfig([1n])).key).to.deep.equal(g1ToEip2537(stack.blsPublicKey));

    await connection.networkHelpers.time.increase(DELAY);
    const executed = await rotateOperatorKey(params);
    expect(executed.versions.map((v) => [v.state, v.sent.map((s) => s.action)])).to.deep.equal([
      ["done", ["execute"]],
      ["done", ["execute"]],
    ]);
    expect(executed.done).to.equal(true);
    expect(executed.next).to.contain("FOURMICA_BLS_SECRET_KEY");
    expect((await vault.read.versionConfig([2n])).key).to.deep.equal(g1ToEip2537(newKey));
    const again = await rotateOperatorKey(params);
    expect(again.versions.map((v) => [v.state, v.sent.length])).to.deep.equal([
      ["done", 0],
      ["done", 0],
    ]);
  });

  it("sends configureVersion directly when governance has no delay (development wiring)", async function () {
    const { viem } = await network.create();
    const [deployer, operator] = await viem.getWalletClients();
    const bls = await loadBlsBackend("auto");
    const stack = await deployStack(viem, {
      blsPublicKey: bls.publicKey(DEV_BLS_SECRET_KEY),
      operator: operator!.account.address,
    });
    const result = await rotateOperatorKey({
      publicClient: await viem.getPublicClient(),
      walletClient: deployer!,
      accessManager: stack.contracts.AccessManager,
      core4Mica: stack.core4Mica,
      newBlsPublicKey: bls.publicKey(NEW_SECRET),
      versions: [1n],
    });
    expect(result.versions.map((v) => [v.state, v.sent.map((s) => s.action)])).to.deep.equal([["done", ["direct"]]]);
  });

  it("refuses an invalid key (ROTATION_INVALID_KEY) and an account that may not configure (ROTATION_NOT_AUTHORIZED)", async function () {
    const { publicClient, stack, outsider, bls } = await productionFixture();
    const base = { publicClient, accessManager: stack.contracts.AccessManager, core4Mica: stack.core4Mica };
    let error: unknown;
    try {
      await rotateOperatorKey({ ...base, walletClient: outsider, newBlsPublicKey: `0x${"00".repeat(48)}` });
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(RotationError);
    expect((error as RotationError).code).to.equal("ROTATION_INVALID_KEY");
    error = undefined;
    try {
      await rotateOperatorKey({ ...base, walletClient: outsider, newBlsPublicKey: bls.publicKey(NEW_SECRET) });
    } catch (e) {
      error = e;
    }
    expect((error as RotationError).code).to.equal("ROTATION_NOT_AUTHORIZED");
    expect((error as Error).message).to.equal(
      `${getAddress(outsider.account.address)} may not call Core4Mica.configureVersion`,
    );
  });
});

describe("verifyDeployment", function () {
  it("passes on a fresh production deploy with CREATE2 addresses, including the recomputed ones", async function () {
    const { publicClient, record, stack } = await productionFixture({ create2: true });
    expect(stack.create2?.factory).to.equal(DETERMINISTIC_DEPLOYER);
    const checks = await verifyDeployment(publicClient, record, { artifacts: await compiledContracts() });
    expect(mismatches(checks)).to.deep.equal([]);
    expect(checks.filter((c) => c.check.endsWith("address recomputed")).length).to.equal(4);
  });

  it("names a restricted function opened to everyone (PUBLIC_ROLE) after the delay", async function () {
    const { connection, publicClient, record, manager, vault, governance } = await productionFixture();
    const PUBLIC = 2n ** 64n - 1n;
    const selector = toFunctionSelector("setTimings(uint64,uint64,uint64,uint64)");
    const data = encodeFunctionData({
      abi: manager.abi,
      functionName: "setTargetFunctionRole",
      args: [vault.address, [selector], PUBLIC],
    });
    await manager.write.schedule([manager.address, data, 0], { account: governance.account });
    await connection.networkHelpers.time.increase(DELAY);
    await manager.write.execute([manager.address, data], { account: governance.account });
    const checks = await verifyDeployment(publicClient, record, { artifacts: await compiledContracts() });
    expect(mismatches(checks)).to.deep.equal([
      `Core4Mica.setTimings role: expected GOVERNANCE, found role ${PUBLIC}`,
      `function role ${vault.address.toLowerCase()}:${selector}: expected GOVERNANCE, found role ${PUBLIC}`,
    ]);
  });

  it("names an undelayed ADMIN on a production record", async function () {
    const { connection, publicClient, record, manager, governance, outsider } = await productionFixture();
    const data = encodeFunctionData({
      abi: manager.abi,
      functionName: "grantRole",
      args: [Roles.ADMIN, outsider.account.address, 0],
    });
    await manager.write.schedule([manager.address, data, 0], { account: governance.account });
    await connection.networkHelpers.time.increase(DELAY);
    await manager.write.execute([manager.address, data], { account: governance.account });
    // The grant delay (a day) has to pass too before the new member holds the role.
    await connection.networkHelpers.time.increase(DELAY);
    const bad = mismatches(await verifyDeployment(publicClient, record));
    const who = getAddress(outsider.account.address);
    expect(bad).to.deep.equal([
      `ADMIN holders: expected only ${record.access.admin}, found also ${who} with a 0 s delay`,
      `production: ADMIN ${who} cannot skip the delay: expected execution delay > 0, found 0 s`,
    ]);
  });
});
