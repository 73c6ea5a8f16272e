import { FourMicaError } from "./errors.ts";

/** Certificate bytes that are not the canonical encoding of any guarantee (truncated, garbage, dirty words). */
export class MalformedGuaranteeEnvelopeError extends FourMicaError {
  constructor(message: string, details?: Record<string, unknown>, cause?: unknown) {
    super("MALFORMED_GUARANTEE_ENVELOPE", message, { details, cause });
    this.name = "MalformedGuaranteeEnvelopeError";
  }
}

/** An envelope version this code has no decoder for. */
export class UnsupportedGuaranteeVersionError extends FourMicaError {
  constructor(version: bigint | number) {
    super("UNSUPPORTED_GUARANTEE_VERSION", `Unsupported guarantee version ${version}.`, {
      details: { version: version.toString() },
    });
    this.name = "UnsupportedGuaranteeVersionError";
  }
}

/** The inner `version` field differs from the envelope's version. */
export class GuaranteeVersionMismatchError extends FourMicaError {
  constructor(expected: bigint | number, actual: bigint | number) {
    super("GUARANTEE_VERSION_MISMATCH", `Guarantee version ${actual} inside an envelope of version ${expected}.`, {
      details: { expected: expected.toString(), actual: actual.toString() },
    });
    this.name = "GuaranteeVersionMismatchError";
  }
}
