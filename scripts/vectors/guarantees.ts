/**
 * Writes test/vectors/guarantees.json: guarantee encodings pinned for both the TypeScript and the Solidity tests.
 * Run with `node scripts/vectors/guarantees.ts`; the mocha suite fails if the committed file is stale.
 *
 * Every private key here is a TEST KEY derived from a public string. Never fund its address.
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

import {
  concat,
  encodeAbiParameters,
  encodeErrorResult,
  getAddress,
  keccak256,
  maxUint256,
  maxUint64,
  pad,
  parseAbi,
  toHex,
  zeroAddress,
  type Address,
  type Hex,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";

import {
  buildValidationPolicy,
  type ValidationPolicyInputs,
} from "../../offchain/src/protocol/buildValidationPolicy.ts";
import { encodeEnvelope } from "../../offchain/src/protocol/encodeEnvelope.ts";
import { guaranteeDomain } from "../../offchain/src/protocol/guaranteeDomain.ts";
import { guaranteeId } from "../../offchain/src/protocol/guaranteeId.ts";
import { guaranteeRequestStructHash } from "../../offchain/src/protocol/guaranteeRequestStructHash.ts";
import { requestDomainSeparator } from "../../offchain/src/protocol/requestDomainSeparator.ts";
import type {
  Guarantee,
  GuaranteeRequest,
  GuaranteeRequestFields,
} from "../../offchain/src/protocol/guaranteeTypes.ts";
import { hashGuaranteeRequest } from "../../offchain/src/protocol/hashGuaranteeRequest.ts";
import { signGuaranteeRequest } from "../../offchain/src/protocol/signGuaranteeRequest.ts";

export const VECTORS_PATH = fileURLToPath(new URL("../../test/vectors/guarantees.json", import.meta.url));

/** A test key derived from a public label: anyone can recompute it, so it must never hold funds. */
function testKey(label: string): Hex {
  return keccak256(toHex(`4MICA TEST KEY, NEVER FUND: ${label}`));
}

function testAddress(label: string): Address {
  return getAddress(keccak256(toHex(label)).slice(0, 42));
}

const maxAddress = getAddress("0xffffffffffffffffffffffffffffffffffffffff");

interface CaseInput {
  description: string;
  payerLabel: string;
  chainId: bigint;
  core: Address;
  cycleId: bigint;
  request: GuaranteeRequestFields & { recipient: Address };
  policy?: ValidationPolicyInputs;
}

const CORE_LOCAL = testAddress("core4mica-local");
const CORE_BASE = testAddress("core4mica-base");
const USDC = testAddress("usdc-token");
const REGISTRY = testAddress("erc8004-validation-registry");
const VALIDATOR = testAddress("validator");

