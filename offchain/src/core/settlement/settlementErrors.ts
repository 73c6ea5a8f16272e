import { FourMicaError } from "../../protocol/errors.ts";

/** Stable codes of settling net debits from collateral (POST /core/cycles/:cycleId/:asset/settlements). */
export const SettlementCode = {
  /** The (cycle, asset) is not COMMITTED in Core (not yet, missed, or finalized). */
  CYCLE_NOT_COMMITTED: "SETTLEMENT_CYCLE_NOT_COMMITTED",
  /** Too close to (or past) the payment deadline for the scheduler to send it in time. */
  WINDOW_CLOSED: "SETTLEMENT_WINDOW_CLOSED",
  /** The participant is not a net debtor of the (cycle, asset). */
  NOT_DEBTOR: "SETTLEMENT_NOT_DEBTOR",
  /** The debtor already paid or was marked defaulted. */
  ALREADY_RESOLVED: "SETTLEMENT_ALREADY_RESOLVED",
  /** The authorized amount is not the debtor's net debit. */
  AMOUNT_MISMATCH: "SETTLEMENT_AMOUNT_MISMATCH",
  /** The signature is not the debtor's over the NetDebitSettlement message (ECDSA or ERC-1271). */
  SIGNATURE_INVALID: "SETTLEMENT_SIGNATURE_INVALID",
  /** The debtor's deposited collateral in Core's books does not cover the net debit. */
  INSUFFICIENT_COLLATERAL: "INSUFFICIENT_COLLATERAL",
} as const;
export type SettlementCode = (typeof SettlementCode)[keyof typeof SettlementCode];

/** A refused authorization: nothing was stored. */
export class SettlementError extends FourMicaError {
  constructor(code: SettlementCode, message: string, details?: Record<string, unknown>) {
    super(code, message, { details });
    this.name = "SettlementError";
  }
}
