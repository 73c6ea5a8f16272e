import type { Hex } from "viem";

import type { GuaranteeRequest } from "../../protocol/guaranteeTypes.ts";
import { keccak256Utf8 } from "../../protocol/keccak256Fast.ts";

/**
 * Canonical JSON of a parsed request (fixed key order, bigints as decimal text, addresses lowercase).
 * It is what Core stores, and its hash decides whether a retry with the same guarantee id is the same request.
 */
export function canonicalRequest(r: GuaranteeRequest): CanonicalRequest {
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
  const p = r.policy;
  return {
    ...base,
    policy: {
      validationRegistry: p.validationRegistry.toLowerCase(),
      validationRequestHash: p.validationRequestHash.toLowerCase(),
      validationChainId: p.validationChainId.toString(),
      validatorAddress: p.validatorAddress.toLowerCase(),
      validatorAgentId: p.validatorAgentId.toString(),
      minValidationScore: p.minValidationScore,
      validationSubjectHash: p.validationSubjectHash.toLowerCase(),
      jobHash: p.jobHash.toLowerCase(),
      requiredValidationTag: p.requiredValidationTag,
    },
  };
}

export type CanonicalRequest = { [key: string]: string | number | CanonicalRequest };

export function contentHash(r: GuaranteeRequest): Hex {
  return keccak256Utf8(JSON.stringify(canonicalRequest(r)));
}
