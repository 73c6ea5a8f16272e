// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title ICore4MicaCollateral
/// @notice Collateral custody of the Core4Mica vault: deposits, delayed withdrawals, the asset allowlist, the
///         vault timings (docs/protocol.md §7) and the deposit pause (§8).
/// @dev Collateral is held per (payer, asset). `asset == address(0)` is ETH; any other asset is an ERC-20 that
///      governance has allowlisted. Collateral leaves the vault only through a delayed withdrawal, a redemption
///      to a guarantee's recipient, or a seizure by the ClearingHouse.
interface ICore4MicaCollateral {
    // ---------------------------------------------------------------- errors

    /// @notice `asset` is not accepted for new deposits (it was never allowlisted, or was disallowed).
    error Core4MicaAssetNotAllowed(address asset);
    /// @notice `asset` cannot be (dis)allowed: it is ETH (always accepted), or it has no code and is being allowed.
    error Core4MicaInvalidAsset(address asset);
    /// @notice `depositFor` was given the zero address as payer.
    error Core4MicaInvalidPayer(address payer);
    /// @notice The ETH sent does not match what the deposit requires (`amount` for ETH, 0 for an ERC-20).
    error Core4MicaEthValueMismatch(uint256 sent, uint256 expected);
    /// @notice A deposit of `amount` of `asset` credited nothing (zero amount, or a token that took it all as fee).
    error Core4MicaNothingCredited(address asset, uint256 amount);
    /// @notice An amount argument that must be positive was zero.
    error Core4MicaZeroAmount();
    /// @notice `user` has only `available` of `asset`, less than the `amount` required.
    error Core4MicaInsufficientCollateral(address user, address asset, uint256 amount, uint256 available);
    /// @notice `user` has no pending withdrawal request for `asset`.
    error Core4MicaNoWithdrawalRequest(address user, address asset);
    /// @notice The withdrawal request cannot be finalized before `readyAt`.
    error Core4MicaWithdrawalNotReady(address user, address asset, uint256 readyAt);
    /// @notice The timings violate `0 < grace < expiry`, `syncDelay > 0` or `syncDelay + expiry < withdrawalDelay`.
    error Core4MicaInvalidTimings(uint64 grace, uint64 expiry, uint64 withdrawalDelay, uint64 syncDelay);
    /// @notice Sending `amount` wei to `to` failed.
    error Core4MicaEthTransferFailed(address to, uint256 amount);
    /// @notice Plain ETH transfers and unknown calls are refused, so that no ETH is stranded outside collateral.
    error Core4MicaDirectCallRefused(address caller, uint256 value);

    // ---------------------------------------------------------------- events

    /// @notice `depositor` deposited `amount` of `asset` (the amount actually credited) to `user`'s collateral.
    event CollateralDeposited(address indexed user, address indexed asset, address indexed depositor, uint256 amount);
    /// @notice `user` asked to withdraw `amount` of `asset`; any earlier request for that asset was replaced.
    event WithdrawalRequested(address indexed user, address indexed asset, uint256 amount, uint64 requestedAt);
    /// @notice `user` canceled its pending withdrawal of `amount` of `asset`.
    event WithdrawalCanceled(address indexed user, address indexed asset, uint256 amount);
    /// @notice A pending withdrawal was reduced (by a redemption or a seizure) to `remaining` (0 means removed).
    event WithdrawalReduced(address indexed user, address indexed asset, uint256 remaining);
    /// @notice `user` withdrew `amount` of `asset`.
    event CollateralWithdrawn(address indexed user, address indexed asset, uint256 amount);
    /// @notice Governance allowed or disallowed `asset` for new deposits.
    event AssetAllowanceUpdated(address indexed asset, bool allowed);
    /// @notice Governance set the vault timings (seconds).
    event TimingsUpdated(uint64 remunerationGrace, uint64 guaranteeExpiry, uint64 withdrawalDelay, uint64 syncDelay);

    // ---------------------------------------------------------------- deposits

