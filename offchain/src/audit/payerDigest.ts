import type { Hex } from "viem";

import type { Claims } from "./decodeClaims.ts";
import { addressWord, hexBytes, word } from "./hex.ts";
import { keccak, keccakText } from "./keccak.ts";

/** The EIP-712 type strings of docs/protocol.md §3, copied from the spec. */
const V1_TYPE =
  "GuaranteeRequestV1(address user,address recipient,uint256 reqId,uint256 amount,address asset,uint64 timestamp)";
const V2_TYPE =
  "GuaranteeRequestV2(address user,address recipient,uint256 reqId,uint256 amount,address asset,uint64 timestamp," +
  "address validationRegistry,bytes32 validationRequestHash,uint64 validationChainId,address validatorAddress," +
  "uint256 validatorAgentId,uint8 minValidationScore,bytes32 validationSubjectHash,bytes32 jobHash," +
  "string requiredValidationTag)";
const V1_TYPEHASH = keccakText(V1_TYPE);
const V2_TYPEHASH = keccakText(V2_TYPE);
const PREFIX = Buffer.from([0x19, 0x01]);

/**
 * The EIP-712 digest the payer signed for the request a certificate certifies: `keccak256(0x1901 ‖
 * requestDomainSeparator ‖ hashStruct(request))`, the request being the claims' payer-signed fields (everything but
 * `domain` and `cycleId`). The separator is the vault's own (`Core4Mica.requestDomainSeparator()`), read from the
 * chain. Written from the spec with native keccak: at 100,000 guarantees viem's `hashTypedData` would cost seconds.
 */
export function payerDigest(claims: Claims, requestDomainSeparator: Uint8Array): Buffer {
  const head = [
    addressWord(claims.user),
    addressWord(claims.recipient),
    word(claims.reqId),
    word(claims.amount),
    addressWord(claims.asset),
    word(claims.timestamp),
  ];
  let structHash: Buffer;
  if (claims.version === 1) {
    structHash = keccak(V1_TYPEHASH, ...head);
  } else {
    const p = claims.policy!;
    structHash = keccak(
      V2_TYPEHASH,
      ...head,
      addressWord(p.validationRegistry),
      hexBytes(p.validationRequestHash),
      word(p.validationChainId),
      addressWord(p.validatorAddress),
      word(p.validatorAgentId),
      word(BigInt(p.minValidationScore)),
      hexBytes(p.validationSubjectHash),
      hexBytes(p.jobHash),
      keccakText(p.requiredValidationTag),
    );
  }
  return keccak(PREFIX, requestDomainSeparator, structHash);
}

/**
 * The guarantee id of docs/protocol.md §2: `keccak256(abi.encode(requestDomainSeparator, user, recipient, asset,
 * reqId))`, from the claims.
 */
export function guaranteeIdOf(claims: Claims, requestDomainSeparator: Uint8Array): Hex {
  return `0x${keccak(
    requestDomainSeparator,
    addressWord(claims.user),
    addressWord(claims.recipient),
    addressWord(claims.asset),
    word(claims.reqId),
  ).toString("hex")}`;
}

/** Where a V1 envelope's inner words start: `abi.encode(uint64 version, bytes inner)` puts them after 3 words. */
const V1_INNER = 96;
const WORD = 32;

/**
 * A V1 certificate's guarantee id and payer digest straight from its envelope's bytes, hashing each once: the inner
 * words are (domain, cycleId, version, user, recipient, reqId, amount, asset, timestamp), and once
 * `decodeClaimsBytes` has accepted the envelope as canonical (addresses and uint64s zero-padded), they are
 * byte for byte the ABI words that {@link guaranteeIdOf} and {@link payerDigest} re-encode from the decoded claims;
 * the struct hash's six fields are inner words 3 to 8 in their order. Only for envelopes that decoded as V1.
 * test/audit/evidenceBatch.test.ts checks it against the two definitions above.
 */
export function v1Hashes(
  envelope: Buffer,
  requestDomainSeparator: Uint8Array,
): { guaranteeId: Buffer; digest: Buffer } {
  const w = (i: number) => envelope.subarray(V1_INNER + i * WORD, V1_INNER + (i + 1) * WORD);
  const guaranteeId = keccak(requestDomainSeparator, w(3), w(4), w(7), w(5));
  const structHash = keccak(V1_TYPEHASH, envelope.subarray(V1_INNER + 3 * WORD, V1_INNER + 9 * WORD));
  return { guaranteeId, digest: keccak(PREFIX, requestDomainSeparator, structHash) };
}
