// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title NetDebitSettlement
/// @notice EIP-712 struct hash of a debtor's authorization to pay its net debit of one (cycle, asset) from its
///         vault collateral (docs/protocol.md §6).
/// @dev The digest is `_hashTypedDataV4(structHash)` under the ClearingHouse's domain
///      `{name: "4Mica ClearingHouse", version: "1", chainId, verifyingContract: ClearingHouse}` (pinned with the
///      TypeScript side by test/vectors/netDebitSettlement.json).
library NetDebitSettlement {
    /// @notice EIP-712 type of the authorization.
    string internal constant TYPE = "NetDebitSettlement(uint256 cycleId,address asset,address debtor,uint256 amount)";

    bytes32 internal constant TYPEHASH = keccak256(bytes(TYPE));

    /// @notice Struct hash of the authorization of `debtor` to pay `amount` of (`cycleId`, `asset`).
    function hash(uint256 cycleId, address asset, address debtor, uint256 amount) internal pure returns (bytes32) {
        return keccak256(abi.encode(TYPEHASH, cycleId, asset, debtor, amount));
    }
}