function caseInputs(): Record<string, CaseInput> {
  const payer = (label: string) => privateKeyToAccount(testKey(label)).address;
  return {
    v1_eth: {
      description: "V1, ETH (zero asset), local chain",
      payerLabel: "payer-1",
      chainId: 31337n,
      core: CORE_LOCAL,
      cycleId: 3n,
      request: {
        user: payer("payer-1"),
        recipient: testAddress("recipient-1"),
        reqId: 1n,
        amount: 10n ** 15n,
        asset: zeroAddress,
        timestamp: 1_767_225_600n,
      },
    },
    v1_token: {
      description: "V1, ERC-20 asset (6 decimals), Base chain id",
      payerLabel: "payer-2",
      chainId: 8453n,
      core: CORE_BASE,
      cycleId: 20_454n,
      request: {
        user: payer("payer-2"),
        recipient: testAddress("recipient-2"),
        reqId: 42n,
        amount: 2_500_000n,
        asset: USDC,
        timestamp: 1_767_312_000n,
      },
    },
    v1_max_values: {
      description: "V1, every integer at its type's maximum and all-ones addresses",
      payerLabel: "payer-3",
      chainId: maxUint64,
      core: maxAddress,
      cycleId: maxUint256,
      request: {
        user: payer("payer-3"),
        recipient: maxAddress,
        reqId: maxUint256,
        amount: maxUint256,
        asset: maxAddress,
        timestamp: maxUint64,
      },
    },
    v1_zero_values: {
      description: "V1, zero request id, amount, timestamp and cycle",
      payerLabel: "payer-1",
      chainId: 1n,
      core: CORE_LOCAL,
      cycleId: 0n,
      request: {
        user: payer("payer-1"),
        recipient: testAddress("recipient-1"),
        reqId: 0n,
        amount: 0n,
        asset: zeroAddress,
        timestamp: 0n,
      },
    },
    v2_empty_tag: {
      description: "V2, ETH, empty required tag (any tag accepted)",
      payerLabel: "payer-1",
      chainId: 31337n,
      core: CORE_LOCAL,
      cycleId: 3n,
      request: {
        user: payer("payer-1"),
        recipient: testAddress("recipient-1"),
        reqId: 7n,
        amount: 5n * 10n ** 17n,
        asset: zeroAddress,
        timestamp: 1_767_225_601n,
      },
      policy: {
        validationRegistry: REGISTRY,
        validationChainId: 31337n,
        validatorAddress: VALIDATOR,
        validatorAgentId: 17n,
        minValidationScore: 80,
        jobHash: keccak256(toHex("job: summarize https://example.com/report")),
        requiredValidationTag: "",
      },
    },
    v2_ascii_tag: {
      description: "V2, ERC-20 asset, ASCII tag",
      payerLabel: "payer-2",
      chainId: 8453n,
      core: CORE_BASE,
      cycleId: 20_454n,
      request: {
        user: payer("payer-2"),
        recipient: testAddress("recipient-2"),
        reqId: 43n,
        amount: 1_000_000n,
        asset: USDC,
        timestamp: 1_767_312_001n,
      },
      policy: {
        validationRegistry: REGISTRY,
        validationChainId: 8453n,
        validatorAddress: VALIDATOR,
        validatorAgentId: 1n,
        minValidationScore: 1,
        jobHash: keccak256(toHex("job: code-review #43")),
        requiredValidationTag: "code-review",
      },
    },
    v2_unicode_tag: {
      description: "V2, multi-byte UTF-8 tag longer than one word (tag hashed over its UTF-8 bytes)",
      payerLabel: "payer-3",
      chainId: 31337n,
      core: CORE_LOCAL,
      cycleId: 4n,
      request: {
        user: payer("payer-3"),
        recipient: testAddress("recipient-3"),
        reqId: 2n ** 128n + 5n,
        amount: 123_456_789n,
        asset: USDC,
        timestamp: 1_767_398_400n,
      },
      policy: {
        validationRegistry: REGISTRY,
        validationChainId: 31337n,
        validatorAddress: VALIDATOR,
        validatorAgentId: 2n ** 64n,
        minValidationScore: 50,
        jobHash: keccak256(toHex("job: traduction vérifiée")),
        requiredValidationTag: "vérification ✓ 验证 🚀 — qualité",
      },
    },
    v2_max_values: {
      description: "V2, every integer at its maximum, score 100",
      payerLabel: "payer-4",
      chainId: maxUint64,
      core: maxAddress,
      cycleId: maxUint256,
      request: {
        user: payer("payer-4"),
        recipient: maxAddress,
        reqId: maxUint256,
        amount: maxUint256,
        asset: maxAddress,
        timestamp: maxUint64,
      },
      policy: {
        validationRegistry: maxAddress,
        validationChainId: maxUint64,
        validatorAddress: maxAddress,
        validatorAgentId: maxUint256,
        minValidationScore: 100,
        jobHash: `0x${"ff".repeat(32)}`,
        requiredValidationTag: "x".repeat(64),
      },
    },
  };
}

const json = (v: unknown): unknown =>
  JSON.parse(JSON.stringify(v, (_k, x: unknown) => (typeof x === "bigint" ? x.toString() : x)));

async function buildCase(input: CaseInput) {
  const account = privateKeyToAccount(testKey(input.payerLabel));
  const version = input.policy === undefined ? 1 : 2;
  const request: GuaranteeRequest =
    input.policy === undefined
      ? { version: 1, ...input.request }
      : { version: 2, ...input.request, policy: buildValidationPolicy(input.request, input.policy) };
  const eip712Domain = { chainId: input.chainId, verifyingContract: input.core };
  const domain = guaranteeDomain(version, input.chainId, input.core);
  const guarantee: Guarantee = { ...request, domain, cycleId: input.cycleId };
  const envelope = encodeEnvelope(guarantee);
  return json({
    description: input.description,
    payer: { privateKey: testKey(input.payerLabel), address: account.address },
    chainId: input.chainId,
    verifyingContract: input.core,
    core: input.core,
    guarantee,
    structHash: guaranteeRequestStructHash(request),
    digest: hashGuaranteeRequest(request, eip712Domain),
    signature: await signGuaranteeRequest(account, request, eip712Domain),
    envelope,
    // The inner bytes start after the version, offset and length words.
    inner: `0x${envelope.slice(2 + 96 * 2)}`,
    requestDomainSeparator: requestDomainSeparator(eip712Domain),
    guaranteeId: guaranteeId(guarantee, eip712Domain),
  });
}

