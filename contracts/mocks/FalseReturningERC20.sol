// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title FalseReturningERC20
/// @notice TEST ONLY. An ERC-20 whose `transferFrom` moves nothing and returns false, as some legacy tokens do
///         instead of reverting. `SafeERC20` must turn that into a revert.
contract FalseReturningERC20 is ERC20 {
    constructor() ERC20("False Token", "FALSE") {}

    /// @notice Mints `amount` to `to`.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @dev Fails silently.
    function transferFrom(address, address, uint256) public pure override returns (bool) {
        return false;
    }
}
