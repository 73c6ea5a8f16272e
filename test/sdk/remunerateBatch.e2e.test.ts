import { expect } from "chai";
import { network } from "hardhat";
import { createWalletClient, custom, keccak256, toHex, zeroAddress, type Address, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { hardhat as hardhatChain } from "viem/chains";

import { buildCertificate } from "../../offchain/src/core/issuance/buildCertificate.ts";
import { loadBlsBackend } from "../../offchain/src/protocol/bls/index.ts";
import { buildValidationPolicy } from "../../offchain/src/protocol/buildValidationPolicy.ts";
import { FourMicaError } from "../../offchain/src/protocol/errors.ts";
import { guaranteeDomain } from "../../offchain/src/protocol/guaranteeDomain.ts";
import { guaranteeId } from "../../offchain/src/protocol/guaranteeId.ts";
import type { Guarantee, GuaranteeRequest } from "../../offchain/src/protocol/guaranteeTypes.ts";
import { signGuaranteeRequest } from "../../offchain/src/protocol/signGuaranteeRequest.ts";
import {
  expectedFromRequest,
  remunerate,
  remunerateBatch,
  remunerationStatus,
  type RemunerateItem,
  type SdkActionError,
} from "../../offchain/src/sdk/index.ts";
import { deployStack } from "../../scripts/lib/deployStack.ts";
import { DEV_BLS_SECRET_KEY } from "../../scripts/lib/devKeys.ts";

const ETH = zeroAddress;
const DAY = 86_400n;
const AMOUNT = 10n ** 17n; // 0.1 ETH
const COLLATERAL = 2n * 10n ** 18n;

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
 * The recipient SDK's `remunerateBatch` on the real vault (Hardhat's in-process chain, the production deploy): the
 * operator's certificates made with the off-chain BLS signer (Core's job), the payer's EIP-712 signatures, the
 * recipient sending the batch from its own key. V2 through the validation route, V1 through the liveness fallback
 * of a cycle that missed its commit; and the batch's all-or-nothing rule: one failing member reverts it all, with
 * the vault's own error for that member, and nothing moves.
 */
async function batchFixture() {
  const { viem, networkHelpers, provider } = await network.create();
  const publicClient = await viem.getPublicClient();
  const [, operator, validator] = await viem.getWalletClients();
  const bls = await loadBlsBackend("auto");
  const stack = await deployStack(viem, {
    blsPublicKey: bls.publicKey(DEV_BLS_SECRET_KEY),
    operator: operator!.account.address,
  });
  const chainId = BigInt(stack.chainId);
  const vaultAddress = stack.core4Mica;
  const vault = await viem.getContractAt("Core4Mica", vaultAddress);
  const clearingHouse = await viem.getContractAt("ClearingHouse", stack.clearingHouse);
  const identity = await viem.getContractAt("ERC8004IdentityRegistry", stack.contracts.ERC8004IdentityRegistry!);
  const registry = await viem.getContractAt("ERC8004ValidationRegistry", stack.validationRegistries[0]!);

  // The payer only signs (a sponsor deposits for it); the seller is its own local key, funded for gas.
  const payer = privateKeyToAccount(generatePrivateKey());
  await vault.write.depositFor([payer.address, ETH, COLLATERAL], { value: COLLATERAL });
  const sellerAccount = privateKeyToAccount(generatePrivateKey());
  await networkHelpers.setBalance(sellerAccount.address, 10n ** 20n);
  const seller = createWalletClient({ account: sellerAccount, chain: hardhatChain, transport: custom(provider) });
  const { result: agentId } = await identity.simulate.register({ account: sellerAccount.address });
  await identity.write.register({ account: sellerAccount });

  const eip712 = { chainId, verifyingContract: vaultAddress };
  const signer = bls.signer(DEV_BLS_SECRET_KEY);
  let nextReqId = 100n;

  /** A signed, certified request of `version`; V2 with a policy the validator answers with `score` (none: unanswered). */
  async function certified(version: 1 | 2, timestamp: bigint, score?: number) {
    const base = {
      user: payer.address,
      recipient: sellerAccount.address,
      reqId: nextReqId++,
      amount: AMOUNT,
      asset: ETH as Address,
      timestamp,
    };
    let request: GuaranteeRequest;
    if (version === 2) {
      const policy = buildValidationPolicy(base, {
        validationRegistry: registry.address,
        validationChainId: chainId,
        validatorAddress: validator!.account.address,
        validatorAgentId: agentId,
        minValidationScore: 80,
        jobHash: keccak256(toHex(`batch job ${base.reqId}`)),
        requiredValidationTag: "quality",
      });
      request = { ...base, version: 2, policy };
      if (score !== undefined) {
        await registry.write.validationRequest(
          [validator!.account.address, agentId, "ipfs://job", policy.validationRequestHash],
          { account: sellerAccount },
        );
        await registry.write.validationResponse(
          [policy.validationRequestHash, score, "ipfs://verdict", `0x${"00".repeat(32)}`, "quality"],
          { account: validator!.account },
        );
      }
    } else {
      request = { ...base, version: 1 };
    }
    const cycleId = await clearingHouse.read.cycleOf([timestamp]);
    const claims = {
      ...request,
      domain: guaranteeDomain(BigInt(version), chainId, vaultAddress),
      cycleId,
    } as Guarantee;
    const certificate = buildCertificate(claims, signer);
    const payerSignature = await signGuaranteeRequest(payer, request, eip712);
    const item: RemunerateItem = {
      certificate: { claims: certificate.claims, signature: certificate.signature },
      payerSignature,
      expected: expectedFromRequest(request, { cycleId }),
    };
    return { request, claims, item, id: guaranteeId(claims, eip712) };
  }

  const consumed = (id: Hex) => vault.read.isConsumed([id]);
  const collateral = () => vault.read.collateral([payer.address, ETH]);
  const sellerBalance = () => publicClient.getBalance({ address: sellerAccount.address });
  const gasOf = async (hash: Hex) => {
    const r = await publicClient.getTransactionReceipt({ hash });
    return { gas: r.gasUsed * r.effectiveGasPrice, gasUsed: r.gasUsed };
  };
  const now = async () => (await publicClient.getBlock()).timestamp;

  return {
    networkHelpers,
    publicClient,
    stack,
    vaultAddress,
    clearingHouse,
    seller,
    payer,
    certified,
    consumed,
    collateral,
    sellerBalance,
    gasOf,
    now,
  };
}

