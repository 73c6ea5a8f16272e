import type { Address } from "viem";

import type { ValidationPolicyInputs } from "../../protocol/buildValidationPolicy.ts";

/** What the payer is about to sign, as the buyer policy sees it (seed 000: check intent before signing). */
export interface PaymentIntent {
  /** The resource URL of the 402, when known. */
  resource: string | undefined;
  payTo: Address;
  amount: bigint;
  asset: Address;
  network: string;
  /** Guarantee version: 2 when the seller's requirements carry a validation policy. */
  version: 1 | 2;
  validationPolicy?: ValidationPolicyInputs;
  /** The agent's current task, when the caller names one. */
  taskId?: string;
}

/**
 * The buyer policy port: called before every signature; a refusal throws (the SDK's policy throws a FourMicaError
 * with a stable code) and nothing is signed. The payer SDK provides the persisted implementation.
 */
export interface BuyerPolicy {
  check(intent: PaymentIntent): Promise<void>;
}
