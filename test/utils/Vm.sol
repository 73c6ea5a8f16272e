// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @dev The forge-style cheatcodes our Solidity tests use (Hardhat 3 implements them at this address).
interface Vm {
    function warp(uint256 newTimestamp) external;
    function roll(uint256 newNumber) external;
    function deal(address account, uint256 newBalance) external;
    function prank(address msgSender) external;
    function startPrank(address msgSender) external;
    function stopPrank() external;
    function expectRevert(bytes calldata revertData) external;
    function expectRevert(bytes4 revertData) external;
    function expectRevert() external;
    function expectEmit(bool checkTopic1, bool checkTopic2, bool checkTopic3, bool checkData) external;
    function expectEmit() external;
    function assume(bool condition) external pure;
    function addr(uint256 privateKey) external pure returns (address);
    function sign(uint256 privateKey, bytes32 digest) external pure returns (uint8 v, bytes32 r, bytes32 s);
    function readFile(string calldata path) external view returns (string memory);
    function parseJson(string calldata json, string calldata key) external pure returns (bytes memory);
    function parseJsonBytes(string calldata json, string calldata key) external pure returns (bytes memory);
    function parseJsonBytes32(string calldata json, string calldata key) external pure returns (bytes32);
    function parseJsonUint(string calldata json, string calldata key) external pure returns (uint256);
    function parseJsonAddress(string calldata json, string calldata key) external pure returns (address);
    function parseJsonString(string calldata json, string calldata key) external pure returns (string memory);
    function parseJsonBytes32Array(string calldata json, string calldata key) external pure returns (bytes32[] memory);
    function parseJsonKeys(string calldata json, string calldata key) external pure returns (string[] memory);
    function toString(uint256 value) external pure returns (string memory);
    function label(address account, string calldata newLabel) external;
    function snapshotState() external returns (uint256 snapshotId);
    function revertToState(uint256 snapshotId) external returns (bool success);
    function getBlockTimestamp() external view returns (uint256);
    // Appended by v2 (validation registry + decoder tests): assertions and call mocking.
    function assertEq(uint256 left, uint256 right, string calldata error) external pure;
    function assertEq(address left, address right, string calldata error) external pure;
    function assertEq(bytes32 left, bytes32 right, string calldata error) external pure;
    function assertEq(string calldata left, string calldata right, string calldata error) external pure;
    function assertTrue(bool condition, string calldata error) external pure;
    function assertFalse(bool condition, string calldata error) external pure;
    function mockCallRevert(address callee, bytes calldata data, bytes calldata revertData) external;
    function etch(address target, bytes calldata newRuntimeBytecode) external;
    function expectEmit(bool checkTopic1, bool checkTopic2, bool checkTopic3, bool checkData, address emitter) external;
}

/// @dev The cheatcode address (keccak256("hevm cheat code")).
Vm constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

/// @dev Cheatcodes added by the BLS tests (appended so the shared interface above stays untouched).
interface VmBls {
    function keyExistsJson(string calldata json, string calldata key) external pure returns (bool);
}

/// @dev The same cheatcode address, typed with the BLS additions.
VmBls constant vmBls = VmBls(address(uint160(uint256(keccak256("hevm cheat code")))));

/// @dev Cheatcodes added by the ClearingHouse tests (appended so the shared interface above stays untouched).
interface VmClearing {
    function chainId(uint256 newChainId) external;
}

/// @dev The same cheatcode address, typed with the ClearingHouse additions.
VmClearing constant vmc = VmClearing(address(uint160(uint256(keccak256("hevm cheat code")))));