/** The Solidity `GuaranteeCodec` errors, to pin the exact revert data of each malformed input. */
const codecErrors = parseAbi([
  "error GuaranteeCodecTooShort(uint256 minimum, uint256 actual)",
  "error GuaranteeCodecInvalidLength(uint256 expected, uint256 actual)",
  "error GuaranteeCodecLengthOutOfBounds(uint256 declared, uint256 available)",
  "error GuaranteeCodecInvalidOffset(uint256 expected, uint256 actual)",
  "error GuaranteeCodecFieldOutOfRange(uint256 position, uint256 word)",
  "error GuaranteeCodecNonZeroPadding(uint256 lastWord)",
  "error GuaranteeCodecVersionMismatch(uint64 expected, uint64 actual)",
]);

type CodecError = (typeof codecErrors)[number]["name"];

function revertData(errorName: CodecError, args: readonly bigint[]): Hex {
  return encodeErrorResult({ abi: codecErrors, errorName, args } as Parameters<typeof encodeErrorResult>[0]);
}

/** Replaces the 32-byte word at byte `position` of `data`. */
function setWord(data: Hex, position: number, word: bigint): Hex {
  const start = 2 + position * 2;
  return `0x${data.slice(2, start)}${pad(toHex(word)).slice(2)}${data.slice(start + 64)}`;
}

const wrap = (version: bigint, inner: Hex): Hex =>
  encodeAbiParameters([{ type: "uint64" }, { type: "bytes" }], [version, inner]);

/**
 * Inputs both decoders must refuse: the TypeScript error code and the Solidity revert data
 * (decodeEnvelope, then decodeV1 or decodeV2 by envelope version).
 */
