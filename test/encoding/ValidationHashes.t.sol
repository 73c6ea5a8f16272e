// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {GuaranteeV2} from "../../contracts/libraries/GuaranteeTypes.sol";
import {ValidationHashes} from "../../contracts/libraries/ValidationHashes.sol";
import {vm} from "../utils/Vm.sol";
import {GuaranteeVectors} from "./GuaranteeVectors.sol";

contract ValidationHashesTest is GuaranteeVectors {
    function test_tags_matchTheProtocolText() external pure {
        vm.assertEq(ValidationHashes.SUBJECT_TAG, keccak256(bytes("4MICA_VALIDATION_SUBJECT_V1")), "subject tag");
        vm.assertEq(ValidationHashes.REQUEST_TAG, keccak256(bytes("4MICA_VALIDATION_REQUEST_V2")), "request tag");
    }

    function test_hashes_vectors() external view {
        string[] memory names = _caseNames();
        uint256 seen;
        for (uint256 i; i < names.length; ++i) {
            if (_version(names[i]) != 2) continue;
            ++seen;
            GuaranteeV2 memory g = _guaranteeV2(names[i]);
            bytes32 subject = ValidationHashes.subjectHash(
                g.reqId,
                g.user,
                g.recipient,
                g.amount,
                g.asset,
                g.timestamp
            );
            vm.assertEq(subject, g.validationSubjectHash, string.concat(names[i], ": subject"));
            vm.assertEq(ValidationHashes.subjectHash(g), subject, string.concat(names[i], ": subject overload"));
            bytes32 request = ValidationHashes.requestHash(
                g.validationChainId,
                g.validationRegistry,
                g.validatorAddress,
                g.validatorAgentId,
                subject,
                g.minValidationScore,
                g.requiredValidationTag,
                g.jobHash
            );
            vm.assertEq(request, g.validationRequestHash, string.concat(names[i], ": request"));
            vm.assertEq(ValidationHashes.requestHash(g), request, string.concat(names[i], ": request overload"));
        }
        vm.assertEq(seen, 4, "V2 case count");
    }

    function test_requestHash_hashesTheTagNotItsEncoding() external pure {
        bytes32 expected = keccak256(
            abi.encode(
                keccak256("4MICA_VALIDATION_REQUEST_V2"),
                uint256(1),
                address(0xAA),
                address(0xBB),
                uint256(7),
                bytes32(uint256(1)),
                uint8(80),
                keccak256("tag"),
                bytes32(uint256(2))
            )
        );
        vm.assertEq(
            ValidationHashes.requestHash(
                1,
                address(0xAA),
                address(0xBB),
                7,
                bytes32(uint256(1)),
                80,
                "tag",
                bytes32(uint256(2))
            ),
            expected,
            "request hash"
        );
    }

    function testFuzz_requestHash_bindsTheTag(string calldata a, string calldata b) external pure {
        bytes32 ha = ValidationHashes.requestHash(1, address(1), address(2), 3, bytes32(0), 50, a, bytes32(uint256(1)));
        bytes32 hb = ValidationHashes.requestHash(1, address(1), address(2), 3, bytes32(0), 50, b, bytes32(uint256(1)));
        vm.assertTrue((ha == hb) == (keccak256(bytes(a)) == keccak256(bytes(b))), "tag binding");
    }

    function testFuzz_subjectHash_bindsTheAmountAndTimestamp(uint256 amount, uint64 timestamp) external pure {
        bytes32 base = ValidationHashes.subjectHash(1, address(1), address(2), 100, address(0), 1000);
        bytes32 other = ValidationHashes.subjectHash(1, address(1), address(2), amount, address(0), timestamp);
        vm.assertTrue((base == other) == (amount == 100 && timestamp == 1000), "subject binding");
    }
}
