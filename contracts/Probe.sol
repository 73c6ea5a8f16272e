// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;
contract Probe { function hi() external pure returns (uint256) { return 1; } }
