/**
 * One base error for the whole off-chain code: a stable machine `code`, a one-sentence message that quotes the
 * bad value, optional `details`, and the `cause`. Subclasses pin the code; the HTTP layer maps codes to statuses
 * in one place (offchain/src/core/adapters/http/errorStatus.ts).
 */
export class FourMicaError extends Error {
  /** Stable, upper snake case, never reworded once shipped (clients branch on it). */
  readonly code: string;
  /** Structured context for logs and API bodies; never secrets. */
  readonly details: Record<string, unknown> | undefined;

  constructor(code: string, message: string, options: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "FourMicaError";
    this.code = code;
    this.details = options.details;
  }
}

/** Input that does not have the required shape or range. Never changes state. */
export class InvalidInputError extends FourMicaError {
  constructor(message: string, details?: Record<string, unknown>, cause?: unknown) {
    super("INVALID_INPUT", message, { details, cause });
    this.name = "InvalidInputError";
  }
}

/** Whether `e` is a FourMicaError with the given code. */
export function hasCode(e: unknown, code: string): boolean {
  return e instanceof FourMicaError && e.code === code;
}