    /// @notice Deposits collateral for the caller.
    /// @dev ETH: `asset == address(0)` and `msg.value == amount`. ERC-20: `msg.value == 0`, the vault pulls `amount`
    ///      with `transferFrom` and credits the measured balance increase (exact for fee-on-transfer tokens).
    ///      Reverts `EnforcedPause` while paused, `Core4MicaAssetNotAllowed` for a non-allowlisted ERC-20,
    ///      `Core4MicaEthValueMismatch`, and `Core4MicaNothingCredited` when nothing would be credited.
    /// @param asset ERC-20 address, or address(0) for ETH.
    /// @param amount The amount to deposit.
    function deposit(address asset, uint256 amount) external payable;

    /// @notice Deposits collateral for `payer`, paid by the caller; same rules as {deposit}.
    /// @param payer The account credited; it alone can withdraw. Must not be the zero address.
    function depositFor(address payer, address asset, uint256 amount) external payable;

    // ---------------------------------------------------------------- withdrawals

    /// @notice Asks to withdraw `amount` of `asset` after the withdrawal delay.
    /// @dev One request per (caller, asset): a new request replaces the old one and restarts its clock.
    ///      `0 < amount <= collateral` (`Core4MicaZeroAmount`, `Core4MicaInsufficientCollateral`). Not pausable.
    function requestWithdrawal(address asset, uint256 amount) external;

    /// @notice Cancels the caller's pending withdrawal of `asset` (`Core4MicaNoWithdrawalRequest` if none).
    function cancelWithdrawal(address asset) external;

    /// @notice Pays out the caller's pending withdrawal of `asset` once `withdrawalDelay` has elapsed since it was
    ///         requested (`Core4MicaWithdrawalNotReady` before). Not pausable.
    /// @dev Pays `min(requested, collateral)`: a redemption or seizure may have reduced the collateral since.
    /// @return amount What was paid to the caller.
    function finalizeWithdrawal(address asset) external returns (uint256 amount);

    // ---------------------------------------------------------------- governance

    /// @notice Allows or disallows an ERC-20 as collateral (restricted). Disallowing stops new deposits only:
    ///         existing collateral can still be withdrawn, redeemed and seized.
    function setAssetAllowed(address asset, bool allowed) external;

    /// @notice Sets all four timings at once (restricted), in seconds, checking the invariants of protocol.md §7:
    ///         `0 < grace < expiry`, `syncDelay > 0`, `syncDelay + expiry < withdrawalDelay`, and, once a
    ///         ClearingHouse is set, the shared invariant against every live segment of its schedule
    ///         ({SettlementTimings}: `SettlementTimingsWithdrawalBeforeSeizure`, `SettlementTimingsEmptyV1Fallback`).
    function setTimings(
        uint64 remunerationGrace,
        uint64 guaranteeExpiry,
        uint64 withdrawalDelay,
        uint64 syncDelay
    ) external;

    /// @notice Stops new deposits (restricted). Never stops redemptions, withdrawals or ClearingHouse calls.
    function pause() external;

    /// @notice Resumes deposits (restricted).
    function unpause() external;

    // ---------------------------------------------------------------- views

    /// @notice `user`'s collateral in `asset`, pending withdrawal included.
    function collateral(address user, address asset) external view returns (uint256);

    /// @notice `user`'s pending withdrawal of `asset` (zeros if none).
    function withdrawalRequest(address user, address asset) external view returns (uint256 amount, uint64 requestedAt);

    /// @notice Whether new deposits of `asset` are accepted (always true for ETH).
    function isAssetAllowed(address asset) external view returns (bool);

    /// @notice Age from which a V2 guarantee may be redeemed directly (default 14 days).
    function remunerationGrace() external view returns (uint64);

    /// @notice Age from which no guarantee may be redeemed any more (default 21 days).
    function guaranteeExpiry() external view returns (uint64);

    /// @notice Wait between a withdrawal request and its finalization (default 22 days).
    function withdrawalDelay() external view returns (uint64);

    /// @notice How long Core may take to see a withdrawal request (default 6 hours): a redeemed guarantee stamped
    ///         before `requestedAt + syncDelay` reduces that pending withdrawal.
    function synchronizationDelay() external view returns (uint64);
}
