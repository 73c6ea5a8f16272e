// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @notice A decoded certificate, the same for every guarantee version (docs/protocol.md §4.1).
/// @dev The V1 certificate's inner bytes are `abi.encode(Guarantee)`: nine static words in this order.
struct Guarantee {
    /// @dev Version domain: keccak256(abi.encode("4MICA_CORE_GUARANTEE_V<n>", chainId, core4Mica)).
    bytes32 domain;
    /// @dev The settlement cycle that contains `timestamp`.
    uint256 cycleId;
    uint64 version;
    /// @dev The payer, whose collateral backs the guarantee.
    address user;
    address recipient;
    uint256 reqId;
    uint256 amount;
    /// @dev ERC-20 address, or address(0) for ETH.
    address asset;
    uint64 timestamp;
}

/// @notice The V2 certificate: the base fields, then the payer-signed validation policy (docs/protocol.md §4.2).
/// @dev The V2 certificate's inner bytes are `abi.encode(GuaranteeV2)`, a dynamic tuple because of the tag.
struct GuaranteeV2 {
    bytes32 domain;
    uint256 cycleId;
    uint64 version;
    address user;
    address recipient;
    uint256 reqId;
    uint256 amount;
    address asset;
    uint64 timestamp;
    address validationRegistry;
    bytes32 validationRequestHash;
    uint64 validationChainId;
    address validatorAddress;
    uint256 validatorAgentId;
    uint8 minValidationScore;
    bytes32 validationSubjectHash;
    bytes32 jobHash;
    string requiredValidationTag;
}
