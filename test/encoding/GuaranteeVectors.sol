// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {Guarantee, GuaranteeV2} from "../../contracts/libraries/GuaranteeTypes.sol";
import {vm} from "../utils/Vm.sol";

/// @dev Reads test/vectors/guarantees.json (written by scripts/vectors/guarantees.ts) for the encoding tests.
abstract contract GuaranteeVectors {
    string internal vectors;

    function setUp() public virtual {
        vectors = vm.readFile("test/vectors/guarantees.json");
    }

    function _caseNames() internal view returns (string[] memory) {
        return vm.parseJsonKeys(vectors, ".cases");
    }

    function _malformedNames() internal view returns (string[] memory) {
        return vm.parseJsonKeys(vectors, ".malformed");
    }

    function _key(string memory name, string memory field) internal pure returns (string memory) {
        return string.concat(".cases.", name, ".", field);
    }

    function _uint(string memory name, string memory field) internal view returns (uint256) {
        return vm.parseJsonUint(vectors, _key(name, field));
    }

    function _address(string memory name, string memory field) internal view returns (address) {
        return vm.parseJsonAddress(vectors, _key(name, field));
    }

    function _bytes32(string memory name, string memory field) internal view returns (bytes32) {
        return vm.parseJsonBytes32(vectors, _key(name, field));
    }

    function _bytes(string memory name, string memory field) internal view returns (bytes memory) {
        return vm.parseJsonBytes(vectors, _key(name, field));
    }

    function _version(string memory name) internal view returns (uint64) {
        return uint64(_uint(name, "guarantee.version"));
    }

    /// @dev The base fields of a case, parsed field by field (independently of any decoder).
    function _guarantee(string memory name) internal view returns (Guarantee memory g) {
        g.domain = _bytes32(name, "guarantee.domain");
        g.cycleId = _uint(name, "guarantee.cycleId");
        g.version = _version(name);
        g.user = _address(name, "guarantee.user");
        g.recipient = _address(name, "guarantee.recipient");
        g.reqId = _uint(name, "guarantee.reqId");
        g.amount = _uint(name, "guarantee.amount");
        g.asset = _address(name, "guarantee.asset");
        g.timestamp = uint64(_uint(name, "guarantee.timestamp"));
    }

    /// @dev A V2 case, parsed field by field.
    function _guaranteeV2(string memory name) internal view returns (GuaranteeV2 memory g) {
        Guarantee memory b = _guarantee(name);
        g.domain = b.domain;
        g.cycleId = b.cycleId;
        g.version = b.version;
        g.user = b.user;
        g.recipient = b.recipient;
        g.reqId = b.reqId;
        g.amount = b.amount;
        g.asset = b.asset;
        g.timestamp = b.timestamp;
        g.validationRegistry = _address(name, "guarantee.policy.validationRegistry");
        g.validationRequestHash = _bytes32(name, "guarantee.policy.validationRequestHash");
        g.validationChainId = uint64(_uint(name, "guarantee.policy.validationChainId"));
        g.validatorAddress = _address(name, "guarantee.policy.validatorAddress");
        g.validatorAgentId = _uint(name, "guarantee.policy.validatorAgentId");
        g.minValidationScore = uint8(_uint(name, "guarantee.policy.minValidationScore"));
        g.validationSubjectHash = _bytes32(name, "guarantee.policy.validationSubjectHash");
        g.jobHash = _bytes32(name, "guarantee.policy.jobHash");
        g.requiredValidationTag = vm.parseJsonString(vectors, _key(name, "guarantee.policy.requiredValidationTag"));
    }
}
