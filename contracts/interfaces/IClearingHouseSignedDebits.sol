// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title IClearingHouseSignedDebits
/// @notice What a payer signed in a (cycle, asset), proven on-chain: the cap of any seizure from that payer for that
///         cycle (docs/protocol.md §6.4). Two parts, each counted once per guarantee id:
///         - V1: requests whose timestamp lies in the cycle, each with the payer's EIP-712 (or ERC-1271) signature
///           under the vault's domain, proven by anyone with {proveSignedRequests} in ascending guarantee-id order
///           into the caller's own cursor (so nobody can block another prover by proving out of order);
///         - V2+: the guarantees the cycle's commit netted, whose payer signature and registry result the vault
///           checked when it consumed their ids; recorded by the commit.
interface IClearingHouseSignedDebits {
    /// @notice A V1 request of the debtor, as the payer signed it (`user` = the debtor, `asset` = the cycle's asset).
    struct SignedRequestV1 {
        address recipient;
        uint256 reqId;
        uint256 amount;
        uint64 timestamp;
        /// @dev The payer's signature over the vault's `payerRequestDigest` of the V1 request struct hash.
        bytes signature;
    }

    /// @notice A proof's guarantee id `id` is not above the prover's last proven id `lastId` (ids strictly ascend).
    error ClearingHouseProofOutOfOrder(bytes32 id, bytes32 lastId);
    /// @notice The request's `timestamp` is outside cycle `cycleId`'s `[start, end)`.
    error ClearingHouseRequestOutsideCycle(uint256 cycleId, bytes32 id, uint256 timestamp, uint256 start, uint256 end);
    /// @notice The signature is not `debtor`'s (ECDSA or ERC-1271) over the V1 request with guarantee id `id`.
    error ClearingHouseInvalidRequestSignature(address debtor, bytes32 id);
    /// @notice Inside the seizure margin a default must be covered by the proven signed amount: `debtor`'s net debit
    ///         `netDebit` exceeds what `prover` proved (`proven`, V2 netted amount included). After
    ///         `paymentDeadline + SEIZURE_MARGIN` a default seizes at most `proven` instead.
    error ClearingHouseSignedAmountTooLow(
        uint256 cycleId,
        address asset,
        address debtor,
        address prover,
        uint256 proven,
        uint256 netDebit
    );

    /// @notice `prover` proved `count` more V1 requests of `debtor` in (`cycleId`, `asset`); its cursor is now at
    ///         `lastId` with total `v1Total`.
    event SignedRequestsProven(
        uint256 indexed cycleId,
        address indexed asset,
        address indexed debtor,
        address prover,
        uint256 count,
        bytes32 lastId,
        uint256 v1Total
    );

    /// @notice Proves V1 requests that `debtor` signed in (`cycleId`, `asset`), adding their amounts to the
    ///         caller's cursor. Anyone, once the (cycle, asset) is committed, across as many calls as needed.
    /// @dev Guarantee ids (`GuaranteeIds.idOf(vault domain, debtor, recipient, asset, reqId)`) must strictly ascend
    ///      across the caller's calls, so each is counted once without a storage write per request. Reverts
    ///      `ClearingHouseCycleNotCommitted`, `ClearingHouseProofOutOfOrder`, `ClearingHouseRequestOutsideCycle`,
    ///      `ClearingHouseInvalidRequestSignature`.
    /// @return v1Total The caller's proven V1 total for the debtor so far.
    function proveSignedRequests(
        uint256 cycleId,
        address asset,
        address debtor,
        SignedRequestV1[] calldata requests
    ) external returns (uint256 v1Total);

    /// @notice `prover`'s cursor for `debtor` in (`cycleId`, `asset`): last proven id and V1 total.
    function signedRequestCursor(
        uint256 cycleId,
        address asset,
        address debtor,
        address prover
    ) external view returns (bytes32 lastId, uint256 v1Total);

    /// @notice What the commit of (`cycleId`, `asset`) netted from `debtor` in V2+ guarantees.
    function nettedSignedAmount(uint256 cycleId, address asset, address debtor) external view returns (uint256);

    /// @notice The most a default of `debtor` in (`cycleId`, `asset`) may seize with `prover`'s cursor: its V1 total
    ///         plus {nettedSignedAmount}.
    function provenSignedAmount(
        uint256 cycleId,
        address asset,
        address debtor,
        address prover
    ) external view returns (uint256);

    /// @notice Time after the payment deadline inside which a default must be fully covered by the proven amount.
    function SEIZURE_MARGIN() external view returns (uint256);
}
