import { expect } from "chai";
import { network } from "hardhat";
import { keccak256, toHex, zeroAddress, type Address, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

import { aggregateSignatures, g2ToEip2537, loadBlsBackend } from "../../offchain/src/protocol/bls/index.ts";
import { buildValidationPolicy } from "../../offchain/src/protocol/buildValidationPolicy.ts";
import { encodeEnvelope } from "../../offchain/src/protocol/encodeEnvelope.ts";
import { guaranteeDomain } from "../../offchain/src/protocol/guaranteeDomain.ts";
import { guaranteeId } from "../../offchain/src/protocol/guaranteeId.ts";
import type { GuaranteeRequestV2, GuaranteeV2 } from "../../offchain/src/protocol/guaranteeTypes.ts";
import { buildCertificate, type CertificateSigner } from "../../offchain/src/core/issuance/buildCertificate.ts";
import { signGuaranteeRequest } from "../../offchain/src/protocol/signGuaranteeRequest.ts";
import { deployStack } from "../../scripts/lib/deployStack.ts";
import { DEV_BLS_SECRET_KEY } from "../../scripts/lib/devKeys.ts";

const DAY = 86_400n;
const AMOUNT = 3n * 10n ** 17n; // 0.3 ETH
const COLLATERAL = 10n ** 18n;

/**
 * End to end on the in-process chain, with the production deploy: a payer deposits, signs a V2 request, the
 * operator certifies it with the off-chain BLS signer, the validator answers in the ERC-8004 registry, and anyone
 * remunerates on-chain (`remunerate`, and `remunerateBatch` with an aggregate made by the off-chain BLS code); the
 * payer's collateral moves to the recipient. Then every way the remuneration must fail.
 */
async function redemptionFixture() {
  const { viem, networkHelpers } = await network.create();
  const publicClient = await viem.getPublicClient();
  const [deployer, operator, recipient, validator, outsider] = await viem.getWalletClients();
  const bls = await loadBlsBackend("auto");
  const stack = await deployStack(viem, {
    blsPublicKey: bls.publicKey(DEV_BLS_SECRET_KEY),
    operator: operator!.account.address,
  });
  const chainId = BigInt(stack.chainId);
  const vault = await viem.getContractAt("Core4Mica", stack.core4Mica);
  const clearingHouse = await viem.getContractAt("ClearingHouse", stack.clearingHouse);
  const identity = await viem.getContractAt("ERC8004IdentityRegistry", stack.contracts.ERC8004IdentityRegistry!);
  const registry = await viem.getContractAt("ERC8004ValidationRegistry", stack.validationRegistries[0]!);

  // The payer is an agent's own key (not a node account): it only signs; a sponsor deposits for it.
  const payer = privateKeyToAccount(generatePrivateKey());
  await vault.write.depositFor([payer.address, zeroAddress, COLLATERAL], { value: COLLATERAL });

  // The recipient's agent, whose work the validator will judge.
  const { result: agentOfRecipient } = await identity.simulate.register({
    account: recipient!.account.address,
  });
  await identity.write.register({ account: recipient!.account });

  const timestamp = (await publicClient.getBlock()).timestamp;
  const base = {
    version: 2 as const,
    user: payer.address,
    recipient: recipient!.account.address,
    reqId: 42n,
    amount: AMOUNT,
    asset: zeroAddress as Address,
    timestamp,
  };
  const policy = buildValidationPolicy(base, {
    validationRegistry: registry.address,
    validationChainId: chainId,
    validatorAddress: validator!.account.address,
    validatorAgentId: agentOfRecipient,
    minValidationScore: 80,
    jobHash: keccak256(toHex("job: summarize report 7")),
    requiredValidationTag: "quality",
  });
  const request: GuaranteeRequestV2 = { ...base, policy };
  const payerSignature = await signGuaranteeRequest(payer, request, { chainId, verifyingContract: vault.address });

  const operatorSigner = (secretKey: Hex): CertificateSigner => bls.signer(secretKey);
  const cycleId = await clearingHouse.read.cycleOf([timestamp]);
  const claims: GuaranteeV2 = { ...request, domain: guaranteeDomain(2n, chainId, vault.address), cycleId };
  const certificate = buildCertificate(claims, operatorSigner(DEV_BLS_SECRET_KEY));

  async function answer(score: number, tag: string) {
    await registry.write.validationRequest(
      [validator!.account.address, agentOfRecipient, "ipfs://job-7", policy.validationRequestHash],
      { account: recipient!.account },
    );
    await registry.write.validationResponse(
      [policy.validationRequestHash, score, "ipfs://verdict", `0x${"00".repeat(32)}`, tag],
      {
        account: validator!.account,
      },
    );
  }

  const remunerate = (claimsHex: Hex, signature = certificate.signatureEip2537, payerSig: Hex = payerSignature) =>
    vault.write.remunerate([claimsHex, signature, payerSig], { account: outsider!.account });
  const eip712 = { chainId, verifyingContract: vault.address };

  /** A second signed, certified and answered request of the same payer to the same recipient. */
  async function another(reqId: bigint) {
    const next = { ...base, reqId };
    const nextPolicy = buildValidationPolicy(next, {
      validationRegistry: registry.address,
      validationChainId: chainId,
      validatorAddress: validator!.account.address,
      validatorAgentId: agentOfRecipient,
      minValidationScore: 80,
      jobHash: keccak256(toHex(`job ${reqId}`)),
      requiredValidationTag: "quality",
    });
    const nextRequest: GuaranteeRequestV2 = { ...next, policy: nextPolicy };
    const nextClaims: GuaranteeV2 = { ...nextRequest, domain: claims.domain, cycleId };
    await registry.write.validationRequest(
      [validator!.account.address, agentOfRecipient, "ipfs://job", nextPolicy.validationRequestHash],
      { account: recipient!.account },
    );
    await registry.write.validationResponse(
      [nextPolicy.validationRequestHash, 95, "ipfs://verdict", `0x${"00".repeat(32)}`, "quality"],
      { account: validator!.account },
    );
    return {
      claims: nextClaims,
      certificate: buildCertificate(nextClaims, operatorSigner(DEV_BLS_SECRET_KEY)),
      payerSignature: await signGuaranteeRequest(payer, nextRequest, eip712),
    };
  }

  return {
    viem,
    networkHelpers,
    publicClient,
    stack,
    vault,
    payer,
    recipient: recipient!,
    outsider: outsider!,
    request,
    claims,
    certificate,
    payerSignature,
    operatorSigner,
    answer,
    another,
    remunerate,
    eip712,
    chainId,
    timestamp,
  };
}

describe("Core4Mica V2 remuneration, end to end", function () {
  it("moves the payer's collateral to the recipient once the registry answer matches the policy", async function () {
    const f = await redemptionFixture();
    await f.answer(90, "quality");
    await f.networkHelpers.time.increaseTo(f.timestamp + 14n * DAY);
    const before = await f.publicClient.getBalance({ address: f.recipient.account.address });
    const id = guaranteeId(f.claims, f.eip712);
    expect(await f.vault.read.guaranteeIdOf([f.payer.address, f.recipient.account.address, zeroAddress, 42n])).to.equal(
      id,
    );
    await f.viem.assertions.emitWithArgs(f.remunerate(f.certificate.claims), f.vault, "GuaranteeRemunerated", [
      id,
      f.payer.address,
      f.recipient.account.address,
      zeroAddress,
      AMOUNT,
      2n,
    ]);
    const after = await f.publicClient.getBalance({ address: f.recipient.account.address });
    expect(after - before).to.equal(AMOUNT);
    expect(await f.vault.read.collateral([f.payer.address, zeroAddress])).to.equal(COLLATERAL - AMOUNT);
    expect(await f.vault.read.isConsumed([id])).to.equal(true);
  });

  it("remunerateBatch pays several certificates under one aggregate signature made off-chain", async function () {
    const f = await redemptionFixture();
    await f.answer(90, "quality");
    const second = await f.another(43n);
    const third = await f.another(44n);
    await f.networkHelpers.time.increaseTo(f.timestamp + 14n * DAY);
    const items = [{ claims: f.claims, certificate: f.certificate, payerSignature: f.payerSignature }, second, third];
    const aggregate = g2ToEip2537(aggregateSignatures(items.map((i) => i.certificate.signature)));
    const before = await f.publicClient.getBalance({ address: f.recipient.account.address });
    const hash = await f.vault.write.remunerateBatch(
      [items.map((i) => i.certificate.claims), aggregate, items.map((i) => i.payerSignature)],
      { account: f.outsider.account },
    );
    const receipt = await f.publicClient.waitForTransactionReceipt({ hash });
    expect(receipt.status).to.equal("success");
    const after = await f.publicClient.getBalance({ address: f.recipient.account.address });
    expect(after - before).to.equal(3n * AMOUNT);
    for (const i of items) expect(await f.vault.read.isConsumed([guaranteeId(i.claims, f.eip712)])).to.equal(true);
    expect(await f.vault.read.collateral([f.payer.address, zeroAddress])).to.equal(COLLATERAL - 3n * AMOUNT);
  });

  describe("reverts", function () {
    async function openFixture() {
      const f = await redemptionFixture();
      await f.answer(90, "quality");
      await f.networkHelpers.time.increaseTo(f.timestamp + 14n * DAY);
      return f;
    }

    it("when the certificate was remunerated before", async function () {
      const f = await openFixture();
      await f.remunerate(f.certificate.claims);
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        f.remunerate(f.certificate.claims),
        f.vault,
        "Core4MicaGuaranteeAlreadyConsumed",
        [guaranteeId(f.claims, f.eip712)],
      );
    });

    it("when a certified field was tampered with (amount raised)", async function () {
      const f = await openFixture();
      const tampered = encodeEnvelope({ ...f.claims, amount: AMOUNT * 2n });
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        f.remunerate(tampered),
        f.vault,
        "Core4MicaInvalidCertificateSignature",
        [2n],
      );
    });

    it("when the certificate was signed with another BLS key", async function () {
      const f = await openFixture();
      const otherKey = toHex(7n, { size: 32 });
      const forged = buildCertificate(f.claims, f.operatorSigner(otherKey));
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        f.remunerate(forged.claims, forged.signatureEip2537),
        f.vault,
        "Core4MicaInvalidCertificateSignature",
        [2n],
      );
    });

    it("when the certificate names the domain of another chain", async function () {
      const f = await openFixture();
      const foreign = { ...f.claims, domain: guaranteeDomain(2n, f.chainId + 1n, f.vault.address) };
      const cert = buildCertificate(foreign, f.operatorSigner(DEV_BLS_SECRET_KEY));
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        f.remunerate(cert.claims, cert.signatureEip2537),
        f.vault,
        "Core4MicaDomainMismatch",
        [2n, f.claims.domain, foreign.domain],
      );
    });

    it("when the payer signed for another chain", async function () {
      const f = await openFixture();
      const sig = await signGuaranteeRequest(f.payer, f.request, {
        chainId: f.chainId + 1n,
        verifyingContract: f.vault.address,
      });
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        f.remunerate(f.certificate.claims, f.certificate.signatureEip2537, sig),
        f.vault,
        "Core4MicaInvalidPayerSignature",
        [f.payer.address],
      );
    });

    it("when the payer signature is missing", async function () {
      const f = await openFixture();
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        f.remunerate(f.certificate.claims, f.certificate.signatureEip2537, "0x"),
        f.vault,
        "Core4MicaInvalidPayerSignature",
        [f.payer.address],
      );
    });

    it("when the payer signature was made by someone else", async function () {
      const f = await openFixture();
      const impostor = privateKeyToAccount(generatePrivateKey());
      const sig = await signGuaranteeRequest(impostor, f.request, {
        chainId: f.chainId,
        verifyingContract: f.vault.address,
      });
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        f.remunerate(f.certificate.claims, f.certificate.signatureEip2537, sig),
        f.vault,
        "Core4MicaInvalidPayerSignature",
        [f.payer.address],
      );
    });

    it("before the remuneration grace period has passed", async function () {
      const f = await redemptionFixture();
      await f.answer(90, "quality");
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        f.remunerate(f.certificate.claims),
        f.vault,
        "Core4MicaRemunerationNotOpen",
        [f.timestamp + 14n * DAY],
      );
    });

    it("after the guarantee has expired", async function () {
      const f = await redemptionFixture();
      await f.answer(90, "quality");
      await f.networkHelpers.time.increaseTo(f.timestamp + 21n * DAY);
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        f.remunerate(f.certificate.claims),
        f.vault,
        "Core4MicaGuaranteeExpired",
        [f.timestamp + 21n * DAY],
      );
    });

    it("remunerateBatch, when the aggregate leaves one certificate's signature out", async function () {
      const f = await openFixture();
      const second = await f.another(43n);
      const aggregate = g2ToEip2537(aggregateSignatures([f.certificate.signature]));
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        f.vault.write.remunerateBatch([
          [f.certificate.claims, second.certificate.claims],
          aggregate,
          [f.payerSignature, second.payerSignature],
        ]),
        f.vault,
        "Core4MicaInvalidAggregateSignature",
        [2n],
      );
    });

    it("when the registry's answer is below the signed minimum score", async function () {
      const f = await redemptionFixture();
      await f.answer(50, "quality");
      await f.networkHelpers.time.increaseTo(f.timestamp + 14n * DAY);
      const decoder = await f.viem.getContractAt(
        "ValidationRegistryGuaranteeDecoder",
        f.stack.contracts.ValidationRegistryGuaranteeDecoder,
      );
      await f.viem.assertions.revertWithCustomErrorWithArgs(
        f.remunerate(f.certificate.claims),
        decoder,
        "V2DecoderValidationScoreTooLow",
        [50, 80],
      );
    });
  });
});
