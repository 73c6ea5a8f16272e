import { keccak256, stringToHex, type Hex } from "viem";

import type { GuaranteeRequest } from "./interim.ts";

/**
 * Canonical JSON of a parsed request (fixed key order, bigints as decimal text, addresses lowercase).
 * It is what Core stores, and its hash decides whether a retry with the same guarantee id is the same request.
 */
export function canonicalRequest(r: GuaranteeRequest): Record<string, string | number> {
  const base = {
    version: r.version,
    user: r.user.toLowerCase(),
    recipient: r.recipient.toLowerCase(),
    reqId: r.reqId.toString(),
    amount: r.amount.toString(),
    asset: r.asset.toLowerCase(),
    timestamp: r.timestamp.toString(),
  };
  if (r.version === 1) return base;
  return {
    ...base,
    validationRegistry: r.validationRegistry.toLowerCase(),
    validationRequestHash: r.validationRequestHash.toLowerCase(),
    validationChainId: r.validationChainId.toString(),
    validatorAddress: r.validatorAddress.toLowerCase(),
    validatorAgentId: r.validatorAgentId.toString(),
    minValidationScore: r.minValidationScore,
    validationSubjectHash: r.validationSubjectHash.toLowerCase(),
    jobHash: r.jobHash.toLowerCase(),
    requiredValidationTag: r.requiredValidationTag,
  };
}

export function contentHash(r: GuaranteeRequest): Hex {
  return keccak256(stringToHex(JSON.stringify(canonicalRequest(r))));
}
