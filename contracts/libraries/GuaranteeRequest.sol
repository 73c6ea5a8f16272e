// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {Guarantee, GuaranteeV2} from "./GuaranteeTypes.sol";

/// @title GuaranteeRequest
/// @notice EIP-712 struct hashes of the payer's guarantee request (docs/protocol.md §3).
/// @dev The digest is `_hashTypedDataV4(structHash)` under the vault's domain
///      `{name: "4Mica", version: "1", chainId, verifyingContract: Core4Mica}`; this library only builds the
///      struct hash, from the certificate fields the payer signed.
library GuaranteeRequest {
    /// @notice EIP-712 type of a V1 request.
    string internal constant V1_TYPE =
        "GuaranteeRequestV1(address user,address recipient,uint256 reqId,uint256 amount,address asset,"
        "uint64 timestamp)";
    /// @notice EIP-712 type of a V2 request: the V1 fields, then the validation policy.
    string internal constant V2_TYPE =
        "GuaranteeRequestV2(address user,address recipient,uint256 reqId,uint256 amount,address asset,uint64 timestamp,"
        "address validationRegistry,bytes32 validationRequestHash,uint64 validationChainId,address validatorAddress,"
        "uint256 validatorAgentId,uint8 minValidationScore,bytes32 validationSubjectHash,bytes32 jobHash,"
        "string requiredValidationTag)";

    bytes32 internal constant V1_TYPEHASH = keccak256(bytes(V1_TYPE));
    bytes32 internal constant V2_TYPEHASH = keccak256(bytes(V2_TYPE));

    /// @notice Struct hash of the V1 request carried by `g`.
    function hashV1(Guarantee memory g) internal pure returns (bytes32) {
        return keccak256(abi.encode(V1_TYPEHASH, g.user, g.recipient, g.reqId, g.amount, g.asset, g.timestamp));
    }

    /// @notice Struct hash of the V2 request carried by `g`; the tag is hashed as an EIP-712 `string`.
    function hashV2(GuaranteeV2 memory g) internal pure returns (bytes32) {
        // Two halves keep the encoder's stack small; concatenating two abi.encode of static words equals one.
        bytes memory head = abi.encode(V2_TYPEHASH, g.user, g.recipient, g.reqId, g.amount, g.asset, g.timestamp);
        bytes memory policy = abi.encode(
            g.validationRegistry,
            g.validationRequestHash,
            g.validationChainId,
            g.validatorAddress,
            g.validatorAgentId,
            g.minValidationScore,
            g.validationSubjectHash,
            g.jobHash,
            keccak256(bytes(g.requiredValidationTag))
        );
        return keccak256(bytes.concat(head, policy));
    }
}
