// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {ICore4MicaCollateral} from "./interfaces/ICore4MicaCollateral.sol";

/// @title Core4MicaCollateral
/// @notice Collateral custody for {Core4Mica}: deposits, delayed withdrawals, the asset allowlist and the timings.
/// @dev Uses the transient-storage reentrancy guard (Prague): same guarantees as `ReentrancyGuard`, without the two
///      storage writes per guarded call.
abstract contract Core4MicaCollateral is ICore4MicaCollateral, AccessManaged, Pausable, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @dev One pending withdrawal, packed in one slot. `amount` fits: it never exceeds collateral, and a request
    ///      above 2^192 - 1 reverts in `SafeCast`.
    struct WithdrawalRequest {
        uint192 amount;
        uint64 requestedAt;
    }

    /// @dev The four timings of docs/protocol.md §7, packed in one slot.
    struct Timings {
        uint64 remunerationGrace;
        uint64 guaranteeExpiry;
        uint64 withdrawalDelay;
        uint64 syncDelay;
    }

    address internal constant ETH = address(0);

    mapping(address user => mapping(address asset => uint256)) private _collateral;
    mapping(address user => mapping(address asset => WithdrawalRequest)) private _withdrawals;
    mapping(address asset => bool) private _allowedAssets;
    Timings private _timings;

    /// @param authority The AccessManager.
    /// @param allowedAssets ERC-20s accepted as collateral from the start (ETH always is).
    constructor(address authority, address[] memory allowedAssets) AccessManaged(authority) {
        _setTimings(14 days, 21 days, 22 days, 6 hours);
        for (uint256 i = 0; i < allowedAssets.length; ++i) {
            _setAssetAllowed(allowedAssets[i], true);
        }
    }

    /// @dev No stray ETH: ETH enters only through {deposit}/{depositFor}.
    receive() external payable {
        revert Core4MicaDirectCallRefused(msg.sender, msg.value);
    }

    /// @dev Unknown selectors are refused with the same error.
    fallback() external payable {
        revert Core4MicaDirectCallRefused(msg.sender, msg.value);
    }

    // ---------------------------------------------------------------- deposits

    /// @inheritdoc ICore4MicaCollateral
    function deposit(address asset, uint256 amount) external payable {
        _deposit(msg.sender, asset, amount);
    }

    /// @inheritdoc ICore4MicaCollateral
    function depositFor(address payer, address asset, uint256 amount) external payable {
        if (payer == address(0)) revert Core4MicaInvalidPayer(payer);
        _deposit(payer, asset, amount);
    }

    function _deposit(address payer, address asset, uint256 amount) private whenNotPaused nonReentrant {
        uint256 credited;
        if (asset == ETH) {
            if (msg.value != amount) revert Core4MicaEthValueMismatch(msg.value, amount);
            credited = amount;
        } else {
            if (!_allowedAssets[asset]) revert Core4MicaAssetNotAllowed(asset);
            if (msg.value != 0) revert Core4MicaEthValueMismatch(msg.value, 0);
            IERC20 token = IERC20(asset);
            uint256 before = token.balanceOf(address(this));
            token.safeTransferFrom(msg.sender, address(this), amount);
            // Credit what arrived, not what was asked: exact for fee-on-transfer tokens. A token whose balance
            // shrinks on an incoming transfer makes this underflow and revert, which is what we want.
            credited = token.balanceOf(address(this)) - before;
        }
        if (credited == 0) revert Core4MicaNothingCredited(asset, amount);
        _collateral[payer][asset] += credited;
        emit CollateralDeposited(payer, asset, msg.sender, credited);
    }

    // ---------------------------------------------------------------- withdrawals

    /// @inheritdoc ICore4MicaCollateral
    function requestWithdrawal(address asset, uint256 amount) external {
        if (amount == 0) revert Core4MicaZeroAmount();
        uint256 available = _collateral[msg.sender][asset];
        if (amount > available) revert Core4MicaInsufficientCollateral(msg.sender, asset, amount, available);
        uint64 requestedAt = uint64(block.timestamp);
        _withdrawals[msg.sender][asset] = WithdrawalRequest(SafeCast.toUint192(amount), requestedAt);
        emit WithdrawalRequested(msg.sender, asset, amount, requestedAt);
    }

    /// @inheritdoc ICore4MicaCollateral
    function cancelWithdrawal(address asset) external {
        uint256 amount = _withdrawals[msg.sender][asset].amount;
        if (amount == 0) revert Core4MicaNoWithdrawalRequest(msg.sender, asset);
        delete _withdrawals[msg.sender][asset];
        emit WithdrawalCanceled(msg.sender, asset, amount);
    }

    /// @inheritdoc ICore4MicaCollateral
    function finalizeWithdrawal(address asset) external nonReentrant returns (uint256 amount) {
        WithdrawalRequest memory request = _withdrawals[msg.sender][asset];
        if (request.amount == 0) revert Core4MicaNoWithdrawalRequest(msg.sender, asset);
        uint256 readyAt = uint256(request.requestedAt) + _timings.withdrawalDelay;
        if (block.timestamp < readyAt) revert Core4MicaWithdrawalNotReady(msg.sender, asset, readyAt);
        uint256 available = _collateral[msg.sender][asset];
        amount = request.amount < available ? request.amount : available;
        delete _withdrawals[msg.sender][asset];
        // `amount <= available`, so this cannot underflow.
        unchecked {
            _collateral[msg.sender][asset] = available - amount;
        }
        emit CollateralWithdrawn(msg.sender, asset, amount);
        _transferOut(asset, msg.sender, amount);
    }

    // ---------------------------------------------------------------- governance

    /// @inheritdoc ICore4MicaCollateral
    function setAssetAllowed(address asset, bool allowed) external restricted {
        _setAssetAllowed(asset, allowed);
    }

    /// @inheritdoc ICore4MicaCollateral
    function setTimings(
        uint64 remunerationGrace_,
        uint64 guaranteeExpiry_,
        uint64 withdrawalDelay_,
        uint64 syncDelay_
    ) external restricted {
        _setTimings(remunerationGrace_, guaranteeExpiry_, withdrawalDelay_, syncDelay_);
    }

    /// @inheritdoc ICore4MicaCollateral
    function pause() external restricted {
        _pause();
    }

    /// @inheritdoc ICore4MicaCollateral
    function unpause() external restricted {
        _unpause();
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc ICore4MicaCollateral
    function collateral(address user, address asset) external view returns (uint256) {
        return _collateral[user][asset];
    }

    /// @inheritdoc ICore4MicaCollateral
    function withdrawalRequest(address user, address asset) external view returns (uint256 amount, uint64 requestedAt) {
        WithdrawalRequest memory request = _withdrawals[user][asset];
        return (request.amount, request.requestedAt);
    }

    /// @inheritdoc ICore4MicaCollateral
    function isAssetAllowed(address asset) external view returns (bool) {
        return asset == ETH || _allowedAssets[asset];
    }

    /// @inheritdoc ICore4MicaCollateral
    function remunerationGrace() external view returns (uint64) {
        return _timings.remunerationGrace;
    }

    /// @inheritdoc ICore4MicaCollateral
    function guaranteeExpiry() external view returns (uint64) {
        return _timings.guaranteeExpiry;
    }

    /// @inheritdoc ICore4MicaCollateral
    function withdrawalDelay() external view returns (uint64) {
        return _timings.withdrawalDelay;
    }

    /// @inheritdoc ICore4MicaCollateral
    function synchronizationDelay() external view returns (uint64) {
        return _timings.syncDelay;
    }

    // ---------------------------------------------------------------- internal: used by Core4Mica

    /// @dev The timings, for the redemption windows.
    function _getTimings() internal view returns (Timings memory) {
        return _timings;
    }

    /// @dev Pays a redeemed guarantee stamped `certifiedAt` from `user`'s collateral (reverts if short). A pending
    ///      withdrawal requested at `t_w` with `certifiedAt < t_w + syncDelay` is reduced by `amount` (Core could not
    ///      yet see the request when it certified the guarantee); any pending withdrawal is then capped at what
    ///      remains.
    function _debitForRedemption(address user, address asset, uint256 amount, uint64 certifiedAt) internal {
        _debit(user, asset, amount, true, certifiedAt);
    }

    /// @dev Takes up to `amount` of `user`'s `asset` collateral for a seizure and returns what was taken; any pending
    ///      withdrawal is capped at what remains.
    function _debitForSeizure(address user, address asset, uint256 amount) internal returns (uint256 seized) {
        uint256 available = _collateral[user][asset];
        seized = amount < available ? amount : available;
        _debit(user, asset, seized, false, 0);
    }

    /// @dev Takes exactly `amount` of `user`'s `asset` collateral if it holds that much (any pending withdrawal is then
    ///      capped at what remains, as for a seizure) and returns true; otherwise takes nothing and returns false.
    function _debitInFull(address user, address asset, uint256 amount) internal returns (bool) {
        if (amount > _collateral[user][asset]) return false;
        _debit(user, asset, amount, false, 0);
        return true;
    }

    /// @dev Sends `amount` of `asset` to `to`. ETH by call (a failure reverts), ERC-20 by `safeTransfer`.
    function _transferOut(address asset, address to, uint256 amount) internal {
        if (amount == 0) return;
        if (asset == ETH) {
            (bool ok, ) = to.call{value: amount}("");
            if (!ok) revert Core4MicaEthTransferFailed(to, amount);
        } else {
            IERC20(asset).safeTransfer(to, amount);
        }
    }

    /// @dev Hook for the cross-contract timing invariant ({SettlementTimings}): {Core4Mica} checks new timings
    ///      against its ClearingHouse's schedule.
    function _checkSettlementTimings(uint64 expiry, uint64 withdrawalDelay_, uint64 syncDelay) internal view virtual;

    // ---------------------------------------------------------------- private

    /// @dev See {_debitForRedemption}; `syncRule` says whether the synchronization rule applies at all.
    function _debit(address user, address asset, uint256 amount, bool syncRule, uint64 certifiedAt) private {
        uint256 available = _collateral[user][asset];
        if (amount > available) revert Core4MicaInsufficientCollateral(user, asset, amount, available);
        uint256 remaining;
        // `amount <= available` was just checked.
        unchecked {
            remaining = available - amount;
        }
        _collateral[user][asset] = remaining;

        WithdrawalRequest memory request = _withdrawals[user][asset];
        uint256 pending = request.amount;
        if (pending == 0) return;
        uint256 reduced = pending;
        if (syncRule && uint256(certifiedAt) < uint256(request.requestedAt) + _timings.syncDelay) {
            reduced = pending > amount ? pending - amount : 0;
        }
        if (reduced > remaining) reduced = remaining;
        if (reduced == pending) return;
        if (reduced == 0) {
            delete _withdrawals[user][asset];
        } else {
            // `reduced < pending`, which fit in uint192.
            _withdrawals[user][asset].amount = uint192(reduced);
        }
        emit WithdrawalReduced(user, asset, reduced);
    }

    function _setAssetAllowed(address asset, bool allowed) private {
        if (asset == ETH || (allowed && asset.code.length == 0)) revert Core4MicaInvalidAsset(asset);
        _allowedAssets[asset] = allowed;
        emit AssetAllowanceUpdated(asset, allowed);
    }

    function _setTimings(uint64 grace, uint64 expiry, uint64 withdrawalDelay_, uint64 syncDelay) private {
        // Summed in uint256 so that large values cannot overflow the check.
        if (
            grace == 0 ||
            grace >= expiry ||
            syncDelay == 0 ||
            uint256(syncDelay) + uint256(expiry) >= uint256(withdrawalDelay_)
        ) revert Core4MicaInvalidTimings(grace, expiry, withdrawalDelay_, syncDelay);
        _checkSettlementTimings(expiry, withdrawalDelay_, syncDelay);
        _timings = Timings(grace, expiry, withdrawalDelay_, syncDelay);
        emit TimingsUpdated(grace, expiry, withdrawalDelay_, syncDelay);
    }
}
