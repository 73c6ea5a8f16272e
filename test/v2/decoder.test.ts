import { expect } from "chai";
import hre, { network } from "hardhat";
import {
  decodeAbiParameters,
  getAddress,
  getContract,
  keccak256,
  parseAbi,
  toFunctionSelector,
  toHex,
  zeroAddress,
  type Abi,
  type AbiParameter,
  type Address,
  type Hex,
} from "viem";

import { buildValidationPolicy } from "../../offchain/src/protocol/buildValidationPolicy.ts";
import { encodeEnvelope } from "../../offchain/src/protocol/encodeEnvelope.ts";
import { envelopeAbi } from "../../offchain/src/protocol/guaranteeAbi.ts";
import { guaranteeRequestStructHash } from "../../offchain/src/protocol/guaranteeRequestStructHash.ts";
import type { GuaranteeRequestFields, GuaranteeV2 } from "../../offchain/src/protocol/guaranteeTypes.ts";

const { viem, networkHelpers } = await network.create();

type WalletClient = Awaited<ReturnType<typeof viem.getWalletClients>>[number];

// The ABIs the off-chain code relies on, written out: the ERC-8004 v2.0.0 validation registry ABI and the decoder's
// interface. The first test checks that the compiled contracts expose exactly these items, so the rest of the suite
// calls the contracts as a client that only knows the standard would.
const identityRegistryAbi = parseAbi(["function register() returns (uint256 agentId)"]);
const validationRegistryAbi = parseAbi([
  "function validationRequest(address validatorAddress, uint256 agentId, string requestURI, bytes32 requestHash)",
  "function validationResponse(bytes32 requestHash, uint8 response, string responseURI, bytes32 responseHash, string tag)",
  "function getValidationStatus(bytes32 requestHash) view returns (address validatorAddress, uint256 agentId, uint8 response, bytes32 responseHash, string tag, uint256 lastUpdate)",
  "event ValidationRequest(address indexed validatorAddress, uint256 indexed agentId, string requestURI, bytes32 indexed requestHash)",
  "event ValidationResponse(address indexed validatorAddress, uint256 indexed agentId, bytes32 indexed requestHash, uint8 response, string responseURI, bytes32 responseHash, string tag)",
]);
const decoderAbi = parseAbi([
  "struct Guarantee { bytes32 domain; uint256 cycleId; uint64 version; address user; address recipient; uint256 reqId; uint256 amount; address asset; uint64 timestamp; }",
  "function decode(bytes inner) view returns (Guarantee guarantee, bytes32 requestStructHash)",
  "function checkRedeemable(bytes inner) view",
  "function setTrustedRegistry(address registry, bool trusted)",
  "function isTrustedRegistry(address registry) view returns (bool)",
  "event TrustedRegistrySet(address indexed registry, bool trusted)",
  "error V2DecoderUntrustedRegistry(address registry)",
  "error V2DecoderValidationLookupFailed(address registry, bytes32 requestHash)",
  "error V2DecoderValidationPending(bytes32 requestHash)",
  "error V2DecoderValidationScoreTooLow(uint8 response, uint8 minValidationScore)",
  "error V2DecoderValidatorMismatch(address expected, address actual)",
  "error V2DecoderTagMismatch(bytes32 expected, bytes32 actual)",
  "error AccessManagedUnauthorized(address caller)",
]);
const accessManagerAbi = parseAbi([
  "function setTargetFunctionRole(address target, bytes4[] selectors, uint64 roleId)",
  "function grantRole(uint64 roleId, address account, uint32 executionDelay)",
]);

const ROLE_GOVERNANCE = 1n;
const TAG = "hard-finality";
const MIN_SCORE = 70;

/** The `inner` bytes of a V2 certificate, taken from the shared envelope encoder. */
function innerOf(guarantee: GuaranteeV2): Hex {
  const [, inner] = decodeAbiParameters(envelopeAbi, encodeEnvelope(guarantee));
  return inner;
}

/** An ABI item as a string of what the wire format depends on: kind, name, types (tuples expanded), indexing,
 *  mutability and outputs. Parameter names are left out. */
function describeAbiItem(item: Abi[number]): string {
  const param = (p: AbiParameter): string => {
    const type = p.type.startsWith("tuple")
      ? `(${("components" in p ? p.components : []).map(param).join(",")})${p.type.slice("tuple".length)}`
      : p.type;
    return "indexed" in p && p.indexed === true ? `${type} indexed` : type;
  };
  const name = "name" in item ? item.name : "";
  const inputs = "inputs" in item ? item.inputs.map(param).join(",") : "";
  const mutability = "stateMutability" in item ? ` ${item.stateMutability}` : "";
  const outputs = "outputs" in item ? ` returns (${item.outputs.map(param).join(",")})` : "";
  return `${item.type} ${name}(${inputs})${mutability}${outputs}`;
}

