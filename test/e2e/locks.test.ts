import { expect } from "chai";
import { network } from "hardhat";
import {
  createWalletClient,
  custom,
  keccak256,
  toHex,
  zeroAddress,
  type Address,
  type Hex,
  type PublicClient,
} from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";

import { loadBlsBackend } from "../../offchain/src/protocol/bls/index.ts";
import { buildValidationPolicy } from "../../offchain/src/protocol/buildValidationPolicy.ts";
import { deadlinesOf } from "../../offchain/src/protocol/cycles/cycleSchedule.ts";
import type {
  GuaranteeRequest,
  GuaranteeRequestV1,
  GuaranteeRequestV2,
} from "../../offchain/src/protocol/guaranteeTypes.ts";
import { signGuaranteeRequest } from "../../offchain/src/protocol/signGuaranteeRequest.ts";
import { actionTypedData } from "../../offchain/src/core/lifecycle/lifecycleMessages.ts";
import { createCore, type Core } from "../../offchain/src/core/createCore.ts";
import type { Database } from "../../offchain/src/core/adapters/db/database.ts";
import { deployStack } from "../../scripts/lib/deployStack.ts";
import { DEV_BLS_SECRET_KEY } from "../../scripts/lib/devKeys.ts";
import { stackCoreConfig } from "../utils/stackCoreConfig.ts";
import { silentLogger, wire } from "../core/fixtures.ts";
import { OPERATOR_KEY, openMigrated, SCHEDULER_BACKENDS } from "../core/schedulerFixtures.ts";
import { lockInvariantViolations, readLedgers, type IssuedCertificate } from "../utils/lockInvariant.ts";

const ETH = 10n ** 18n;
const DAY = 86_400n;

/**
 * Issue 8, end to end on the in-process Hardhat chain with the production deploy (vault, ClearingHouse, V2 decoder,
 * ERC-8004 registries) and Core driven in-process (HTTP issuance and actions, chain sync, V2 promotion, expiry job,
 * cycle scheduler). After every step, for every payer: collateral on-chain >= what its outstanding certificates can
 * still take, and Core's free collateral <= what is really free (test/utils/lockInvariant.ts).
 */
