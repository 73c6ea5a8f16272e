import { decodeAbiParameters, encodeAbiParameters, type Hex } from "viem";

import { bytesHex, hexBytes, paddedWith, wordToBigInt } from "./hex.ts";

/** The V2 policy fields of a certificate, in the order of docs/protocol.md §4.2. */
export interface ClaimsPolicy {
  validationRegistry: Hex;
  validationRequestHash: Hex;
  validationChainId: bigint;
  validatorAddress: Hex;
  validatorAgentId: bigint;
  minValidationScore: number;
  validationSubjectHash: Hex;
  jobHash: Hex;
  requiredValidationTag: string;
}

/** A certificate's decoded claims (addresses lowercase). */
export interface Claims {
  version: number;
  domain: Hex;
  cycleId: bigint;
  user: Hex;
  recipient: Hex;
  reqId: bigint;
  amount: bigint;
  asset: Hex;
  timestamp: bigint;
  policy?: ClaimsPolicy;
}

const V1_INNER_WORDS = 9;
const U64_PAD = 24;
const ADDRESS_PAD = 12;

const V2_TUPLE = [
  {
    type: "tuple",
    components: [
      { name: "domain", type: "bytes32" },
      { name: "cycleId", type: "uint256" },
      { name: "version", type: "uint64" },
      { name: "user", type: "address" },
      { name: "recipient", type: "address" },
      { name: "reqId", type: "uint256" },
      { name: "amount", type: "uint256" },
      { name: "asset", type: "address" },
      { name: "timestamp", type: "uint64" },
      { name: "validationRegistry", type: "address" },
      { name: "validationRequestHash", type: "bytes32" },
      { name: "validationChainId", type: "uint64" },
      { name: "validatorAddress", type: "address" },
      { name: "validatorAgentId", type: "uint256" },
      { name: "minValidationScore", type: "uint8" },
      { name: "validationSubjectHash", type: "bytes32" },
      { name: "jobHash", type: "bytes32" },
      { name: "requiredValidationTag", type: "string" },
    ],
  },
] as const;

/**
 * Decodes a certificate envelope `abi.encode(uint64 version, bytes inner)` (docs/protocol.md §4.2), written from
 * the spec rather than imported, so that the audit does not trust the project's own decoder. Refuses anything but
 * the canonical encoding: V1 exactly nine static words with clean padding and the inner version equal to the
 * envelope's; V2 the dynamic tuple, re-encoded byte for byte. Returns the reason as a string when it refuses.
 */
export function decodeClaims(claims: string): Claims | string {
  let b: Buffer;
  try {
    b = hexBytes(claims);
  } catch {
    return "claims are not hex";
  }
  return decodeClaimsBytes(b);
}

/** {@link decodeClaims} of the envelope's bytes. */
export function decodeClaimsBytes(b: Buffer): Claims | string {
  if (b.length < 96 || b.length % 32 !== 0) return `envelope is ${b.length} bytes`;
  if (!paddedWith(b, 0, U64_PAD)) return "envelope version is not a uint64";
  const version = Number(wordToBigInt(b, 0));
  if (wordToBigInt(b, 32) !== 64n) return "envelope's bytes offset is not 0x40";
  const innerLength = wordToBigInt(b, 64);
  const paddedInner = Math.ceil(Number(innerLength) / 32) * 32;
  if (innerLength > BigInt(b.length) || b.length !== 96 + paddedInner) return "envelope length does not match";
  const inner = b.subarray(96, 96 + Number(innerLength));
  if (version === 1) {
    if (inner.length !== V1_INNER_WORDS * 32) return `V1 inner is ${inner.length} bytes, not ${V1_INNER_WORDS * 32}`;
    const w = (i: number) => wordToBigInt(inner, i * 32);
    const addr = (i: number): Hex | undefined =>
      paddedWith(inner, i * 32, ADDRESS_PAD) ? bytesHex(inner.subarray(i * 32 + 12, i * 32 + 32)) : undefined;
    const user = addr(3);
    const recipient = addr(4);
    const asset = addr(7);
    if (!user || !recipient || !asset) return "an address is not padded canonically";
    if (!paddedWith(inner, 2 * 32, U64_PAD) || !paddedWith(inner, 8 * 32, U64_PAD)) return "a uint64 overflows";
    if (w(2) !== 1n) return `inner version ${w(2)} is not the envelope's 1`;
    return {
      version: 1,
      domain: bytesHex(inner.subarray(0, 32)),
      cycleId: w(1),
      user,
      recipient,
      reqId: w(5),
      amount: w(6),
      asset,
      timestamp: w(8),
    };
  }
  if (version === 2) {
    try {
      const innerHex = bytesHex(inner);
      const [g] = decodeAbiParameters(V2_TUPLE, innerHex);
      if (encodeAbiParameters(V2_TUPLE, [g]).toLowerCase() !== innerHex) return "V2 inner is not canonical";
      if (g.version !== 2n) return `inner version ${g.version} is not the envelope's 2`;
      return {
        version: 2,
        domain: g.domain,
        cycleId: g.cycleId,
        user: g.user.toLowerCase() as Hex,
        recipient: g.recipient.toLowerCase() as Hex,
        reqId: g.reqId,
        amount: g.amount,
        asset: g.asset.toLowerCase() as Hex,
        timestamp: g.timestamp,
        policy: {
          validationRegistry: g.validationRegistry.toLowerCase() as Hex,
          validationRequestHash: g.validationRequestHash,
          validationChainId: g.validationChainId,
          validatorAddress: g.validatorAddress.toLowerCase() as Hex,
          validatorAgentId: g.validatorAgentId,
          minValidationScore: g.minValidationScore,
          validationSubjectHash: g.validationSubjectHash,
          jobHash: g.jobHash,
          requiredValidationTag: g.requiredValidationTag,
        },
      };
    } catch {
      return "V2 inner does not decode";
    }
  }
  return `unknown version ${version}`;
}
