import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";
import { network } from "hardhat";
import { pino } from "pino";
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
import { hardhat as hardhatChain } from "viem/chains";

import type { Database } from "../../offchain/src/core/adapters/db/database.ts";
import { openPgliteDatabase } from "../../offchain/src/core/adapters/db/pgliteDatabase.ts";
import { loadConfig } from "../../offchain/src/core/config.ts";
import { createCore, type Core } from "../../offchain/src/core/createCore.ts";
import { loadBlsBackend } from "../../offchain/src/protocol/bls/index.ts";
import { FourMicaError } from "../../offchain/src/protocol/errors.ts";
import { buildCertificate } from "../../offchain/src/core/issuance/buildCertificate.ts";
import { decodeEnvelope } from "../../offchain/src/protocol/decodeEnvelope.ts";
import { guaranteeDomain } from "../../offchain/src/protocol/guaranteeDomain.ts";
import type { GuaranteeRequest } from "../../offchain/src/protocol/guaranteeTypes.ts";
import {
  cancelWithdrawal,
  claimNetCredit,
  createBuyerPolicy,
  createCoreClient,
  createGuaranteeRequest,
  deposit,
  expectedFromRequest,
  finalizeWithdrawal,
  getCollateral,
  getWithdrawal,
  listOwed,
  payNetDebit,
  remunerate,
  remunerationStatus,
  requestWithdrawal,
  signPaymentRequest,
  sqlCertificateStore,
  verifyCertificate,
  type CoreCertificate,
  type SdkActionError,
  type StoredCertificate,
} from "../../offchain/src/sdk/index.ts";
import { deployStack } from "../../scripts/lib/deployStack.ts";
import { DEV_BLS_SECRET_KEY } from "../../scripts/lib/devKeys.ts";

const ETH = zeroAddress;
const DAY = 86_400n;
const OPERATOR_KEY: Hex = keccak256(toHex("4mica sdk test operator chain key"));

/** Awaits `p` and returns the FourMicaError it rejected with. */
async function rejection(p: Promise<unknown>): Promise<FourMicaError> {
  try {
    await p;
  } catch (e) {
    expect(e).to.be.instanceOf(FourMicaError);
    return e as FourMicaError;
  }
  expect.fail("expected a rejection");
}

/**
 * The SDK against the real contracts on the in-process chain and Core in process (PGlite, HTTP on a free port):
 * one payer and one seller through a whole cycle (deposit, sign behind a policy, certify, verify, store, net, pay
 * the net debit, claim the net credit), then the direct routes (V2 after validation, V1 after a missed cycle) and
 * the withdrawal. Steps run in order on one fixture, as a payer's and a seller's day does.
 */
