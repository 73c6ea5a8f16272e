/**
 * The `4mica` CLI's exit codes, one per failure kind. Stable: scripts branch on them (docs/operations.md, "CLI").
 */
export const ExitCode = {
  /** Done. */
  OK: 0,
  /** A bug or a failure of no known kind (the message says what). */
  UNEXPECTED: 1,
  /** Bad usage or configuration: unknown command or option, missing or invalid setting, a key in an argument. */
  USAGE: 2,
  /** Invalid input: an unreadable file, bad JSON, a certificate that does not verify. Nothing was sent. */
  INVALID_INPUT: 3,
  /** The chain's RPC or Core did not answer. */
  UNREACHABLE: 4,
  /** Refused: a chain revert (its custom error named) or a Core API error (its code named). */
  REFUSED: 5,
  /** `audit-cycle`: the published batch, a signature or the committed root does not match. */
  AUDIT_MISMATCH: 6,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
