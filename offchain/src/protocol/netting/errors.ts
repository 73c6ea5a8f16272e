import { FourMicaError } from "../errors.ts";

/** Net positions that do not sum to zero, or a tree whose totals do not balance: a bug, never user input. */
export class NettingImbalanceError extends FourMicaError {
  constructor(totalNetDebit: bigint, totalNetCredit: bigint) {
    super("NETTING_IMBALANCE", `net debit ${totalNetDebit} differs from net credit ${totalNetCredit}`, {
      details: { totalNetDebit: totalNetDebit.toString(), totalNetCredit: totalNetCredit.toString() },
    });
    this.name = "NettingImbalanceError";
  }
}

/** A guarantee or position that cannot be netted (bad address, negative amount, duplicate participant, ...). */
export class NettingInputError extends FourMicaError {
  constructor(message: string, details?: Record<string, unknown>) {
    super("NETTING_INVALID_INPUT", message, { details });
    this.name = "NettingInputError";
  }
}

/** The guarantees fed to the batch hash are not in strictly ascending guarantee id order. */
export class BatchOrderError extends FourMicaError {
  constructor(previous: string, next: string) {
    super("NETTING_BATCH_ORDER", `guarantee id ${next} does not follow ${previous} in ascending order`, {
      details: { previous, next },
    });
    this.name = "BatchOrderError";
  }
}
