// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {GuaranteeV2} from "./GuaranteeTypes.sol";

/// @title ValidationHashes
/// @notice The two canonical hashes that bind a V2 guarantee to its ERC-8004 validation request
///         (docs/protocol.md §4.3). The payer signs both; the V2 decoder recomputes and compares them.
library ValidationHashes {
    /// @notice Domain tag of the validation subject hash.
    bytes32 internal constant SUBJECT_TAG = keccak256("4MICA_VALIDATION_SUBJECT_V1");
    /// @notice Domain tag of the validation request hash.
    bytes32 internal constant REQUEST_TAG = keccak256("4MICA_VALIDATION_REQUEST_V2");

    /// @notice The subject of validation: the payment request being validated.
    function subjectHash(
        uint256 reqId,
        address user,
        address recipient,
        uint256 amount,
        address asset,
        uint64 timestamp
    ) internal pure returns (bytes32) {
        return keccak256(abi.encode(SUBJECT_TAG, reqId, user, recipient, amount, asset, timestamp));
    }

    /// @notice The subject hash recomputed from a V2 certificate's base fields.
    function subjectHash(GuaranteeV2 memory g) internal pure returns (bytes32) {
        return subjectHash(g.reqId, g.user, g.recipient, g.amount, g.asset, g.timestamp);
    }

    /// @notice The ERC-8004 request hash the registry is queried with.
    /// @dev `validationChainId` is widened to uint256 in the preimage, as the spec writes it.
    function requestHash(
        uint256 validationChainId,
        address validationRegistry,
        address validatorAddress,
        uint256 validatorAgentId,
        bytes32 validationSubjectHash,
        uint8 minValidationScore,
        string memory requiredValidationTag,
        bytes32 jobHash
    ) internal pure returns (bytes32) {
        return
            keccak256(
                abi.encode(
                    REQUEST_TAG,
                    validationChainId,
                    validationRegistry,
                    validatorAddress,
                    validatorAgentId,
                    validationSubjectHash,
                    minValidationScore,
                    keccak256(bytes(requiredValidationTag)),
                    jobHash
                )
            );
    }

    /// @notice The request hash recomputed from a V2 certificate's policy, over its carried subject hash.
    /// @dev Check `g.validationSubjectHash == subjectHash(g)` first: this overload trusts the carried value.
    function requestHash(GuaranteeV2 memory g) internal pure returns (bytes32) {
        return
            requestHash(
                g.validationChainId,
                g.validationRegistry,
                g.validatorAddress,
                g.validatorAgentId,
                g.validationSubjectHash,
                g.minValidationScore,
                g.requiredValidationTag,
                g.jobHash
            );
    }
}
