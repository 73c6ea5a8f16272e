// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {MockERC20} from "../../contracts/mocks/MockERC20.sol";
import {vm} from "../utils/Vm.sol";

contract MockERC20Test {
    function test_decimals_areConfigurable() external {
        vm.assertEq(new MockERC20("USD Coin", "USDC", 6).decimals(), 6, "6 decimals");
        vm.assertEq(new MockERC20("Wrapped Ether", "WETH", 18).decimals(), 18, "18 decimals");
    }

    function testFuzz_mint_creditsBalanceAndSupply(address to, uint128 a, uint128 b) external {
        if (to == address(0)) to = address(1);
        MockERC20 token = new MockERC20("T", "T", 6);
        token.mint(to, a);
        token.mint(to, b);
        vm.assertEq(token.balanceOf(to), uint256(a) + b, "balance");
        vm.assertEq(token.totalSupply(), uint256(a) + b, "supply");
    }
}
