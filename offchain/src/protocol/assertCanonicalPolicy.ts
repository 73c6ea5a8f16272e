import { isHex, size } from "viem";

import type { GuaranteeRequestV2 } from "./guaranteeTypes.ts";
import { validationRequestHash } from "./validationRequestHash.ts";
import { validationSubjectHash } from "./validationSubjectHash.ts";
import {
  InvalidJobHashError,
  InvalidMinValidationScoreError,
  ValidationRequestHashMismatchError,
  ValidationSubjectHashMismatchError,
} from "./validationPolicyErrors.ts";

/**
 * Checks the static part of a V2 policy, in the V2 decoder's order: score in 1..100, non-zero job hash, then the
 * canonical subject hash, then the canonical request hash (over the carried subject hash).
 * @throws InvalidMinValidationScoreError, InvalidJobHashError, ValidationSubjectHashMismatchError,
 *         ValidationRequestHashMismatchError
 */
export function assertCanonicalPolicy(request: GuaranteeRequestV2): void {
  const { policy } = request;
  const score = policy.minValidationScore;
  if (!Number.isInteger(score) || score < 1 || score > 100) throw new InvalidMinValidationScoreError(score);
  if (!isHex(policy.jobHash, { strict: true }) || size(policy.jobHash) !== 32 || BigInt(policy.jobHash) === 0n) {
    throw new InvalidJobHashError(policy.jobHash);
  }
  const subject = validationSubjectHash(request);
  if (policy.validationSubjectHash.toLowerCase() !== subject) {
    throw new ValidationSubjectHashMismatchError(subject, policy.validationSubjectHash);
  }
  const requestHash = validationRequestHash(policy);
  if (policy.validationRequestHash.toLowerCase() !== requestHash) {
    throw new ValidationRequestHashMismatchError(requestHash, policy.validationRequestHash);
  }
}