describe("SDK remunerateBatch on the vault (in-process chain)", function () {
  this.timeout(300_000);

  describe("V2, validation route", function () {
    let f: Awaited<ReturnType<typeof batchFixture>>;
    let items: Awaited<ReturnType<typeof f.certified>>[];

    before(async function () {
      f = await batchFixture();
      const t = await f.now();
      items = [await f.certified(2, t, 90), await f.certified(2, t, 95), await f.certified(2, t, 81)];
    });

    it("refuses before the grace period with the vault's Core4MicaRemunerationNotOpen", async function () {
      const e = (await rejection(
        remunerateBatch(f.seller, { vault: f.vaultAddress, items: items.map((i) => i.item) }),
      )) as SdkActionError;
      expect(e.code).to.equal("TRANSACTION_REVERTED");
      expect(e.details?.errorName).to.equal("Core4MicaRemunerationNotOpen");
      expect(e.details?.errorArgs).to.deep.equal([(items[0]!.request.timestamp + 14n * DAY).toString()]);
    });

    it("reverts the whole batch when one member fails (a bad payer signature), and nothing moves", async function () {
      await f.networkHelpers.time.increaseTo(items[0]!.request.timestamp + 14n * DAY);
      const before = { collateral: await f.collateral(), seller: await f.sellerBalance() };
      // The SDK checks certificates, not the payer's signature: the vault does, and refuses the whole batch.
      const forged = await signGuaranteeRequest(privateKeyToAccount(generatePrivateKey()), items[1]!.request, {
        chainId: BigInt(f.stack.chainId),
        verifyingContract: f.vaultAddress,
      });
      const batch = [items[0]!.item, { ...items[1]!.item, payerSignature: forged }, items[2]!.item];
      const e = (await rejection(remunerateBatch(f.seller, { vault: f.vaultAddress, items: batch }))) as SdkActionError;
      expect(e.code).to.equal("TRANSACTION_REVERTED");
      expect(e.details?.errorName).to.equal("Core4MicaInvalidPayerSignature");
      expect(e.details?.errorArgs).to.deep.equal([f.payer.address]);
      for (const i of items) expect(await f.consumed(i.id)).to.equal(false);
      expect(await f.collateral()).to.equal(before.collateral);
      expect(await f.sellerBalance()).to.equal(before.seller);
    });

    it("refuses, before sending, a member whose certificate is not what the payer signed", async function () {
      const tampered = { ...items[0]!.item, expected: { ...items[0]!.item.expected!, amount: AMOUNT + 1n } };
      const e = await rejection(
        remunerateBatch(f.seller, { vault: f.vaultAddress, items: [tampered, items[1]!.item] }),
      );
      expect(e.code).to.equal("CERTIFICATE_AMOUNT_MISMATCH");
    });

    it("pays every member in one transaction, one aggregate signature, once answered and open", async function () {
      const before = { collateral: await f.collateral(), seller: await f.sellerBalance() };
      const { hash, guaranteeIds } = await remunerateBatch(f.seller, {
        vault: f.vaultAddress,
        items: items.map((i) => i.item),
      });
      expect(guaranteeIds).to.deep.equal(items.map((i) => i.id));
      const { gas, gasUsed } = await f.gasOf(hash);
      expect(gasUsed > 0n).to.equal(true);
      expect((await f.sellerBalance()) - before.seller + gas).to.equal(3n * AMOUNT);
      expect(before.collateral - (await f.collateral())).to.equal(3n * AMOUNT);
      for (const i of items) expect(await f.consumed(i.id)).to.equal(true);
    });

    it("reverts a batch holding an already paid member with Core4MicaGuaranteeAlreadyConsumed(id)", async function () {
      const fresh = await f.certified(2, items[0]!.request.timestamp, 90);
      const e = (await rejection(
        remunerateBatch(f.seller, { vault: f.vaultAddress, items: [fresh.item, items[0]!.item] }),
      )) as SdkActionError;
      expect(e.details?.errorName).to.equal("Core4MicaGuaranteeAlreadyConsumed");
      expect(e.details?.errorArgs).to.deep.equal([items[0]!.id]);
      expect(await f.consumed(fresh.id)).to.equal(false);
    });

    it("refuses an empty batch and a batch of mixed versions without sending", async function () {
      expect((await rejection(remunerateBatch(f.seller, { vault: f.vaultAddress, items: [] }))).code).to.equal(
        "NOT_REMUNERABLE",
      );
      const v1 = await f.certified(1, items[0]!.request.timestamp);
      const v2 = await f.certified(2, items[0]!.request.timestamp, 90);
      const mixed = await rejection(remunerateBatch(f.seller, { vault: f.vaultAddress, items: [v1.item, v2.item] }));
      expect(mixed.code).to.equal("NOT_REMUNERABLE");
      expect(await f.consumed(v2.id)).to.equal(false);
    });
  });

  describe("V1, liveness fallback of a cycle that missed its commit", function () {
    let f: Awaited<ReturnType<typeof batchFixture>>;
    let items: Awaited<ReturnType<typeof f.certified>>[];

    before(async function () {
      f = await batchFixture();
      const t = await f.now();
      items = [await f.certified(1, t), await f.certified(1, t)];
    });

    it("reverts while the cycle may still be committed, with the vault's Core4MicaV1FallbackNotOpen", async function () {
      const e = (await rejection(
        remunerateBatch(f.seller, { vault: f.vaultAddress, items: items.map((i) => i.item) }),
      )) as SdkActionError;
      expect(e.details?.errorName).to.equal("Core4MicaV1FallbackNotOpen");
      expect(e.details?.errorArgs).to.deep.equal([items[0]!.claims.cycleId.toString(), ETH]);
    });

    it("pays both in one transaction from the missed cycle's finality deadline", async function () {
      const cycleId = items[0]!.claims.cycleId;
      const deadlines = await f.clearingHouse.read.cycleDeadlines([cycleId]);
      await f.networkHelpers.time.increaseTo(deadlines.commitDeadline + 1n);
      const notYet = (await rejection(
        remunerateBatch(f.seller, { vault: f.vaultAddress, items: items.map((i) => i.item) }),
      )) as SdkActionError;
      expect(notYet.details?.errorName).to.equal("Core4MicaRemunerationNotOpen");
      expect(notYet.details?.errorArgs).to.deep.equal([deadlines.finalityDeadline.toString()]);

      await f.networkHelpers.time.increaseTo(deadlines.finalityDeadline);
      const status = await remunerationStatus(f.publicClient, {
        vault: f.vaultAddress,
        claims: items[0]!.item.certificate.claims,
      });
      expect(status).to.include({ route: "V1_FALLBACK", remunerableNow: true });
      const before = { collateral: await f.collateral(), seller: await f.sellerBalance() };
      const { hash, guaranteeIds } = await remunerateBatch(f.seller, {
        vault: f.vaultAddress,
        items: items.map((i) => i.item),
      });
      expect(guaranteeIds).to.deep.equal(items.map((i) => i.id));
      const { gas } = await f.gasOf(hash);
      expect((await f.sellerBalance()) - before.seller + gas).to.equal(2n * AMOUNT);
      expect(before.collateral - (await f.collateral())).to.equal(2n * AMOUNT);
      for (const i of items) expect(await f.consumed(i.id)).to.equal(true);
      // The single route then refuses the same certificate: paid once.
      const again = (await rejection(
        remunerate(f.seller, {
          vault: f.vaultAddress,
          certificate: items[0]!.item.certificate,
          payerSignature: items[0]!.item.payerSignature,
        }),
      )) as SdkActionError;
      expect(again.details?.errorName).to.equal("Core4MicaGuaranteeAlreadyConsumed");
    });
  });
});
