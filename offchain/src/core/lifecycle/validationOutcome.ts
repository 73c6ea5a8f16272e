import type { Address } from "viem";

/** A registry's answer for a validation request hash (`getValidationStatus`). */
export interface ValidationStatus {
  validatorAddress: Address;
  agentId: bigint;
  response: number;
  tag: string;
  lastUpdate: bigint;
}

/** The part of a V2 policy a registry answer is checked against. */
export interface ValidationPolicyCheck {
  validatorAddress: Address;
  validatorAgentId: bigint;
  minValidationScore: number;
  requiredValidationTag: string;
}

export type ValidationOutcome =
  | { match: true }
  | {
      match: false;
      reason: "UNKNOWN" | "PENDING" | "SCORE_TOO_LOW" | "VALIDATOR_MISMATCH" | "AGENT_MISMATCH" | "TAG_MISMATCH";
    };

/**
 * Whether a registry answer makes a V2 guarantee payable: the same rules, in the same order, as
 * `ValidationRegistryGuaranteeDecoder.checkRedeemable`: an answer exists (`lastUpdate != 0`), `response >= min`,
 * the validator and agent id are the policy's, and the tag equals the required tag when one is required.
 * `undefined` (the lookup reverted: unknown request) is not a match; the guarantee stays pending.
 */
export function validationOutcome(
  policy: ValidationPolicyCheck,
  status: ValidationStatus | undefined,
): ValidationOutcome {
  if (status === undefined) return { match: false, reason: "UNKNOWN" };
  if (status.lastUpdate === 0n) return { match: false, reason: "PENDING" };
  if (status.response < policy.minValidationScore) return { match: false, reason: "SCORE_TOO_LOW" };
  if (status.validatorAddress.toLowerCase() !== policy.validatorAddress.toLowerCase()) {
    return { match: false, reason: "VALIDATOR_MISMATCH" };
  }
  if (status.agentId !== policy.validatorAgentId) return { match: false, reason: "AGENT_MISMATCH" };
  if (policy.requiredValidationTag !== "" && status.tag !== policy.requiredValidationTag) {
    return { match: false, reason: "TAG_MISMATCH" };
  }
  return { match: true };
}