async function locksFixture(db: Database) {
  const connection = await network.create();
  const { viem, networkHelpers, provider } = connection;
  const publicClient = (await viem.getPublicClient()) as unknown as PublicClient;
  const [deployer, recipient, validator, outsider] = await viem.getWalletClients();
  const operator = privateKeyToAccount(OPERATOR_KEY);
  const bls = await loadBlsBackend("auto");
  const startBlock = await publicClient.getBlockNumber();
  const stack = await deployStack(viem, {
    blsPublicKey: bls.publicKey(DEV_BLS_SECRET_KEY),
    operator: operator.address,
  });
  const chainId = BigInt(stack.chainId);
  const vault = await viem.getContractAt("Core4Mica", stack.core4Mica);
  const clearingHouse = await viem.getContractAt("ClearingHouse", stack.clearingHouse);
  const identity = await viem.getContractAt("ERC8004IdentityRegistry", stack.contracts.ERC8004IdentityRegistry!);
  const registry = await viem.getContractAt("ERC8004ValidationRegistry", stack.validationRegistries[0]!);
  const { result: agentId } = await identity.simulate.register({ account: recipient!.account.address });
  await identity.write.register({ account: recipient!.account });
  let clock = (await publicClient.getBlock()).timestamp;
  const core: Core = await createCore(stackCoreConfig(stack, startBlock), {
    db,
    logger: silentLogger,
    now: () => clock,
    chainClient: publicClient,
    walletClient: createWalletClient({ account: operator, chain: hardhat, transport: custom(provider) }),
  });
  const jobs = core.startBackground({ scheduler: false });

  const certificates: IssuedCertificate[] = [];
  const chainView = { client: publicClient, vault: vault.address, clearingHouse: clearingHouse.address, db };

  /** Chain time now (and Core's clock with it). */
  async function now(): Promise<bigint> {
    clock = (await publicClient.getBlock()).timestamp;
    return clock;
  }
  async function at(t: bigint): Promise<bigint> {
    await networkHelpers.time.increaseTo(t);
    return now();
  }
  /** One background pass (sync, promotion, expiry), then the invariant. */
  async function settle(step: string): Promise<void> {
    await now();
    await jobs.runOnce();
    const violations = lockInvariantViolations(await readLedgers(chainView, certificates));
    expect(violations, `after ${step}`).to.deep.equal([]);
  }
  async function tick(): Promise<string[]> {
    const report = await core.scheduler!.tick(await now());
    return report.actions.map((a) => `${a.kind} ${a.cycleId}`);
  }
  async function deposit(payer: Address, amount: bigint): Promise<void> {
    await publicClient.waitForTransactionReceipt({
      hash: await vault.write.depositFor([payer, zeroAddress, amount], { value: amount }),
    });
  }
  async function post(request: GuaranteeRequest, payerKey: ReturnType<typeof privateKeyToAccount>) {
    const signature = await signGuaranteeRequest(payerKey, request, { chainId, verifyingContract: vault.address });
    const res = await core.app.inject({ method: "POST", url: "/core/guarantees", payload: wire(request, signature) });
    return { res, signature };
  }
  async function issue(request: GuaranteeRequest, payerKey: ReturnType<typeof privateKeyToAccount>) {
    const { res, signature } = await post(request, payerKey);
    expect(res.statusCode, res.body).to.equal(201);
    const body = res.json() as { guaranteeId: Hex; cycleId: string; claims: Hex; signatureEip2537: never };
    certificates.push({
      guaranteeId: body.guaranteeId,
      version: request.version,
      user: request.user,
      asset: request.asset,
      amount: request.amount,
      timestamp: request.timestamp,
      cycleId: BigInt(body.cycleId),
    });
    return { ...body, payerSignature: signature, cycleId: BigInt(body.cycleId) };
  }
  async function cancel(guaranteeId: Hex) {
    const signature = await recipient!.signTypedData(
      actionTypedData("cancel", guaranteeId, { chainId, core4Mica: vault.address }) as never,
    );
    return core.app.inject({
      method: "POST",
      url: `/core/guarantees/${guaranteeId}/cancel`,
      payload: { signature, scheme: "eip712" },
    });
  }
  async function row(guaranteeId: Hex) {
    const { rows } = await db.query<{ status: string; lock_held: boolean }>(
      "SELECT status, lock_held FROM guarantees WHERE guarantee_id = $1",
      [guaranteeId],
    );
    return { status: rows[0]!.status, lockHeld: rows[0]!.lock_held };
  }
  async function balance(payer: Address) {
    const { rows } = await db.query<{ deposited: string; locked: string }>(
      "SELECT deposited::text, locked::text FROM balances WHERE user_address = $1 AND asset = $2",
      [payer.toLowerCase(), zeroAddress],
    );
    return { deposited: BigInt(rows[0]!.deposited), locked: BigInt(rows[0]!.locked) };
  }
  function v1(payer: Address, reqId: bigint, amount: bigint, timestamp: bigint): GuaranteeRequestV1 {
    return {
      version: 1,
      user: payer,
      recipient: recipient!.account.address,
      reqId,
      amount,
      asset: zeroAddress,
      timestamp,
    };
  }
  function v2(payer: Address, reqId: bigint, amount: bigint, timestamp: bigint): GuaranteeRequestV2 {
    const base = { user: payer, recipient: recipient!.account.address, reqId, amount, asset: zeroAddress, timestamp };
    const policy = buildValidationPolicy(base, {
      validationRegistry: registry.address,
      validationChainId: chainId,
      validatorAddress: validator!.account.address,
      validatorAgentId: agentId,
      minValidationScore: 80,
      jobHash: keccak256(toHex(`job ${reqId}`)),
      requiredValidationTag: "quality",
    });
    return { ...base, version: 2, policy };
  }
  async function validate(request: GuaranteeRequestV2, score: number) {
    const hash = request.policy.validationRequestHash;
    await registry.write.validationRequest([validator!.account.address, agentId, "ipfs://job", hash], {
      account: recipient!.account,
    });
    await registry.write.validationResponse([hash, score, "ipfs://verdict", `0x${"00".repeat(32)}`, "quality"], {
      account: validator!.account,
    });
  }
  const schedule = () => core.scheduler!.schedule();

  return {
    viem,
    vault,
    clearingHouse,
    core,
    outsider: outsider!,
    deployer: deployer!,
    now,
    at,
    settle,
    tick,
    deposit,
    post,
    issue,
    cancel,
    row,
    balance,
    v1,
    v2,
    validate,
    schedule,
    async close() {
      await core.close();
    },
  };
}

