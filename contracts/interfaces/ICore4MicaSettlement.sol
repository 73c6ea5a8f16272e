// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title ICore4MicaSettlement
/// @notice The vault functions that only the ClearingHouse may call, and the views it reads.
interface ICore4MicaSettlement {
    /// @notice `amount` of `user`'s `asset` collateral paid its net debit of a ClearingHouse cycle, on its
    ///         authorization ({settleFromCollateral}).
    event CollateralSettled(address indexed user, address indexed asset, uint256 amount);

    /// @notice A payable V2+ guarantee that a commit nets (route A): the certificate's inner bytes and the payer's
    ///         EIP-712 signature over its request. No BLS signature: what makes it owed is the payer's signature
    ///         and the registry result, both checked by the vault.
    struct NettedGuarantee {
        uint64 version;
        bytes inner;
        bytes payerSignature;
    }

    /// @notice What a netted guarantee takes from its payer: counted towards that payer's provable signed amount of
    ///         the (cycle, asset).
    struct SignedDebit {
        address user;
        uint256 amount;
    }

    /// @notice Consumes the ids of the V2+ guarantees that the commit of (`cycleId`, `asset`) nets, each only if it
    ///         is owed now: version 2 or later and enabled, the payer's signature (ECDSA or ERC-1271) over its
    ///         request verifies under the vault's EIP-712 domain, asset `asset`, a recipient and a non-zero amount,
    ///         it does not expire before `seizableUntil` (the cycle's payment deadline plus the seizure margin), the
    ///         decoder's `checkRedeemable` passes (V2: the registry result is there), and the id is not consumed.
    /// @return debits One `(user, amount)` per guarantee, in order.
    function consumeNettedGuarantees(
        uint256 cycleId,
        address asset,
        uint256 seizableUntil,
        NettedGuarantee[] calldata guarantees
    ) external returns (SignedDebit[] memory debits);

    /// @notice Moves up to `amount` of `user`'s `asset` collateral to the ClearingHouse to cover a default.
    /// @return seized What was moved: `min(amount, collateral)`.
    function seizeCollateral(address user, address asset, uint256 amount) external returns (uint256 seized);

    /// @notice Pays net debits from collateral, on the debtors' authorizations checked by the ClearingHouse: for
    ///         each `users[i]` whose `asset` collateral covers `amounts[i]`, debits exactly `amounts[i]` (a pending
    ///         withdrawal is then capped at what remains, as for a seizure) and emits {CollateralSettled}; debits
    ///         nothing from the others. Then sends the total to the ClearingHouse in one transfer.
    /// @dev `amounts` pairs with `users` (the ClearingHouse builds both with the same length).
    /// @return total The sum sent.
    /// @return settled Per user: `amounts[i]` if debited, else 0.
    function settleFromCollateral(
        address asset,
        address[] calldata users,
        uint256[] calldata amounts
    ) external returns (uint256 total, uint256[] memory settled);

    /// @notice Whether a guarantee id has been paid (by redemption or by netting).
    function isConsumed(bytes32 guaranteeId) external view returns (bool);

    /// @notice The vault's EIP-712 domain separator (`{name: "4Mica", version: "1", chainId, verifyingContract:
    ///         vault}`): payers sign their requests under it, and guarantee ids are derived from it.
    function requestDomainSeparator() external view returns (bytes32);
}
