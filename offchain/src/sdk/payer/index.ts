export { deposit, ensureAllowance, type DepositParameters, type DepositResult } from "./deposit.ts";
export {
  cancelWithdrawal,
  finalizeWithdrawal,
  getCollateral,
  getWithdrawal,
  requestWithdrawal,
  type WithdrawalStatus,
} from "./withdrawals.ts";
export {
  createGuaranteeRequest,
  newReqId,
  signPaymentRequest,
  type CreateRequestParameters,
  type SignPaymentRequestParameters,
  type SignedPaymentRequest,
} from "./signPaymentRequest.ts";
export { assertPositionCommitted, payNetDebit } from "./payNetDebit.ts";
export {
  authorizeNetDebitSettlement,
  type AuthorizeNetDebitSettlementParameters,
} from "./authorizeNetDebitSettlement.ts";