for (const backend of SCHEDULER_BACKENDS) {
  describe(`Collateral locks against the real contracts (issue 8), ${backend.name}`, function () {
    let db: Database;
    let f: Awaited<ReturnType<typeof locksFixture>>;

    beforeEach(async function () {
      db = await openMigrated(backend.open);
      f = await locksFixture(db);
    });
    afterEach(async function () {
      await f.close();
      await db.close();
    });

    it("a cancelled V2 keeps its 60 ETH locked: a 90 ETH V1 is refused, and the on-chain redemption 14 days later leaves Core's books consistent", async function () {
      const payer = privateKeyToAccount(generatePrivateKey());
      await f.deposit(payer.address, 100n * ETH);
      await f.settle("deposit");
      expect(await f.balance(payer.address)).to.deep.equal({ deposited: 100n * ETH, locked: 0n });

      const t0 = await f.now();
      const request = f.v2(payer.address, 1n, 60n * ETH, t0);
      const cert = await f.issue(request, payer);
      await f.settle("issuing the 60 ETH V2");
      expect(await f.tick()).to.deep.equal([`CREATE_CYCLE ${cert.cycleId}`]);

      await f.validate(request, 90);
      await f.settle("the registry's answer");
      expect(await f.row(cert.guaranteeId)).to.deep.equal({ status: "FINALIZED_PAYABLE", lockHeld: true });

      const cancelled = await f.cancel(cert.guaranteeId);
      expect(cancelled.statusCode, cancelled.body).to.equal(200);
      expect(await f.row(cert.guaranteeId)).to.deep.equal({ status: "CANCELLED", lockHeld: true });
      await f.settle("the recipient's cancel");

      // 40 ETH are free, not 100: the cancelled certificate can still take its 60.
      const refused = await f.post(f.v1(payer.address, 2n, 90n * ETH, await f.now()), payer);
      expect(refused.res.statusCode).to.equal(409);
      expect(refused.res.json().error.code).to.equal("INSUFFICIENT_COLLATERAL");
      expect(await f.balance(payer.address)).to.deep.equal({ deposited: 100n * ETH, locked: 60n * ETH });
      await f.settle("the refused 90 ETH V1");

      // Its cycle nets nothing payable; the batch is committed empty, and the V2 lock stays (route B).
      const d = deadlinesOf(await f.schedule(), cert.cycleId);
      await f.at(d.end);
      await f.tick();
      await f.at(d.resolutionCutoff);
      expect(await f.tick()).to.include.members([`NET ${cert.cycleId}`, `COMMIT ${cert.cycleId}`]);
      expect((await f.clearingHouse.read.getCycle([cert.cycleId, zeroAddress])).committed).to.equal(true);
      await f.settle("the empty commit");
      expect(await f.row(cert.guaranteeId)).to.deep.equal({ status: "CANCELLED", lockHeld: true });

      // Fourteen days later the recipient redeems the cancelled certificate on-chain and is paid 60 ETH.
      await f.at(t0 + 14n * DAY);
      await f.settle("route B opening");
      await f.vault.write.remunerate([cert.claims, cert.signatureEip2537, cert.payerSignature], {
        account: f.outsider.account,
      });
      expect(await f.vault.read.collateral([payer.address, zeroAddress])).to.equal(40n * ETH);
      await f.settle("the on-chain redemption");
      expect(await f.row(cert.guaranteeId)).to.deep.equal({ status: "REDEEMED", lockHeld: false });
      expect(await f.balance(payer.address)).to.deep.equal({ deposited: 40n * ETH, locked: 0n });

      // Core's free collateral is exactly what is free on-chain: 40 ETH certify, one wei more does not.
      const over = await f.post(f.v1(payer.address, 3n, 40n * ETH + 1n, await f.now()), payer);
      expect(over.res.json().error.code).to.equal("INSUFFICIENT_COLLATERAL");
      await f.issue(f.v1(payer.address, 4n, 40n * ETH, await f.now()), payer);
      await f.settle("certifying the 40 ETH left");
    });

    it("a cancelled V1 alone in its cycle: the cycle is committed empty, the fallback never opens, the lock goes once committed", async function () {
      const payer = privateKeyToAccount(generatePrivateKey());
      await f.deposit(payer.address, 10n * ETH);
      await f.settle("deposit");
      const t0 = await f.now();
      const request = f.v1(payer.address, 1n, 5n * ETH, t0);
      const cert = await f.issue(request, payer);
      expect(await f.tick()).to.deep.equal([`CREATE_CYCLE ${cert.cycleId}`]);
      await f.settle("issuing the V1");

      expect((await f.cancel(cert.guaranteeId)).statusCode).to.equal(200);
      expect(await f.row(cert.guaranteeId)).to.deep.equal({ status: "CANCELLED", lockHeld: true });
      await f.settle("the recipient's cancel");

      const d = deadlinesOf(await f.schedule(), cert.cycleId);
      await f.at(d.end);
      expect(await f.tick()).to.include(`CLOSE ${cert.cycleId}`);
      await f.settle("closing the cycle");
      expect(await f.row(cert.guaranteeId)).to.deep.equal({ status: "CANCELLED", lockHeld: true });

      await f.at(d.resolutionCutoff);
      expect(await f.tick()).to.include.members([`NET ${cert.cycleId}`, `COMMIT ${cert.cycleId}`]);
      const onchain = await f.clearingHouse.read.getCycle([cert.cycleId, zeroAddress]);
      expect(onchain.committed).to.equal(true);
      expect(onchain.root).to.equal(`0x${"00".repeat(32)}`);
      expect(onchain.totalNet).to.equal(0n);
      expect(onchain.debtorCount).to.equal(0);
      // Committed, not yet followed: the lock is still held until chain sync applies the commit.
      expect(await f.row(cert.guaranteeId)).to.deep.equal({ status: "CANCELLED", lockHeld: true });
      await f.settle("the empty commit");
      expect(await f.row(cert.guaranteeId)).to.deep.equal({ status: "CANCELLED", lockHeld: false });
      expect(await f.balance(payer.address)).to.deep.equal({ deposited: 10n * ETH, locked: 0n });

      // From the finality deadline on, a missed cycle would open the fallback; a committed one never does.
      await f.at(d.finalityDeadline + 1n);
      expect(await f.clearingHouse.read.v1FallbackOpensAt([cert.cycleId, zeroAddress])).to.equal(0n);
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        f.vault.write.remunerate([cert.claims, cert.signatureEip2537, cert.payerSignature], {
          account: f.outsider.account,
        }),
        f.vault,
        "Core4MicaV1FallbackNotOpen",
        [cert.cycleId, zeroAddress],
      );
      expect(await f.vault.read.collateral([payer.address, zeroAddress])).to.equal(10n * ETH);
      await f.settle("the refused fallback redemption");

      // The empty cycle then finalizes like any other.
      await f.tick();
      expect((await f.clearingHouse.read.getCycle([cert.cycleId, zeroAddress])).finalized).to.equal(true);
      await f.settle("finalization");
    });
  });
}
