import type { Hex } from "viem";

import { FourMicaError } from "./errors.ts";

/** `minValidationScore` outside 1..100. */
export class InvalidMinValidationScoreError extends FourMicaError {
  constructor(score: number) {
    super("INVALID_MIN_VALIDATION_SCORE", `Minimum validation score ${score} is not an integer in 1..100.`, {
      details: { minValidationScore: score },
    });
    this.name = "InvalidMinValidationScoreError";
  }
}

/** A zero (or malformed) `jobHash`. */
export class InvalidJobHashError extends FourMicaError {
  constructor(jobHash: string) {
    super("INVALID_JOB_HASH", `Job hash ${jobHash} is not a non-zero bytes32.`, { details: { jobHash } });
    this.name = "InvalidJobHashError";
  }
}

/** The carried `validationSubjectHash` is not the canonical one of the request. */
export class ValidationSubjectHashMismatchError extends FourMicaError {
  constructor(expected: Hex, actual: Hex) {
    super("VALIDATION_SUBJECT_HASH_MISMATCH", `Validation subject hash ${actual} is not the canonical ${expected}.`, {
      details: { expected, actual },
    });
    this.name = "ValidationSubjectHashMismatchError";
  }
}

/** The carried `validationRequestHash` is not the canonical one of the policy. */
export class ValidationRequestHashMismatchError extends FourMicaError {
  constructor(expected: Hex, actual: Hex) {
    super("VALIDATION_REQUEST_HASH_MISMATCH", `Validation request hash ${actual} is not the canonical ${expected}.`, {
      details: { expected, actual },
    });
    this.name = "ValidationRequestHashMismatchError";
  }
}
