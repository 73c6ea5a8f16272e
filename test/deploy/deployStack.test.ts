import { expect } from "chai";
import { network } from "hardhat";
import { encodeFunctionData, getAddress, toFunctionSelector, zeroAddress } from "viem";

import { loadBlsBackend } from "../../offchain/src/protocol/bls/index.ts";
import { g1ToEip2537 } from "../../offchain/src/protocol/bls/index.ts";
import { guaranteeDomain } from "../../offchain/src/protocol/guaranteeDomain.ts";
import { DEFAULT_SCHEDULE, deployStack, Roles } from "../../scripts/lib/deployStack.ts";
import { DEV_BLS_SECRET_KEY } from "../../scripts/lib/devKeys.ts";

async function deployFixture() {
  const connection = await network.create();
  const { viem } = connection;
  const [deployer, operator, outsider] = await viem.getWalletClients();
  const bls = await loadBlsBackend("auto");
  const stack = await deployStack(viem, {
    blsPublicKey: bls.publicKey(DEV_BLS_SECRET_KEY),
    operator: operator!.account.address,
  });
  const manager = await viem.getContractAt("AccessManager", stack.contracts.AccessManager);
  const vault = await viem.getContractAt("Core4Mica", stack.core4Mica);
  const clearingHouse = await viem.getContractAt("ClearingHouse", stack.clearingHouse);
  return {
    connection,
    viem,
    stack,
    manager,
    vault,
    clearingHouse,
    deployer: deployer!,
    operator: operator!,
    outsider: outsider!,
    bls,
  };
}

