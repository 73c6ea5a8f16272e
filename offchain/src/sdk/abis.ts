import { parseAbi } from "viem";

/**
 * The recipient's direct on-chain entry points on the vault (docs/protocol.md §5, ARCHITECTURE decision 12): the one
 * place that names them; test/sdk/abis.test.ts checks them against the compiled artifact.
 */
export const VAULT_ENTRY_POINTS = { single: "remunerate", batch: "remunerateBatch" } as const;

const g2 =
  "struct G2Point { bytes32 x_c0_a; bytes32 x_c0_b; bytes32 x_c1_a; bytes32 x_c1_b; bytes32 y_c0_a; bytes32 y_c0_b; bytes32 y_c1_a; bytes32 y_c1_b; }";

/**
 * The Core4Mica vault functions the SDK calls (contracts/interfaces/ICore4Mica*.sol), hand-written so that the SDK
 * does not need Hardhat artifacts at run time; test/sdk/abis.test.ts pins each entry to the compiled ABI.
 */
export const core4MicaAbi = parseAbi([
  "struct G1Point { bytes32 x_a; bytes32 x_b; bytes32 y_a; bytes32 y_b; }",
  g2,
  "struct VersionConfig { G1Point key; bytes32 domain; address decoder; bool enabled; }",
  "function deposit(address asset, uint256 amount) payable",
  "function depositFor(address payer, address asset, uint256 amount) payable",
  "function requestWithdrawal(address asset, uint256 amount)",
  "function cancelWithdrawal(address asset)",
  "function finalizeWithdrawal(address asset) returns (uint256 amount)",
  "function collateral(address user, address asset) view returns (uint256)",
  "function withdrawalRequest(address user, address asset) view returns (uint256 amount, uint64 requestedAt)",
  "function isAssetAllowed(address asset) view returns (bool)",
  "function remunerationGrace() view returns (uint64)",
  "function guaranteeExpiry() view returns (uint64)",
  "function withdrawalDelay() view returns (uint64)",
  "function synchronizationDelay() view returns (uint64)",
  "function versionConfig(uint64 version) view returns (VersionConfig)",
  "function isConsumed(bytes32 guaranteeId) view returns (bool)",
  "function clearingHouse() view returns (address)",
  "error Core4MicaInvalidCertificateSignature(uint64 version)",
  "error Core4MicaVersionDisabled(uint64 version)",
  "error Core4MicaDomainMismatch(uint64 version, bytes32 expected, bytes32 actual)",
  "error Core4MicaInvalidPayerSignature(address user)",
  "error Core4MicaGuaranteeAlreadyConsumed(bytes32 guaranteeId)",
  "error Core4MicaRemunerationNotOpen(uint256 opensAt)",
  "error Core4MicaGuaranteeExpired(uint256 expiredAt)",
  "error Core4MicaV1FallbackNotOpen(uint256 cycleId, address asset)",
  "error Core4MicaCycleMismatch(uint256 certified, uint256 expected)",
  "error EnforcedPause()",
]);

/** `remunerate(bytes certificate, G2Point signature, bytes payerSignature) returns (bytes32)` under its current name. */
export const remunerateAbi = [
  {
    type: "function",
    name: VAULT_ENTRY_POINTS.single,
    stateMutability: "nonpayable",
    inputs: [
      { name: "certificate", type: "bytes" },
      { name: "signature", type: "tuple", components: g2Components() },
      { name: "payerSignature", type: "bytes" },
    ],
    outputs: [{ name: "guaranteeId", type: "bytes32" }],
  },
  {
    type: "function",
    name: VAULT_ENTRY_POINTS.batch,
    stateMutability: "nonpayable",
    inputs: [
      { name: "certificates", type: "bytes[]" },
      { name: "aggregateSignature", type: "tuple", components: g2Components() },
      { name: "payerSignatures", type: "bytes[]" },
    ],
    outputs: [{ name: "guaranteeIds", type: "bytes32[]" }],
  },
] as const;

function g2Components() {
  return [
    { name: "x_c0_a", type: "bytes32" },
    { name: "x_c0_b", type: "bytes32" },
    { name: "x_c1_a", type: "bytes32" },
    { name: "x_c1_b", type: "bytes32" },
    { name: "y_c0_a", type: "bytes32" },
    { name: "y_c0_b", type: "bytes32" },
    { name: "y_c1_a", type: "bytes32" },
    { name: "y_c1_b", type: "bytes32" },
  ] as const;
}

/** The ClearingHouse functions the SDK calls (contracts/interfaces/IClearingHouse*.sol). */
export const clearingHouseAbi = parseAbi([
  "struct Segment { uint48 startTime; uint48 firstCycleId; uint32 cycleLength; uint32 resolutionCutoff; uint32 commitDelay; uint32 paymentWindow; uint32 finalityWindow; }",
  "struct CycleState { bool committed; bool finalized; uint32 debtorCount; uint32 resolvedDebtors; bytes32 root; uint256 totalNet; uint256 paidIn; uint256 covered; uint256 claimedOut; uint256 paymentDeadline; uint256 finalityDeadline; uint32 creditorCount; uint32 claimedCreditors; }",
  "struct ParticipantState { bool paid; bool defaulted; bool claimed; }",
  "function scheduleSegments() view returns (Segment[])",
  "function cycleOf(uint64 t) view returns (uint256 cycleId)",
  "function getCycle(uint256 cycleId, address asset) view returns (CycleState)",
  "function getParticipant(uint256 cycleId, address asset, address participant) view returns (ParticipantState)",
  "function v1FallbackOpensAt(uint256 cycleId, address asset) view returns (uint64)",
  "function payNetDebit(uint256 cycleId, address asset, address debtor, uint256 amount, bytes32[] proof) payable",
  "function claimNetCredit(uint256 cycleId, address asset, address creditor, uint256 amount, bytes32[] proof) returns (uint256 paid)",
  "error ClearingHouseCycleNotCommitted(uint256 cycleId, address asset)",
  "error ClearingHousePaymentWindowClosed(uint256 cycleId, address asset, uint256 paymentDeadline)",
  "error ClearingHouseDebtorAlreadyResolved(uint256 cycleId, address asset, address debtor)",
  "error ClearingHouseCreditAlreadyClaimed(uint256 cycleId, address asset, address creditor)",
  "error ClearingHouseInvalidProof(uint256 cycleId, address asset, address participant, uint8 role, uint256 amount)",
  "error ClearingHouseIncorrectPayment(uint256 expected, uint256 received)",
  "error ClearingHouseCycleNotFunded(uint256 cycleId, address asset, uint256 funded, uint256 totalNet)",
  "error EnforcedPause()",
]);

/** The guarantee decoder's view that the vault calls for V2+ (`IGuaranteeDecoder.checkRedeemable`). */
export const guaranteeDecoderAbi = parseAbi(["function checkRedeemable(bytes inner) view"]);
