import { FourMicaError } from "../errors.ts";

/** A BLS secret key that is not 32 bytes, zero, or not below the group order r. */
export class InvalidBlsKeyError extends FourMicaError {
  constructor(message: string, details?: Record<string, unknown>, cause?: unknown) {
    super("INVALID_BLS_KEY", message, { details, cause });
    this.name = "InvalidBlsKeyError";
  }
}

/** A BLS point encoding (compressed or EIP-2537) that is malformed, off the curve or outside the subgroup. */
export class InvalidBlsPointError extends FourMicaError {
  constructor(message: string, details?: Record<string, unknown>, cause?: unknown) {
    super("INVALID_BLS_POINT", message, { details, cause });
    this.name = "InvalidBlsPointError";
  }
}

/** The requested BLS backend cannot be loaded (the native addon is missing for this platform). */
export class BlsBackendUnavailableError extends FourMicaError {
  constructor(message: string, details?: Record<string, unknown>, cause?: unknown) {
    super("BLS_BACKEND_UNAVAILABLE", message, { details, cause });
    this.name = "BlsBackendUnavailableError";
  }
}
