import type { Address, Hex } from "viem";

import { assertCanonicalPolicy } from "./assertCanonicalPolicy.ts";
import type { GuaranteeRequestFields, ValidationPolicy } from "./guaranteeTypes.ts";
import { validationRequestHash } from "./validationRequestHash.ts";
import { validationSubjectHash } from "./validationSubjectHash.ts";

/** What a recipient asks for: the ERC-8004 registry, validator, agent, minimum score, job and tag. */
export interface ValidationPolicyInputs {
  validationRegistry: Address;
  validationChainId: bigint;
  validatorAddress: Address;
  validatorAgentId: bigint;
  minValidationScore: number;
  jobHash: Hex;
  /** Empty (the default) accepts any tag. */
  requiredValidationTag?: string;
}

/**
 * The full policy of a V2 request: the recipient's inputs plus both canonical hashes, computed from the request's
 * base fields. Throws the {@link assertCanonicalPolicy} errors on a score outside 1..100 or a zero job hash.
 */
export function buildValidationPolicy(
  request: GuaranteeRequestFields,
  inputs: ValidationPolicyInputs,
): ValidationPolicy {
  const subject = validationSubjectHash(request);
  const partial = {
    validationRegistry: inputs.validationRegistry,
    validationChainId: inputs.validationChainId,
    validatorAddress: inputs.validatorAddress,
    validatorAgentId: inputs.validatorAgentId,
    minValidationScore: inputs.minValidationScore,
    validationSubjectHash: subject,
    jobHash: inputs.jobHash,
    requiredValidationTag: inputs.requiredValidationTag ?? "",
  };
  const policy: ValidationPolicy = { ...partial, validationRequestHash: validationRequestHash(partial) };
  assertCanonicalPolicy({ ...request, version: 2, policy });
  return policy;
}
