// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @dev A registry that returns one fixed status for every hash: only to reach the `lastUpdate == 0` path, which
///      the reference registry never produces (it stamps `lastUpdate` at request time).
contract FixedStatusRegistry {
    address private immutable _validator;
    uint256 private immutable _agentId;
    uint8 private immutable _response;

    constructor(address validator, uint256 agentId, uint8 response) {
        _validator = validator;
        _agentId = agentId;
        _response = response;
    }

    function getValidationStatus(
        bytes32
    ) external view returns (address, uint256, uint8, bytes32, string memory, uint256) {
        return (_validator, _agentId, _response, bytes32(0), "", 0);
    }
}
