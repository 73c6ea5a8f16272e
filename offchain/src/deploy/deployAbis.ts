import { parseAbi } from "viem";

/**
 * The parts of the deployed contracts' ABIs that the read-back and the key rotation use, written out so that they
 * run without Hardhat's artifacts (the CLI calls the rotation with plain viem clients).
 */
export const accessManagerAbi = parseAbi([
  "function hasRole(uint64 roleId, address account) view returns (bool isMember, uint32 executionDelay)",
  "function getAccess(uint64 roleId, address account) view returns (uint48 since, uint32 currentDelay, uint32 pendingDelay, uint48 effect)",
  "function getRoleAdmin(uint64 roleId) view returns (uint64)",
  "function getRoleGuardian(uint64 roleId) view returns (uint64)",
  "function getRoleGrantDelay(uint64 roleId) view returns (uint32)",
  "function getTargetFunctionRole(address target, bytes4 selector) view returns (uint64)",
  "function getTargetAdminDelay(address target) view returns (uint32)",
  "function isTargetClosed(address target) view returns (bool)",
  "function canCall(address caller, address target, bytes4 selector) view returns (bool immediate, uint32 delay)",
  "function hashOperation(address caller, address target, bytes data) view returns (bytes32)",
  "function getSchedule(bytes32 id) view returns (uint48)",
  "function getNonce(bytes32 id) view returns (uint32)",
  "function expiration() view returns (uint32)",
  "function schedule(address target, bytes data, uint48 when) returns (bytes32 operationId, uint32 nonce)",
  "function execute(address target, bytes data) payable returns (uint32)",
  "event RoleGranted(uint64 indexed roleId, address indexed account, uint32 delay, uint48 since, bool newMember)",
  "event RoleRevoked(uint64 indexed roleId, address indexed account)",
  "event RoleGrantDelayChanged(uint64 indexed roleId, uint32 delay, uint48 since)",
  "event TargetFunctionRoleUpdated(address indexed target, bytes4 selector, uint64 indexed roleId)",
  "event OperationScheduled(bytes32 indexed operationId, uint32 indexed nonce, uint48 schedule, address caller, address target, bytes data)",
  "error AccessManagerNotScheduled(bytes32 operationId)",
  "error AccessManagerNotReady(bytes32 operationId)",
  "error AccessManagerExpired(bytes32 operationId)",
  "error AccessManagerAlreadyScheduled(bytes32 operationId)",
  "error AccessManagerUnauthorizedCall(address caller, address target, bytes4 selector)",
  "error AccessManagerUnauthorizedAccount(address msgsender, uint64 roleId)",
]);

export const accessManagedAbi = parseAbi(["function authority() view returns (address)"]);

export const core4MicaAbi = parseAbi([
  "struct G1Point { bytes32 x_a; bytes32 x_b; bytes32 y_a; bytes32 y_b; }",
  "struct VersionConfig { G1Point key; bytes32 domain; address decoder; bool enabled; }",
  "function versionConfig(uint64 version) view returns (VersionConfig)",
  "function configureVersion(uint64 version, G1Point key, bytes32 domain, address decoder, bool enabled)",
  "function clearingHouse() view returns (address)",
  "function isAssetAllowed(address asset) view returns (bool)",
  "function remunerationGrace() view returns (uint64)",
  "function guaranteeExpiry() view returns (uint64)",
  "function withdrawalDelay() view returns (uint64)",
  "function synchronizationDelay() view returns (uint64)",
  "function paused() view returns (bool)",
  "event AssetAllowanceUpdated(address indexed asset, bool allowed)",
  "event VersionConfigured(uint64 indexed version, G1Point key, bytes32 domain, address decoder, bool enabled)",
  "error Core4MicaInvalidVerificationKey(uint64 version)",
  "error Core4MicaDecoderMissing(uint64 version, address decoder)",
  "error Core4MicaInvalidDomain(uint64 version)",
]);

export const clearingHouseAbi = parseAbi([
  "struct Segment { uint48 startTime; uint48 firstCycleId; uint32 cycleLength; uint32 resolutionCutoff; uint32 commitDelay; uint32 paymentWindow; uint32 finalityWindow; }",
  "function vault() view returns (address)",
  "function scheduleSegments() view returns (Segment[])",
  "function paused() view returns (bool)",
]);

export const decoderAbi = parseAbi([
  "function isTrustedRegistry(address registry) view returns (bool)",
  "event TrustedRegistrySet(address indexed registry, bool trusted)",
]);

export const erc20MetadataAbi = parseAbi([
  "function symbol() view returns (string)",
  "function decimals() view returns (uint8)",
]);