describe("SDK end to end (payer and recipient, chain and Core in process)", function () {
  this.timeout(300_000);

  let dataDir: string;
  let core: Core;
  let storeDb: Database;
  let f: Awaited<ReturnType<typeof fixture>>;

  async function fixture() {
    const { viem, networkHelpers, provider } = await network.create();
    const publicClient = (await viem.getPublicClient()) as unknown as PublicClient;
    const [, , validatorWallet] = await viem.getWalletClients();
    const operator = privateKeyToAccount(OPERATOR_KEY);
    await networkHelpers.setBalance(operator.address, 10n ** 20n);
    const bls = await loadBlsBackend("auto");
    const stack = await deployStack(viem, {
      blsPublicKey: bls.publicKey(DEV_BLS_SECRET_KEY),
      operator: operator.address,
    });
    const token = await viem.getContractAt("MockERC20", stack.tokens[0]!.address);
    const identity = await viem.getContractAt("ERC8004IdentityRegistry", stack.contracts.ERC8004IdentityRegistry!);
    const registry = await viem.getContractAt("ERC8004ValidationRegistry", stack.validationRegistries[0]!);
    const transport = custom(provider);

    // The payer and the seller are local keys (as an agent's and a seller's SDK hold them), funded on the chain.
    const payerAccount = privateKeyToAccount(generatePrivateKey());
    const sellerAccount = privateKeyToAccount(generatePrivateKey());
    for (const a of [payerAccount, sellerAccount]) await networkHelpers.setBalance(a.address, 10n ** 21n);
    const payer = createWalletClient({ account: payerAccount, chain: hardhatChain, transport });
    const seller = createWalletClient({ account: sellerAccount, chain: hardhatChain, transport });
    await token.write.mint([payerAccount.address, 5_000_000n]);

    let chainNow = BigInt(await networkHelpers.time.latest());
    const advanceTo = async (t: bigint) => {
      if (t > chainNow) await networkHelpers.time.increaseTo(t);
      chainNow = BigInt(await networkHelpers.time.latest());
    };

    dataDir = mkdtempSync(join(tmpdir(), "4mica-sdk-e2e-"));
    const deploymentsFile = join(dataDir, "deployment.json");
    writeFileSync(deploymentsFile, JSON.stringify({ network: "sdk-e2e", ...stack }, null, 2));
    const config = loadConfig({
      FOURMICA_DEPLOYMENTS_FILE: deploymentsFile,
      FOURMICA_BLS_SECRET_KEY: DEV_BLS_SECRET_KEY,
      FOURMICA_OPERATOR_KEY: OPERATOR_KEY,
      // Its creditors claim themselves (claimNetCredit); the batched auto-claim (docs/protocol.md §10) stays off.
      FOURMICA_AUTO_CLAIM: "false",
      FOURMICA_ACCEPTED_VERSIONS: "1,2",
      FOURMICA_DATA_DIR: "memory",
      FOURMICA_CONFIRMATIONS: "0",
      FOURMICA_LOG_LEVEL: "warn",
    });
    core = await createCore(config, {
      chainClient: publicClient,
      transport,
      walletClient: createWalletClient({ account: operator, chain: hardhatChain, transport }),
      now: () => chainNow,
      logger: pino({ level: "silent" }),
    });
    const url = await core.listen(0, "127.0.0.1");
    const background = core.startBackground({ scheduler: false });
    storeDb = await openPgliteDatabase();

    const vault = stack.core4Mica;
    const clearingHouse = stack.clearingHouse;
    const domain = { chainId: stack.chainId, verifyingContract: vault };
    const payerCore = createCoreClient({ url });
    const sellerCore = createCoreClient({ url });
    const store = sqlCertificateStore(storeDb);
    const policy = createBuyerPolicy({
      payTo: [sellerAccount.address],
      networks: [`eip155:${stack.chainId}`],
      limits: { [ETH]: { perRequest: 10n ** 18n, windows: [{ seconds: 86_400, max: 2n * 10n ** 18n }] } },
      validation: { registries: stack.validationRegistries, minScoreAtLeast: 50 },
    });
    const tick = async () => {
      await core.scheduler!.scheduler.tick(chainNow);
      await background.runOnce();
    };

    /** The payer signs behind its policy; Core certifies; the seller verifies fully and stores before serving. */
    async function pay(
      request: GuaranteeRequest,
    ): Promise<{ request: GuaranteeRequest; cert: CoreCertificate; signature: Hex }> {
      const { signature } = await signPaymentRequest(payer, {
        request,
        domain,
        policy,
        resource: "https://seller.example/report",
      });
      const cert = await payerCore.issue(request, signature);
      await verifyCertificate(publicClient, {
        vault,
        certificate: cert,
        expected: expectedFromRequest(request, { cycleId: cert.cycleId, guaranteeId: cert.guaranteeId }),
      });
      const stored: StoredCertificate = {
        guaranteeId: cert.guaranteeId,
        version: request.version,
        cycleId: cert.cycleId,
        user: request.user,
        recipient: request.recipient,
        asset: request.asset,
        reqId: request.reqId,
        amount: request.amount,
        timestamp: request.timestamp,
        claims: cert.claims,
        signature: cert.signature,
        payerSignature: signature,
      };
      expect((await store.put(stored)).inserted).to.equal(true);
      return { request, cert, signature };
    }

    return {
      viem,
      networkHelpers,
      publicClient,
      stack,
      token,
      identity,
      registry,
      validatorWallet: validatorWallet!,
      payerAccount,
      sellerAccount,
      payer,
      seller,
      vault,
      clearingHouse,
      domain,
      payerCore,
      sellerCore,
      store,
      policy,
      bls,
      tick,
      background,
      advanceTo,
      now: () => chainNow,
      pay,
    };
  }

  before(async function () {
    f = await fixture();
  });
  after(async function () {
    await core?.close();
    await storeDb?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const request = (amount: bigint, over: Partial<Parameters<typeof createGuaranteeRequest>[0]> = {}) =>
    createGuaranteeRequest({
      user: f.payerAccount.address,
      recipient: f.sellerAccount.address,
      amount,
      asset: ETH,
      timestamp: f.now(),
      ...over,
    });

  let netted: Awaited<ReturnType<typeof f.pay>>[] = [];
  let v2: Awaited<ReturnType<typeof f.pay>>;
  let agentId: bigint;

  describe("payer: deposit", function () {
    it("deposits ETH as the call's value", async function () {
      const r = await deposit(f.payer, { vault: f.vault, asset: ETH, amount: 3n * 10n ** 18n });
      expect(r.approvalHash).to.equal(undefined);
      expect(
        await getCollateral(f.publicClient, { vault: f.vault, user: f.payerAccount.address, asset: ETH }),
      ).to.equal(3n * 10n ** 18n);
    });

    it("deposits an ERC-20, approving the vault first only when the allowance is short", async function () {
      const first = await deposit(f.payer, { vault: f.vault, asset: f.token.address, amount: 1_000_000n });
      expect(first.approvalHash).to.match(/^0x[0-9a-f]{64}$/);
      await f.token.write.approve([f.vault, 2_000_000n], { account: f.payerAccount });
      const second = await deposit(f.payer, { vault: f.vault, asset: f.token.address, amount: 500_000n });
      expect(second.approvalHash).to.equal(undefined);
      expect(
        await getCollateral(f.publicClient, { vault: f.vault, user: f.payerAccount.address, asset: f.token.address }),
      ).to.equal(1_500_000n);
    });

    it("reads its free collateral from Core after signing in (SIWE)", async function () {
      await f.background.runOnce();
      // Core's clock here is the chain's (createCore's `now`), which lags the wall clock a SIWE message is stamped
      // with; Core refuses an `issuedAt` ahead of its clock (EIP-4361), so bring the chain up to the wall clock.
      await f.advanceTo(BigInt(Math.floor(Date.now() / 1000)) + 1n);
      await f.payerCore.signIn(f.payerAccount);
      const balances = await f.payerCore.collateral(f.payerAccount.address);
      const eth = balances.find((b) => b.asset === ETH)!;
      expect(eth.deposited).to.equal(3n * 10n ** 18n);
      expect(eth.available).to.equal(3n * 10n ** 18n);
      expect(balances.find((b) => b.asset.toLowerCase() === f.token.address.toLowerCase())!.available).to.equal(
        1_500_000n,
      );
    });
  });

  describe("payer signs behind its policy, Core certifies, the seller verifies and stores", function () {
    it("pays two V1 requests; Core locks what they amount to", async function () {
      netted = [await f.pay(request(3n * 10n ** 17n)), await f.pay(request(2n * 10n ** 17n))];
      const eth = (await f.payerCore.collateral(f.payerAccount.address)).find((b) => b.asset === ETH)!;
      expect(eth.locked).to.equal(5n * 10n ** 17n);
      expect((await f.payerCore.payerGuarantees(f.payerAccount.address)).length).to.equal(2);
    });

    it("refuses before signing when the policy refuses, and Core sees nothing", async function () {
      const stranger = privateKeyToAccount(generatePrivateKey()).address;
      const e = await rejection(f.pay(request(10n ** 17n, { recipient: stranger })));
      expect(e.code).to.equal("POLICY_PAYTO_NOT_ALLOWED");
      const tooBig = await rejection(f.pay(request(2n * 10n ** 18n)));
      expect(tooBig.code).to.equal("POLICY_AMOUNT_EXCEEDS_REQUEST_LIMIT");
      expect((await f.payerCore.payerGuarantees(f.payerAccount.address)).length).to.equal(2);
    });

    it("pays a V2 request whose job a validator will judge", async function () {
      const { result } = await f.identity.simulate.register({ account: f.sellerAccount.address });
      await f.identity.write.register({ account: f.sellerAccount });
      agentId = result;
      v2 = await f.pay(
        request(15n * 10n ** 16n, {
          validation: {
            validationRegistry: f.registry.address,
            validationChainId: BigInt(f.stack.chainId),
            validatorAddress: f.validatorWallet.account.address,
            validatorAgentId: agentId,
            minValidationScore: 80,
            jobHash: keccak256(toHex("sdk e2e job")),
            requiredValidationTag: "quality",
          },
        }),
      );
      expect(v2.cert.status).to.equal("PENDING_VALIDATION");
    });

    it("a retried certificate is stored once", async function () {
      const [first] = await f.store.listByRecipient(f.sellerAccount.address, { limit: 1 });
      expect((await f.store.put(first!)).inserted).to.equal(false);
      expect(await f.store.listByRecipient(f.sellerAccount.address)).to.have.length(3);
    });
  });

  describe("recipient: verifyCertificate against the vault's key and domain", function () {
    it("refuses a field that is not what the payer signed", async function () {
      const { request: r, cert } = netted[0]!;
      const e = await rejection(
        verifyCertificate(f.publicClient, {
          vault: f.vault,
          certificate: cert,
          expected: { ...expectedFromRequest(r), amount: r.amount + 1n },
        }),
      );
      expect(e.code).to.equal("CERTIFICATE_AMOUNT_MISMATCH");
    });

    it("refuses a certificate signed with a key the vault does not hold", async function () {
      const { request: r, cert } = netted[0]!;
      const forged = { claims: cert.claims, signature: f.bls.sign(toHex(7n, { size: 32 }), cert.claims) };
      const e = await rejection(
        verifyCertificate(f.publicClient, { vault: f.vault, certificate: forged, expected: expectedFromRequest(r) }),
      );
      expect(e.code).to.equal("CERTIFICATE_BAD_SIGNATURE");
    });

    it("refuses a certificate (signed with the right key) that names another chain's domain", async function () {
      const { request: r } = netted[0]!;
      const claims = { ...decodeEnvelope(netted[0]!.cert.claims) };
      claims.domain = guaranteeDomain(1, BigInt(f.stack.chainId) + 1n, f.vault);
      const foreign = buildCertificate(claims, f.bls.signer(DEV_BLS_SECRET_KEY));
      const e = await rejection(
        verifyCertificate(f.publicClient, { vault: f.vault, certificate: foreign, expected: expectedFromRequest(r) }),
      );
      expect(e.code).to.equal("CERTIFICATE_DOMAIN_MISMATCH");
    });

    it("refuses malformed claims", async function () {
      const { request: r, cert } = netted[0]!;
      const e = await rejection(
        verifyCertificate(f.publicClient, {
          vault: f.vault,
          certificate: { claims: "0x1234", signature: cert.signature },
          expected: expectedFromRequest(r),
        }),
      );
      expect(e.code).to.equal("CERTIFICATE_MALFORMED");
    });
  });

  describe("cycle: net, pay the net debit, claim the net credit", function () {
    let cycleId: bigint;

    it("Core nets and commits the cycle; the payer pays its net debit from Core's position and proof", async function () {
      cycleId = netted[0]!.cert.cycleId;
      const deadlines = await f.publicClient.readContract({
        address: f.clearingHouse,
        abi: (await f.viem.getContractAt("ClearingHouse", f.clearingHouse)).abi,
        functionName: "cycleDeadlines",
        args: [cycleId],
      });
      await f.advanceTo(deadlines.resolutionCutoff);
      await f.tick();
      const position = await f.payerCore.position(cycleId, ETH, f.payerAccount.address);
      expect(position.role).to.equal("NET_DEBTOR");
      expect(position.amount).to.equal(5n * 10n ** 17n);

      const wrongRoot = await rejection(
        payNetDebit(f.payer, { clearingHouse: f.clearingHouse, position: { ...position, root: keccak256("0x01") } }),
      );
      expect(wrongRoot.code).to.equal("PROOF_ROOT_MISMATCH");

      await payNetDebit(f.payer, { clearingHouse: f.clearingHouse, position });
      const house = await f.viem.getContractAt("ClearingHouse", f.clearingHouse);
      expect((await house.read.getParticipant([cycleId, ETH, f.payerAccount.address])).paid).to.equal(true);

      const again = (await rejection(
        payNetDebit(f.payer, { clearingHouse: f.clearingHouse, position }),
      )) as SdkActionError;
      expect(again.code).to.equal("TRANSACTION_REVERTED");
      expect(again.details?.errorName).to.equal("ClearingHouseDebtorAlreadyResolved");
    });

    it("the seller claims its net credit; its netted certificates are no longer listed as owed", async function () {
      const position = await f.sellerCore.position(cycleId, ETH, f.sellerAccount.address);
      expect(position.role).to.equal("NET_CREDITOR");
      const notDebtor = await rejection(payNetDebit(f.seller, { clearingHouse: f.clearingHouse, position }));
      expect(notDebtor.code).to.equal("NOT_REMUNERABLE");
      const before = await f.publicClient.getBalance({ address: f.sellerAccount.address });
      const { hash } = await claimNetCredit(f.seller, { clearingHouse: f.clearingHouse, position });
      const receipt = await f.publicClient.getTransactionReceipt({ hash });
      const after = await f.publicClient.getBalance({ address: f.sellerAccount.address });
      expect(after - before + receipt.gasUsed * receipt.effectiveGasPrice).to.equal(5n * 10n ** 17n);

      const { owed } = await listOwed(f.publicClient, {
        store: f.store,
        vault: f.vault,
        recipient: f.sellerAccount.address,
      });
      expect(owed.map((s) => s.guaranteeId)).to.deep.equal([v2.cert.guaranteeId]);
    });
  });

  describe("recipient: remunerate directly", function () {
    let v1Missed: Awaited<ReturnType<typeof f.pay>>;

    it("reports a V2 certificate as not remunerable before its grace period and without a validation answer", async function () {
      const status = await remunerationStatus(f.publicClient, { vault: f.vault, claims: v2.cert.claims });
      expect(status.route).to.equal("V2_VALIDATION");
      expect(status.validated).to.equal(false);
      expect(status.remunerableNow).to.equal(false);
      expect(status.opensAt).to.equal(v2.request.timestamp + 14n * DAY);
      const e = (await rejection(
        remunerate(f.seller, { vault: f.vault, certificate: v2.cert, payerSignature: v2.signature }),
      )) as SdkActionError;
      expect(e.details?.errorName).to.equal("Core4MicaRemunerationNotOpen");
    });

    it("a V1 certificate of a cycle that misses its commit waits for its fallback window", async function () {
      v1Missed = await f.pay(request(10n ** 17n));
      const status = await remunerationStatus(f.publicClient, { vault: f.vault, claims: v1Missed.cert.claims });
      expect(status.route).to.equal("NETTING");
      expect(status.netted).to.equal(false);
      expect(status.remunerableNow).to.equal(false);
    });

    it("lists both as remunerable once the validator answered and the windows opened, and remunerates them", async function () {
      const policy = (v2.request as Extract<GuaranteeRequest, { version: 2 }>).policy;
      await f.registry.write.validationRequest(
        [f.validatorWallet.account.address, agentId, "ipfs://job", policy.validationRequestHash],
        { account: f.sellerAccount },
      );
      await f.registry.write.validationResponse(
        [policy.validationRequestHash, 90, "ipfs://verdict", `0x${"00".repeat(32)}`, "quality"],
        { account: f.validatorWallet.account },
      );
      await f.advanceTo(v2.request.timestamp + 14n * DAY);
      const { owed, remunerableNow } = await listOwed(f.publicClient, {
        store: f.store,
        vault: f.vault,
        recipient: f.sellerAccount.address,
      });
      expect(owed.map((s) => s.route).sort()).to.deep.equal(["V1_FALLBACK", "V2_VALIDATION"]);
      expect(remunerableNow.map((s) => s.guaranteeId).sort()).to.deep.equal(
        [v2.cert.guaranteeId, v1Missed.cert.guaranteeId].sort(),
      );

      for (const p of [v2, v1Missed]) {
        const before = await f.publicClient.getBalance({ address: f.sellerAccount.address });
        const { hash, guaranteeId } = await remunerate(f.seller, {
          vault: f.vault,
          certificate: p.cert,
          payerSignature: p.signature,
        });
        expect(guaranteeId).to.equal(p.cert.guaranteeId);
        await f.store.markRemunerated(guaranteeId, hash);
        const receipt = await f.publicClient.getTransactionReceipt({ hash });
        const after = await f.publicClient.getBalance({ address: f.sellerAccount.address });
        expect(after - before + receipt.gasUsed * receipt.effectiveGasPrice).to.equal(p.request.amount);
      }
      const again = (await rejection(
        remunerate(f.seller, { vault: f.vault, certificate: v2.cert, payerSignature: v2.signature }),
      )) as SdkActionError;
      expect(again.details?.errorName).to.equal("Core4MicaGuaranteeAlreadyConsumed");
      expect(
        (await listOwed(f.publicClient, { store: f.store, vault: f.vault, recipient: f.sellerAccount.address })).owed,
      ).to.deep.equal([]);
    });
  });

  describe("payer: withdrawals", function () {
    it("requests, cancels, requests again and finalizes after the delay", async function () {
      const args = { vault: f.vault, asset: f.token.address };
      await requestWithdrawal(f.payer, { ...args, amount: 400_000n });
      let w = await getWithdrawal(f.publicClient, { ...args, user: f.payerAccount.address });
      expect(w.amount).to.equal(400_000n);
      await f.background.runOnce();
      const pending = (await f.payerCore.collateral(f.payerAccount.address)).find(
        (b) => b.asset.toLowerCase() === f.token.address.toLowerCase(),
      )!;
      expect(pending.pendingWithdrawal).to.equal(400_000n);
      expect(pending.available).to.equal(1_100_000n);

      await cancelWithdrawal(f.payer, args);
      expect((await getWithdrawal(f.publicClient, { ...args, user: f.payerAccount.address })).amount).to.equal(0n);

      await requestWithdrawal(f.payer, { ...args, amount: 400_000n });
      w = await getWithdrawal(f.publicClient, { ...args, user: f.payerAccount.address });
      const early = (await rejection(finalizeWithdrawal(f.payer, args))) as SdkActionError;
      expect(early.code).to.equal("TRANSACTION_REVERTED");
      await f.advanceTo(w.finalizableAt);
      const before = await f.token.read.balanceOf([f.payerAccount.address]);
      await finalizeWithdrawal(f.payer, args);
      expect((await f.token.read.balanceOf([f.payerAccount.address])) - before).to.equal(400_000n);
      expect(await getCollateral(f.publicClient, { ...args, user: f.payerAccount.address })).to.equal(1_100_000n);
    });
  });
});
