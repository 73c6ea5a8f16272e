// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @dev The log-recording cheatcodes (forge's `recordLogs` / `getRecordedLogs`) and `parseJsonBoolArray`, kept out
///      of the shared Vm.sol.
interface VmLogs {
    struct Log {
        bytes32[] topics;
        bytes data;
        address emitter;
    }

    function recordLogs() external;
    function getRecordedLogs() external returns (Log[] memory logs);
    function parseJsonBoolArray(string calldata json, string calldata key) external pure returns (bool[] memory);
}

/// @dev The cheatcode address (keccak256("hevm cheat code")), typed with the log cheatcodes.
VmLogs constant vml = VmLogs(address(uint160(uint256(keccak256("hevm cheat code")))));

/// @dev Records the logs from here on ({logsOf} reads them).
function startRecordingLogs() {
    vml.recordLogs();
}

/// @dev How many logs `emitter` emitted since {startRecordingLogs} (consumes the recorded logs).
function logsOf(address emitter) returns (uint256 count) {
    VmLogs.Log[] memory logs = vml.getRecordedLogs();
    for (uint256 i = 0; i < logs.length; ++i) if (logs[i].emitter == emitter) ++count;
}
