// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

import {ICore4MicaSettlement} from "../interfaces/ICore4MicaSettlement.sol";

/// @title MockCore4MicaSettlement
/// @notice A stand-in for the vault's settlement side in ClearingHouse tests: collateral per (user, asset), a
///         consumed-id set, seizure of `min(amount, collateral)` sent to the caller, settlement from collateral of
///         each covered amount (one transfer of the total), the vault's EIP-712 domain
///         separator and settable timings. No access control. Its netted guarantees are not verified: `inner` is
///         `abi.encode(bytes32 id, address user, uint256 amount)` (the real vault's checks are tested against it).
contract MockCore4MicaSettlement is ICore4MicaSettlement {
    using SafeERC20 for IERC20;

    /// @notice Same name and argument as the vault's error, so tests read the same.
    error Core4MicaGuaranteeAlreadyConsumed(bytes32 guaranteeId);
    /// @notice ETH value differs from the deposit amount.
    error MockVaultIncorrectDeposit(uint256 expected, uint256 received);
    /// @notice Sending ETH to the caller failed.
    error MockVaultEtherTransferFailed(address to, uint256 amount);

    /// @notice Collateral was added.
    event MockDeposited(address indexed user, address indexed asset, uint256 amount);
    /// @notice Collateral was seized for the caller.
    event MockSeized(address indexed user, address indexed asset, uint256 requested, uint256 seized);

    mapping(address user => mapping(address asset => uint256)) public collateral;
    mapping(bytes32 guaranteeId => bool) private _consumed;

    /// @notice The `seizableUntil` of the last {consumeNettedGuarantees} call.
    uint256 public lastSeizableUntil;

    /// @notice The vault timings the ClearingHouse checks its schedule against (the vault's defaults).
    uint64 public guaranteeExpiry = 21 days;
    uint64 public withdrawalDelay = 22 days;
    uint64 public synchronizationDelay = 6 hours;

    /// @notice Sets the timings reported to the ClearingHouse.
    function setTimings(uint64 expiry, uint64 withdrawalDelay_, uint64 syncDelay) external {
        guaranteeExpiry = expiry;
        withdrawalDelay = withdrawalDelay_;
        synchronizationDelay = syncDelay;
    }

    /// @notice Adds `amount` of `asset` collateral for `user`: ETH as value, an ERC-20 pulled from the caller.
    function deposit(address user, address asset, uint256 amount) external payable {
        if (asset == address(0)) {
            if (msg.value != amount) revert MockVaultIncorrectDeposit(amount, msg.value);
        } else {
            IERC20(asset).safeTransferFrom(msg.sender, address(this), amount);
        }
        collateral[user][asset] += amount;
        emit MockDeposited(user, asset, amount);
    }

    /// @notice Marks one id consumed as a direct redemption would; reverts on a repeat.
    function redeem(bytes32 guaranteeId) external {
        _consume(guaranteeId);
    }

    /// @inheritdoc ICore4MicaSettlement
    function consumeNettedGuarantees(
        uint256,
        address,
        uint256 seizableUntil,
        NettedGuarantee[] calldata guarantees
    ) external returns (SignedDebit[] memory debits) {
        lastSeizableUntil = seizableUntil;
        debits = new SignedDebit[](guarantees.length);
        for (uint256 i = 0; i < guarantees.length; ++i) {
            (bytes32 id, address user, uint256 amount) = abi.decode(guarantees[i].inner, (bytes32, address, uint256));
            _consume(id);
            debits[i] = SignedDebit(user, amount);
        }
    }

    /// @inheritdoc ICore4MicaSettlement
    function requestDomainSeparator() public view returns (bytes32) {
        return
            keccak256(
                abi.encode(
                    keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                    keccak256("4Mica"),
                    keccak256("1"),
                    block.chainid,
                    address(this)
                )
            );
    }

    /// @inheritdoc ICore4MicaSettlement
    function seizeCollateral(address user, address asset, uint256 amount) external returns (uint256 seized) {
        uint256 balance = collateral[user][asset];
        seized = amount < balance ? amount : balance;
        collateral[user][asset] = balance - seized;
        emit MockSeized(user, asset, amount, seized);
        _send(asset, seized);
    }

    /// @inheritdoc ICore4MicaSettlement
    function settleFromCollateral(
        address asset,
        address[] calldata users,
        uint256[] calldata amounts
    ) external returns (uint256 total, uint256[] memory settled) {
        settled = new uint256[](users.length);
        for (uint256 i = 0; i < users.length; ++i) {
            if (collateral[users[i]][asset] < amounts[i]) continue;
            collateral[users[i]][asset] -= amounts[i];
            settled[i] = amounts[i];
            total += amounts[i];
            emit CollateralSettled(users[i], asset, amounts[i]);
        }
        _send(asset, total);
    }

    /// @inheritdoc ICore4MicaSettlement
    function isConsumed(bytes32 guaranteeId) external view returns (bool) {
        return _consumed[guaranteeId];
    }

    /// @dev Sends `amount` of `asset` to the caller.
    function _send(address asset, uint256 amount) private {
        if (amount == 0) return;
        if (asset == address(0)) {
            (bool ok, ) = msg.sender.call{value: amount}("");
            if (!ok) revert MockVaultEtherTransferFailed(msg.sender, amount);
        } else {
            IERC20(asset).safeTransfer(msg.sender, amount);
        }
    }

    function _consume(bytes32 guaranteeId) private {
        if (_consumed[guaranteeId]) revert Core4MicaGuaranteeAlreadyConsumed(guaranteeId);
        _consumed[guaranteeId] = true;
    }
}