describe("deployStack", function () {
  it("configures version 1 with the operator key and version 2 with the ERC-8004 decoder", async function () {
    const { stack, vault, bls } = await deployFixture();
    const key = g1ToEip2537(bls.publicKey(DEV_BLS_SECRET_KEY));
    const v1 = await vault.read.versionConfig([1n]);
    const v2 = await vault.read.versionConfig([2n]);
    expect(v1.enabled).to.equal(true);
    expect(v1.decoder).to.equal(zeroAddress);
    expect(v1.key).to.deep.equal(key);
    expect(v1.domain).to.equal(guaranteeDomain(1n, BigInt(stack.chainId), stack.core4Mica));
    expect(v2.enabled).to.equal(true);
    expect(v2.decoder.toLowerCase()).to.equal(stack.contracts.ValidationRegistryGuaranteeDecoder.toLowerCase());
    expect(v2.domain).to.equal(guaranteeDomain(2n, BigInt(stack.chainId), stack.core4Mica));
  });

  it("hooks the ClearingHouse into the vault and the vault into the ClearingHouse", async function () {
    const { stack, vault, clearingHouse } = await deployFixture();
    expect((await vault.read.clearingHouse()).toLowerCase()).to.equal(stack.clearingHouse.toLowerCase());
    expect((await clearingHouse.read.vault()).toLowerCase()).to.equal(stack.core4Mica.toLowerCase());
  });

  it("starts the cycle schedule at a cycle boundary with the seeds' defaults", async function () {
    const { stack } = await deployFixture();
    expect(stack.cycleSchedule.genesis % DEFAULT_SCHEDULE.cycleLength).to.equal(0);
    expect(stack.cycleSchedule.cycleLength).to.equal(86_400);
    expect(stack.tokens.map((t) => t.decimals)).to.deep.equal([6, 18]);
    expect(BigInt(stack.startBlock) < BigInt(stack.blockNumber)).to.equal(true);
  });

  it("lets only the operator commit, only the guardian pause and only governance configure", async function () {
    const { manager, stack, operator, deployer, outsider } = await deployFixture();
    const commit = toFunctionSelector(
      "commitCycle(uint256,address,bytes32,uint256,uint256,uint32,uint32,bytes32,(uint64,bytes,bytes)[])",
    );
    const canCall = async (who: `0x${string}`, target: `0x${string}`, selector: `0x${string}`) =>
      (await manager.read.canCall([who, target, selector]))[0];
    expect(await manager.read.getTargetFunctionRole([stack.clearingHouse, commit])).to.equal(Roles.OPERATOR);
    expect(await canCall(operator.account.address, stack.clearingHouse, commit)).to.equal(true);
    expect(await canCall(outsider.account.address, stack.clearingHouse, commit)).to.equal(false);
    const pause = toFunctionSelector("pause()");
    expect(await manager.read.getTargetFunctionRole([stack.core4Mica, pause])).to.equal(Roles.GUARDIAN);
    expect(await canCall(deployer.account.address, stack.core4Mica, pause)).to.equal(true);
    expect(await canCall(outsider.account.address, stack.core4Mica, pause)).to.equal(false);
    const setCh = toFunctionSelector("setClearingHouse(address)");
    expect(await manager.read.getTargetFunctionRole([stack.core4Mica, setCh])).to.equal(Roles.GOVERNANCE);
    expect(await canCall(operator.account.address, stack.core4Mica, setCh)).to.equal(false);
  });

  describe("production wiring: no account can skip the governance delay (issue 7, attack 6)", function () {
    const DELAY = 3 * 86_400;

    async function productionFixture() {
      const connection = await network.create();
      const { viem } = connection;
      const [deployer, operator, governance, attacker] = await viem.getWalletClients();
      const bls = await loadBlsBackend("auto");
      const stack = await deployStack(viem, {
        blsPublicKey: bls.publicKey(DEV_BLS_SECRET_KEY),
        operator: operator!.account.address,
        governance: governance!.account.address,
        governanceDelay: DELAY,
        production: true,
      });
      const manager = await viem.getContractAt("AccessManager", stack.contracts.AccessManager);
      const vault = await viem.getContractAt("Core4Mica", stack.core4Mica);
      return {
        viem,
        networkHelpers: connection.networkHelpers,
        stack,
        manager,
        vault,
        deployer: deployer!,
        governance: governance!,
        attacker: attacker!,
      };
    }

    it("ends with ADMIN held by governance only, behind the delay, and grant delays on every role", async function () {
      const { manager, stack, deployer, governance } = await productionFixture();
      expect(await manager.read.hasRole([Roles.ADMIN, deployer.account.address])).to.deep.equal([false, 0]);
      expect(await manager.read.hasRole([Roles.ADMIN, governance.account.address])).to.deep.equal([true, DELAY]);
      expect(await manager.read.hasRole([Roles.GOVERNANCE, governance.account.address])).to.deep.equal([true, DELAY]);
      expect(stack.access).to.deep.equal({
        wiring: "production",
        admin: getAddress(governance.account.address),
        adminExecutionDelay: DELAY,
        grantDelay: DELAY,
        deployerRenouncedAdmin: true,
      });
    });

    it("refuses the deployer's grant of GOVERNANCE to itself (AccessManagerUnauthorizedAccount)", async function () {
      const { viem, manager, deployer } = await productionFixture();
      await viem.assertions.revertWithCustomErrorWithArgs(
        manager.write.grantRole([Roles.GOVERNANCE, deployer.account.address, 0], { account: deployer.account }),
        manager,
        "AccessManagerUnauthorizedAccount",
        [deployer.account.address, Roles.ADMIN],
      );
    });

    it("refuses an immediate grant by ADMIN (AccessManagerNotScheduled)", async function () {
      const { viem, manager, governance, attacker } = await productionFixture();
      const data = encodeFunctionData({
        abi: manager.abi,
        functionName: "grantRole",
        args: [Roles.GOVERNANCE, attacker.account.address, 0],
      });
      const id = await manager.read.hashOperation([governance.account.address, manager.address, data]);
      await viem.assertions.revertWithCustomErrorWithArgs(
        manager.write.grantRole([Roles.GOVERNANCE, attacker.account.address, 0], { account: governance.account }),
        manager,
        "AccessManagerNotScheduled",
        [id],
      );
    });

    it("refuses an immediate setTimings by governance itself (AccessManagerNotScheduled)", async function () {
      const { viem, manager, vault, governance } = await productionFixture();
      const args = [14n * 86_400n, 21n * 86_400n, 22n * 86_400n, 6n * 3_600n] as const;
      const data = encodeFunctionData({ abi: vault.abi, functionName: "setTimings", args });
      const id = await manager.read.hashOperation([governance.account.address, vault.address, data]);
      await viem.assertions.revertWithCustomErrorWithArgs(
        vault.write.setTimings(args, { account: governance.account }),
        manager,
        "AccessManagerNotScheduled",
        [id],
      );
    });

    it("lets governance act once the delay has passed, and not before (AccessManagerNotReady)", async function () {
      const { viem, networkHelpers, manager, vault, stack, governance } = await productionFixture();
      const token = stack.tokens[0]!.address;
      const data = encodeFunctionData({ abi: vault.abi, functionName: "setAssetAllowed", args: [token, false] });
      await manager.write.schedule([vault.address, data, 0], { account: governance.account });
      const id = await manager.read.hashOperation([governance.account.address, vault.address, data]);
      await viem.assertions.revertWithCustomErrorWithArgs(
        manager.write.execute([vault.address, data], { account: governance.account }),
        manager,
        "AccessManagerNotReady",
        [id],
      );
      await networkHelpers.time.increase(DELAY);
      await manager.write.execute([vault.address, data], { account: governance.account });
      expect(await vault.read.isAssetAllowed([token])).to.equal(false);
    });

    it("refuses a production wiring without a distinct governance account, without a delay, or with guardian = governance", async function () {
      const { viem } = await network.create();
      const [deployer, operator, governance] = await viem.getWalletClients();
      const bls = await loadBlsBackend("auto");
      const base = { blsPublicKey: bls.publicKey(DEV_BLS_SECRET_KEY), operator: operator!.account.address };
      let error: unknown;
      try {
        await deployStack(viem, {
          ...base,
          production: true,
          governance: deployer!.account.address,
          governanceDelay: 1,
        });
      } catch (e) {
        error = e;
      }
      expect(String(error)).to.contain("governance account other than the deployer");
      error = undefined;
      try {
        await deployStack(viem, { ...base, production: true, governance: governance!.account.address });
      } catch (e) {
        error = e;
      }
      expect(String(error)).to.contain("governance delay above 0");
      error = undefined;
      try {
        await deployStack(viem, {
          ...base,
          production: true,
          governance: governance!.account.address,
          guardian: governance!.account.address,
          governanceDelay: 1,
        });
      } catch (e) {
        error = e;
      }
      expect(String(error)).to.contain("a guardian other than the governance account");
    });
  });

  it("records a development wiring: the deployer keeps ADMIN without delay", async function () {
    const { stack, manager, deployer } = await deployFixture();
    expect(stack.access.wiring).to.equal("development");
    expect(await manager.read.hasRole([Roles.ADMIN, deployer.account.address])).to.deep.equal([true, 0]);
  });
});