function malformedCases(v1Envelope: Hex, v1Inner: Hex, v2Inner: Hex) {
  const MALFORMED = "MALFORMED_GUARANTEE_ENVELOPE";
  const MISMATCH = "GUARANTEE_VERSION_MISMATCH";
  const dirtyVersion = (1n << 255n) | 1n;
  const dirtyUser = (1n << 200n) | BigInt(`0x${v1Inner.slice(2 + 96 * 2, 2 + 128 * 2)}`);
  const v2Len = (v2Inner.length - 2) / 2;
  // A V2 inner whose tag has a length that is not a multiple of 32, with a dirty padding byte.
  const shortTagInner = setWord(v2Inner, 608, 31n);
  const lastWord = BigInt(`0x${shortTagInner.slice(-64)}`) | 1n;
  const dirtyPadding = setWord(shortTagInner, v2Len - 32, lastWord);
  const cases: Record<string, { envelope: Hex; code: string; revertData: Hex }> = {
    empty: { envelope: "0x", code: MALFORMED, revertData: revertData("GuaranteeCodecTooShort", [96n, 0n]) },
    truncated_head: {
      envelope: v1Envelope.slice(0, 2 + 95 * 2) as Hex,
      code: MALFORMED,
      revertData: revertData("GuaranteeCodecTooShort", [96n, 95n]),
    },
    truncated_inner: {
      envelope: v1Envelope.slice(0, -64) as Hex,
      code: MALFORMED,
      revertData: revertData("GuaranteeCodecLengthOutOfBounds", [288n, 256n]),
    },
    trailing_byte: {
      envelope: concat([v1Envelope, "0x00"]),
      code: MALFORMED,
      revertData: revertData("GuaranteeCodecInvalidLength", [384n, 385n]),
    },
    non_canonical_offset: {
      envelope: concat([
        setWord(v1Envelope.slice(0, 2 + 64 * 2) as Hex, 32, 96n),
        pad("0x00"),
        `0x${v1Envelope.slice(2 + 64 * 2)}`,
      ]),
      code: MALFORMED,
      revertData: revertData("GuaranteeCodecInvalidOffset", [64n, 96n]),
    },
    dirty_version_word: {
      envelope: setWord(v1Envelope, 0, dirtyVersion),
      code: MALFORMED,
      revertData: revertData("GuaranteeCodecFieldOutOfRange", [0n, dirtyVersion]),
    },
    garbage: {
      envelope: `0x${"ff".repeat(200)}`,
      code: MALFORMED,
      revertData: revertData("GuaranteeCodecFieldOutOfRange", [0n, maxUint256]),
    },
    v1_dirty_address: {
      envelope: wrap(1n, setWord(v1Inner, 96, dirtyUser)),
      code: MALFORMED,
      revertData: revertData("GuaranteeCodecFieldOutOfRange", [96n, dirtyUser]),
    },
    v1_inner_too_long: {
      envelope: wrap(1n, v2Inner),
      code: MALFORMED,
      revertData: revertData("GuaranteeCodecInvalidLength", [288n, BigInt(v2Len)]),
    },
    v2_inner_too_short: {
      envelope: wrap(2n, v1Inner),
      code: MALFORMED,
      revertData: revertData("GuaranteeCodecTooShort", [640n, 288n]),
    },
    v2_bad_tuple_offset: {
      envelope: wrap(2n, setWord(v2Inner, 0, 0x40n)),
      code: MALFORMED,
      revertData: revertData("GuaranteeCodecInvalidOffset", [0x20n, 0x40n]),
    },
    v2_bad_tag_offset: {
      envelope: wrap(2n, setWord(v2Inner, 32 + 17 * 32, 0x260n)),
      code: MALFORMED,
      revertData: revertData("GuaranteeCodecInvalidOffset", [0x240n, 0x260n]),
    },
    v2_tag_length_out_of_bounds: {
      envelope: wrap(2n, setWord(v2Inner, 608, 2n ** 64n)),
      code: MALFORMED,
      revertData: revertData("GuaranteeCodecLengthOutOfBounds", [2n ** 64n, BigInt(v2Len - 640)]),
    },
    v2_dirty_padding: {
      envelope: wrap(2n, dirtyPadding),
      code: MALFORMED,
      revertData: revertData("GuaranteeCodecNonZeroPadding", [lastWord]),
    },
    v2_dirty_score: {
      envelope: wrap(2n, setWord(v2Inner, 480, 256n)),
      code: MALFORMED,
      revertData: revertData("GuaranteeCodecFieldOutOfRange", [480n, 256n]),
    },
    v1_version_mismatch: {
      envelope: wrap(1n, setWord(v1Inner, 64, 2n)),
      code: MISMATCH,
      revertData: revertData("GuaranteeCodecVersionMismatch", [1n, 2n]),
    },
    v2_version_mismatch: {
      envelope: wrap(2n, setWord(v2Inner, 96, 1n)),
      code: MISMATCH,
      revertData: revertData("GuaranteeCodecVersionMismatch", [2n, 1n]),
    },
  };
  return cases;
}

export async function buildGuaranteeVectors(): Promise<unknown> {
  const cases: Record<string, unknown> = {};
  for (const [name, input] of Object.entries(caseInputs())) cases[name] = await buildCase(input);
  const v1 = cases.v1_token as { envelope: Hex; inner: Hex };
  const v2 = cases.v2_ascii_tag as { inner: Hex };
  return json({
    comment:
      "Generated by `node scripts/vectors/guarantees.ts`; do not edit. Every privateKey is a PUBLIC TEST KEY: never fund it.",
    cases,
    malformed: malformedCases(v1.envelope, v1.inner, v2.inner),
    unsupported: {
      version_0: { envelope: wrap(0n, v1.inner), code: "UNSUPPORTED_GUARANTEE_VERSION" },
      version_3: { envelope: wrap(3n, v1.inner), code: "UNSUPPORTED_GUARANTEE_VERSION" },
      version_max: { envelope: wrap(maxUint64, v1.inner), code: "UNSUPPORTED_GUARANTEE_VERSION" },
    },
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const vectors = await buildGuaranteeVectors();
  writeFileSync(VECTORS_PATH, `${JSON.stringify(vectors, null, 2)}\n`);
  console.log(`wrote ${VECTORS_PATH}`);
}
