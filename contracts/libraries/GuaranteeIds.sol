// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title GuaranteeIds
/// @notice The guarantee id, derived only from what the payer's EIP-712 signature binds, so that one payer
/// signature can pay at most once: across certificate-domain and key rotations, versions, chains and contracts.
/// @dev `requestDomainSeparator` is the vault's EIP-712 domain separator (`{name: "4Mica", version: "1", chainId,
/// verifyingContract: Core4Mica}`), which binds the chain and the vault; the payer signs it together with `user`,
/// `recipient`, `asset` and `reqId`. The certificate's own `domain`, its `cycleId` and its `version` are left out:
/// none of them is signed by the payer, so none may make a second id for the same signature.
library GuaranteeIds {
    /// @notice `keccak256(abi.encode(requestDomainSeparator, user, recipient, asset, reqId))`.
    function idOf(
        bytes32 requestDomainSeparator,
        address user,
        address recipient,
        address asset,
        uint256 reqId
    ) internal pure returns (bytes32) {
        return keccak256(abi.encode(requestDomainSeparator, user, recipient, asset, reqId));
    }
}
