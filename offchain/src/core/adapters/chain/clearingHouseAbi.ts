import { parseAbi } from "viem";

/**
 * The ClearingHouse functions, views and errors the operator uses (contracts/interfaces/IClearingHouse.sol).
 * Hand-written so the operator does not depend on build artifacts; test/core/schedulerAbi.test.ts pins every
 * entry to the compiled ABI.
 */
export const clearingHouseAbi = parseAbi([
  "struct Segment { uint48 startTime; uint48 firstCycleId; uint32 cycleLength; uint32 resolutionCutoff; uint32 commitDelay; uint32 paymentWindow; uint32 finalityWindow; }",
  "struct CycleState { bool committed; bool finalized; uint32 debtorCount; uint32 resolvedDebtors; bytes32 root; uint256 totalNet; uint256 paidIn; uint256 covered; uint256 claimedOut; uint256 paymentDeadline; uint256 finalityDeadline; uint32 creditorCount; uint32 claimedCreditors; }",
  "struct ParticipantState { bool paid; bool defaulted; bool claimed; }",
  "struct DefaultClaim { address debtor; uint256 amount; bytes32[] proof; address prover; }",
  "struct NettedGuarantee { uint64 version; bytes inner; bytes payerSignature; }",
  "struct SignedRequestV1 { address recipient; uint256 reqId; uint256 amount; uint64 timestamp; bytes signature; }",
  "struct CollateralSettlement { address debtor; uint256 amount; bytes signature; }",
  "struct CreditClaim { address creditor; uint256 amount; bytes32[] proof; }",
  "function scheduleSegments() view returns (Segment[])",
  "function getCycle(uint256 cycleId, address asset) view returns (CycleState)",
  "function getParticipant(uint256 cycleId, address asset, address participant) view returns (ParticipantState)",
  "function vault() view returns (address)",
  "function v1FallbackOpensAt(uint256 cycleId, address asset) view returns (uint64)",
  "function commitCycle(uint256 cycleId, address asset, bytes32 root, uint256 totalNetDebit, uint256 totalNetCredit, uint32 debtorCount, uint32 creditorCount, bytes32 batchHash, NettedGuarantee[] v2Guarantees)",
  "function proveSignedRequests(uint256 cycleId, address asset, address debtor, SignedRequestV1[] requests) returns (uint256 v1Total)",
  "function signedRequestCursor(uint256 cycleId, address asset, address debtor, address prover) view returns (bytes32 lastId, uint256 v1Total)",
  "function provenSignedAmount(uint256 cycleId, address asset, address debtor, address prover) view returns (uint256)",
  "function SEIZURE_MARGIN() view returns (uint256)",
  "function payNetDebit(uint256 cycleId, address asset, address debtor, uint256 amount, bytes32[] proof) payable",
  "function markDefaulted(uint256 cycleId, address asset, DefaultClaim[] claims)",
  "function claimNetCredit(uint256 cycleId, address asset, address creditor, uint256 amount, bytes32[] proof) returns (uint256 paid)",
  "function finalizeCycle(uint256 cycleId, address asset)",
  "function settleNetDebitsFromCollateral(uint256 cycleId, address asset, CollateralSettlement[] settlements, bytes32[] proof, bool[] proofFlags) returns (uint256 settled)",
  "function claimNetCredits(uint256 cycleId, address asset, CreditClaim[] claims) returns (uint256 paid)",
  "function netDebitSettlementDigest(uint256 cycleId, address asset, address debtor, uint256 amount) view returns (bytes32)",
  "error ClearingHouseOutsideCommitWindow(uint256 cycleId, uint256 timestamp, uint256 opensAt, uint256 closesAt)",
  "error ClearingHouseCycleAlreadyCommitted(uint256 cycleId, address asset)",
  "error ClearingHouseUnbalancedTotals(uint256 totalNetDebit, uint256 totalNetCredit)",
  "error ClearingHouseInconsistentCounts(uint256 totalNet, uint32 debtorCount, uint32 creditorCount)",
  "error ClearingHouseInvalidRoot(bytes32 root, uint256 totalNet)",
  "error ClearingHouseCycleNotCommitted(uint256 cycleId, address asset)",
  "error ClearingHousePaymentWindowClosed(uint256 cycleId, address asset, uint256 paymentDeadline)",
  "error ClearingHousePaymentWindowOpen(uint256 cycleId, address asset, uint256 paymentDeadline)",
  "error ClearingHouseDebtorAlreadyResolved(uint256 cycleId, address asset, address debtor)",
  "error ClearingHouseInvalidProof(uint256 cycleId, address asset, address participant, uint8 role, uint256 amount)",
  "error ClearingHouseFinalityPending(uint256 cycleId, address asset, uint256 finalityDeadline)",
  "error ClearingHouseDebtorsUnresolved(uint256 cycleId, address asset, uint32 resolved, uint32 debtorCount)",
  "error ClearingHouseCycleAlreadyFinalized(uint256 cycleId, address asset)",
  "error EnforcedPause()",
  "error AccessManagedUnauthorized(address caller)",
  "error ClearingHouseProofOutOfOrder(bytes32 id, bytes32 lastId)",
  "error ClearingHouseRequestOutsideCycle(uint256 cycleId, bytes32 id, uint256 timestamp, uint256 start, uint256 end)",
  "error ClearingHouseInvalidRequestSignature(address debtor, bytes32 id)",
  "error ClearingHouseSignedAmountTooLow(uint256 cycleId, address asset, address debtor, address prover, uint256 proven, uint256 netDebit)",
  "error ClearingHouseInvalidSettlementSignature(uint256 cycleId, address asset, address debtor, uint256 amount)",
  "error ClearingHouseUnsortedBatch(address previous, address next)",
  "error ClearingHouseInvalidMultiproof(uint256 cycleId, address asset)",
  "error ClearingHouseEmptyBatch(uint256 cycleId, address asset)",
  "error ClearingHouseTooManyCreditors(uint256 cycleId, address asset, uint32 creditorCount)",
  "error ClearingHouseCreditAlreadyClaimed(uint256 cycleId, address asset, address creditor)",
  "error ClearingHouseCycleNotFunded(uint256 cycleId, address asset, uint256 funded, uint256 totalNet)",
  "error Core4MicaGuaranteeAlreadyConsumed(bytes32 guaranteeId)",
  "error Core4MicaInvalidPayerSignature(address user)",
  "error Core4MicaNettedGuaranteeExpires(uint256 expiresAt, uint256 seizableUntil)",
]);

/** The vault views the scheduler reads (ICore4MicaSettlement): consumed ids, and the payers' EIP-712 domain. */
export const vaultSettlementAbi = parseAbi([
  "function isConsumed(bytes32 guaranteeId) view returns (bool)",
  "function requestDomainSeparator() view returns (bytes32)",
]);
