// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title FeeOnTransferERC20
/// @notice TEST ONLY. An ERC-20 that burns `feeBps` of every transfer (mints and burns excepted), so the receiver
///         gets less than was sent. Anyone can mint and set the fee.
contract FeeOnTransferERC20 is ERC20 {
    uint256 private constant BPS = 10_000;
    uint256 private _feeBps;

    constructor(uint256 feeBps_) ERC20("Fee Token", "FEE") {
        _feeBps = feeBps_;
    }

    /// @notice Mints `amount` to `to`.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Sets the fee in basis points (10_000 = everything is burned).
    function setFeeBps(uint256 feeBps_) external {
        _feeBps = feeBps_;
    }

    /// @notice The fee in basis points.
    function feeBps() external view returns (uint256) {
        return _feeBps;
    }

    /// @dev Burns the fee out of every transfer between two accounts.
    function _update(address from, address to, uint256 value) internal override {
        if (from == address(0) || to == address(0)) {
            super._update(from, to, value);
            return;
        }
        uint256 fee = (value * _feeBps) / BPS;
        super._update(from, address(0), fee);
        super._update(from, to, value - fee);
    }
}
