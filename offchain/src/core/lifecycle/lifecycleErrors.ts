import { FourMicaError } from "../../protocol/errors.ts";

/** Stable codes of the guarantee lifecycle (offchain/src/core/adapters/http/errorStatus.ts maps them). */
export const LifecycleCode = {
  GUARANTEE_NOT_FOUND: "GUARANTEE_NOT_FOUND",
  /** The guarantee's status does not allow the transition (already netted, settled, cancelled...). */
  INVALID_TRANSITION: "INVALID_TRANSITION",
  /** The dispute/cancel signature is not the payer's/recipient's. */
  INVALID_SIGNATURE: "INVALID_SIGNATURE",
  /** A compare-and-set found another status: a concurrent writer got there first. Retry reads the new state. */
  STALE_STATE: "STALE_STATE",
} as const;
export type LifecycleCode = (typeof LifecycleCode)[keyof typeof LifecycleCode];

export class LifecycleError extends FourMicaError {
  constructor(code: LifecycleCode, message: string, details?: Record<string, unknown>, cause?: unknown) {
    super(code, message, { details, cause });
    this.name = "LifecycleError";
  }
}
