import { FourMicaError } from "../protocol/errors.ts";

/** Stable codes of {@link AuditError}; the CLI maps each to its exit code. */
export const AuditCode = {
  /** Bad command input (cycle, asset, address, URL): exit 3. */
  INVALID_INPUT: "AUDIT_INVALID_INPUT",
  /** Core or the RPC node did not answer: exit 4. */
  UNREACHABLE: "AUDIT_UNREACHABLE",
  /** Core answered something that is not a published batch (bad shape, no batch): exit 3. */
  BAD_PUBLICATION: "AUDIT_BAD_PUBLICATION",
} as const;
export type AuditCode = (typeof AuditCode)[keyof typeof AuditCode];

/** Why an audit could not be run (not a mismatch: a mismatch is a verdict). */
export class AuditError extends FourMicaError {
  declare readonly code: AuditCode;
  constructor(code: AuditCode, message: string, details?: Record<string, unknown>, cause?: unknown) {
    super(code, message, { details, cause });
    this.name = "AuditError";
  }
}