/** Wallet client `i` of the test chain (the default chain has 20 funded accounts). */
async function walletClient(i: number): Promise<WalletClient> {
  const wallet = (await viem.getWalletClients())[i];
  if (wallet === undefined) throw new Error(`The test chain has no wallet client ${i}.`);
  return wallet;
}

describe("ValidationRegistryGuaranteeDecoder", function () {
  async function deployDecoderFixture() {
    const admin = await walletClient(0);
    const governance = await walletClient(1);
    const agentOwner = await walletClient(2);
    const validator = await walletClient(3);
    const otherValidator = await walletClient(4);
    const payer = await walletClient(5);
    const recipient = await walletClient(6);
    const stranger = await walletClient(7);
    const publicClient = await viem.getPublicClient();
    const client = { public: publicClient, wallet: admin };

    const managerAddress = (await viem.deployContract("AccessManager", [admin.account.address])).address;
    const identityAddress = (await viem.deployContract("ERC8004IdentityRegistry")).address;
    const registryAddress = (await viem.deployContract("ERC8004ValidationRegistry", [identityAddress])).address;
    const decoderAddress = (
      await viem.deployContract("ValidationRegistryGuaranteeDecoder", [managerAddress, [registryAddress]])
    ).address;
    const manager = getContract({ address: managerAddress, abi: accessManagerAbi, client });
    const identity = getContract({ address: identityAddress, abi: identityRegistryAbi, client });
    const registry = getContract({ address: registryAddress, abi: validationRegistryAbi, client });
    const decoder = getContract({ address: decoderAddress, abi: decoderAbi, client });

    await manager.write.setTargetFunctionRole([
      decoder.address,
      [toFunctionSelector("setTrustedRegistry(address,bool)")],
      ROLE_GOVERNANCE,
    ]);
    await manager.write.grantRole([ROLE_GOVERNANCE, governance.account.address, 0]);

    // Agent 0 belongs to a stranger, so the agent under test has id 1.
    await identity.write.register({ account: stranger.account });
    await identity.write.register({ account: agentOwner.account });
    const agentId = 1n;
    const chainId = BigInt(await publicClient.getChainId());
    const now = (await publicClient.getBlock()).timestamp;

    const request: GuaranteeRequestFields = {
      user: payer.account.address,
      recipient: recipient.account.address,
      reqId: 42n,
      amount: 1_500_000n,
      asset: zeroAddress,
      timestamp: now,
    };
    const policy = buildValidationPolicy(request, {
      validationRegistry: registry.address,
      validationChainId: chainId,
      validatorAddress: validator.account.address,
      validatorAgentId: agentId,
      minValidationScore: MIN_SCORE,
      jobHash: keccak256(toHex("job-1")),
      requiredValidationTag: TAG,
    });
    const guarantee: GuaranteeV2 = { ...request, version: 2, policy, domain: keccak256(toHex("domain")), cycleId: 3n };

    return {
      governance,
      agentOwner,
      validator,
      otherValidator,
      stranger,
      identityAddress,
      registry,
      decoder,
      agentId,
      guarantee,
      inner: innerOf(guarantee),
    };
  }

  type Fixture = Awaited<ReturnType<typeof deployDecoderFixture>>;

  async function requestValidation(f: Fixture, validatorAddress: Address = f.validator.account.address) {
    const hash = await f.registry.write.validationRequest(
      [validatorAddress, f.agentId, "ipfs://job-1", f.guarantee.policy.validationRequestHash],
      { account: f.agentOwner.account },
    );
    await viem.assertions.emitWithArgs(hash, f.registry, "ValidationRequest", [
      validatorAddress,
      f.agentId,
      "ipfs://job-1",
      f.guarantee.policy.validationRequestHash,
    ]);
  }

  async function answer(f: Fixture, response: number, tag: string = TAG, from: WalletClient = f.validator) {
    await f.registry.write.validationResponse(
      [f.guarantee.policy.validationRequestHash, response, "ipfs://evidence", keccak256(toHex("evidence")), tag],
      { account: from.account },
    );
  }

  describe("ABI", function () {
    for (const [name, abi] of [
      ["ERC8004IdentityRegistry", identityRegistryAbi],
      ["ERC8004ValidationRegistry", validationRegistryAbi],
      ["ValidationRegistryGuaranteeDecoder", decoderAbi],
    ] as const) {
      it(`${name} exposes the items this suite calls it through`, async function () {
        const artifact = await hre.artifacts.readArtifact(name);
        const compiled = (artifact.abi as Abi).map(describeAbiItem);
        for (const item of abi) expect(compiled).to.include(describeAbiItem(item));
      });
    }
  });

  describe("decode", function () {
    it("returns the base guarantee and the payer request's EIP-712 struct hash", async function () {
      const { decoder, guarantee, inner } = await networkHelpers.loadFixture(deployDecoderFixture);
      const [base, structHash] = await decoder.read.decode([inner]);
      expect(base).to.deep.equal({
        domain: guarantee.domain,
        cycleId: guarantee.cycleId,
        version: 2n,
        user: getAddress(guarantee.user),
        recipient: getAddress(guarantee.recipient),
        reqId: guarantee.reqId,
        amount: guarantee.amount,
        asset: guarantee.asset,
        timestamp: guarantee.timestamp,
      });
      // The TypeScript and Solidity struct hashes agree, so the vault checks what the payer's wallet signed.
      expect(structHash).to.equal(guaranteeRequestStructHash(guarantee));
    });

    it("reverts when the registry is not trusted", async function () {
      const f = await networkHelpers.loadFixture(deployDecoderFixture);
      await f.decoder.write.setTrustedRegistry([f.registry.address, false], { account: f.governance.account });
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.decoder.read.decode([f.inner]),
        f.decoder,
        "V2DecoderUntrustedRegistry",
        [f.registry.address],
      );
    });
  });

  describe("checkRedeemable", function () {
    it("passes once the validator's answer meets the policy", async function () {
      const f = await networkHelpers.loadFixture(deployDecoderFixture);
      await requestValidation(f);
      await answer(f, 90);
      // A view: a successful eth_call returns nothing; a failing one rejects.
      expect(await f.decoder.read.checkRedeemable([f.inner])).to.equal(undefined);
    });

    it("reverts as lookup failed when the hash was never requested", async function () {
      const f = await networkHelpers.loadFixture(deployDecoderFixture);
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.decoder.read.checkRedeemable([f.inner]),
        f.decoder,
        "V2DecoderValidationLookupFailed",
        [f.registry.address, f.guarantee.policy.validationRequestHash],
      );
    });

    it("reverts as score too low (0) while the request is pending an answer", async function () {
      // The reference registry stamps lastUpdate at request time: pending reads as response 0.
      const f = await networkHelpers.loadFixture(deployDecoderFixture);
      await requestValidation(f);
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.decoder.read.checkRedeemable([f.inner]),
        f.decoder,
        "V2DecoderValidationScoreTooLow",
        [0, MIN_SCORE],
      );
    });

    it("reverts as pending when a registry reports lastUpdate 0", async function () {
      const f = await networkHelpers.loadFixture(deployDecoderFixture);
      const lazy = await viem.deployContract("FixedStatusRegistry", [f.validator.account.address, f.agentId, 100]);
      await f.decoder.write.setTrustedRegistry([lazy.address, true], { account: f.governance.account });
      const policy = buildValidationPolicy(f.guarantee, {
        ...f.guarantee.policy,
        validationRegistry: lazy.address,
      });
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.decoder.read.checkRedeemable([innerOf({ ...f.guarantee, policy })]),
        f.decoder,
        "V2DecoderValidationPending",
        [policy.validationRequestHash],
      );
    });

    it("reverts when the score is below the minimum", async function () {
      const f = await networkHelpers.loadFixture(deployDecoderFixture);
      await requestValidation(f);
      await answer(f, MIN_SCORE - 1);
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.decoder.read.checkRedeemable([f.inner]),
        f.decoder,
        "V2DecoderValidationScoreTooLow",
        [MIN_SCORE - 1, MIN_SCORE],
      );
    });

    it("reverts when the canonical hash was requested from another validator", async function () {
      const f = await networkHelpers.loadFixture(deployDecoderFixture);
      await requestValidation(f, f.otherValidator.account.address);
      await answer(f, 100, TAG, f.otherValidator);
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.decoder.read.checkRedeemable([f.inner]),
        f.decoder,
        "V2DecoderValidatorMismatch",
        [f.validator.account.address, f.otherValidator.account.address],
      );
    });

    it("reverts when the answer carries another tag", async function () {
      const f = await networkHelpers.loadFixture(deployDecoderFixture);
      await requestValidation(f);
      await answer(f, 100, "soft-finality");
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.decoder.read.checkRedeemable([f.inner]),
        f.decoder,
        "V2DecoderTagMismatch",
        [keccak256(toHex(TAG)), keccak256(toHex("soft-finality"))],
      );
    });
  });

  describe("setTrustedRegistry", function () {
    it("lets governance add a registry and emits TrustedRegistrySet", async function () {
      const f = await networkHelpers.loadFixture(deployDecoderFixture);
      const other = await viem.deployContract("ERC8004ValidationRegistry", [f.identityAddress]);
      expect(await f.decoder.read.isTrustedRegistry([other.address])).to.equal(false);
      await viem.assertions.emitWithArgs(
        f.decoder.write.setTrustedRegistry([other.address, true], { account: f.governance.account }),
        f.decoder,
        "TrustedRegistrySet",
        [other.address, true],
      );
      expect(await f.decoder.read.isTrustedRegistry([other.address])).to.equal(true);
    });

    it("reverts when the caller is not governance", async function () {
      const f = await networkHelpers.loadFixture(deployDecoderFixture);
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.decoder.write.setTrustedRegistry([f.stranger.account.address, true], { account: f.stranger.account }),
        f.decoder,
        "AccessManagedUnauthorized",
        [f.stranger.account.address],
      );
    });
  });
});
