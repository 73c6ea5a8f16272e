import { parseAbi } from "viem";

/**
 * The slices of the contract ABIs Core uses, hand-maintained `as const` so viem types every call and log.
 * test/core/syncAbis.test.ts checks each item against the compiled Hardhat artifacts, so drift fails a test.
 */
export const core4MicaAbi = parseAbi([
  "event CollateralDeposited(address indexed user, address indexed asset, address indexed depositor, uint256 amount)",
  "event WithdrawalRequested(address indexed user, address indexed asset, uint256 amount, uint64 requestedAt)",
  "event WithdrawalCanceled(address indexed user, address indexed asset, uint256 amount)",
  "event WithdrawalReduced(address indexed user, address indexed asset, uint256 remaining)",
  "event CollateralWithdrawn(address indexed user, address indexed asset, uint256 amount)",
  "event GuaranteeRemunerated(bytes32 indexed guaranteeId, address indexed user, address indexed recipient, address asset, uint256 amount, uint64 version)",
  "event CollateralSeized(address indexed user, address indexed asset, uint256 requested, uint256 seized)",
  "event CollateralSettled(address indexed user, address indexed asset, uint256 amount)",
  "function guaranteeExpiry() view returns (uint64)",
  "function collateral(address user, address asset) view returns (uint256)",
]);

export const clearingHouseEventsAbi = parseAbi([
  "event CycleCommitted(uint256 indexed cycleId, address indexed asset, bytes32 root, uint256 totalNet, uint32 debtorCount, uint32 creditorCount, bytes32 batchHash, uint256 v2GuaranteeCount)",
  "event NetDebitPaid(uint256 indexed cycleId, address indexed asset, address indexed debtor, address payer, uint256 amount)",
  "event DebtorDefaulted(uint256 indexed cycleId, address indexed asset, address indexed debtor, uint256 netDebit, uint256 covered, uint256 shortfall)",
  "event NetCreditClaimed(uint256 indexed cycleId, address indexed asset, address indexed creditor, uint256 netCredit, uint256 paid)",
  "event CycleFinalized(uint256 indexed cycleId, address indexed asset, uint256 paidIn, uint256 covered)",
  "event NetDebitSettlementSkipped(uint256 indexed cycleId, address indexed asset, address indexed debtor, uint256 amount, uint256 available)",
]);

export const validationRegistryAbi = parseAbi([
  "function getValidationStatus(bytes32 requestHash) view returns (address validatorAddress, uint256 agentId, uint8 response, bytes32 responseHash, string tag, uint256 lastUpdate)",
]);
