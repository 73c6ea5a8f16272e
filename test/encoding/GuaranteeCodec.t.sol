// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {GuaranteeCodec} from "../../contracts/libraries/GuaranteeCodec.sol";
import {GuaranteeIds} from "../../contracts/libraries/GuaranteeIds.sol";
import {Guarantee, GuaranteeV2} from "../../contracts/libraries/GuaranteeTypes.sol";
import {vm} from "../utils/Vm.sol";
import {GuaranteeVectors} from "./GuaranteeVectors.sol";

/// @dev Calldata entry points for the library's calldata decoders.
contract GuaranteeCodecHarness {
    error GuaranteeCodecHarnessUnknownVersion(uint64 version);

    function decodeEnvelope(bytes calldata envelope) external pure returns (uint64 version, bytes memory inner) {
        return GuaranteeCodec.decodeEnvelope(envelope);
    }

    function decodeV1(bytes calldata inner) external pure returns (Guarantee memory) {
        return GuaranteeCodec.decodeV1(inner);
    }

    function decodeV2(bytes calldata inner) external pure returns (GuaranteeV2 memory) {
        return GuaranteeCodec.decodeV2(inner);
    }

    /// @dev What Core does with an envelope: split it, then decode the inner bytes by version.
    function decodeFull(bytes calldata envelope) external pure returns (Guarantee memory) {
        (uint64 version, bytes calldata inner) = GuaranteeCodec.decodeEnvelope(envelope);
        if (version == 1) return GuaranteeCodec.decodeV1(inner);
        if (version == 2) return GuaranteeCodec.toGuarantee(GuaranteeCodec.decodeV2(inner));
        revert GuaranteeCodecHarnessUnknownVersion(version);
    }
}

contract GuaranteeCodecTest is GuaranteeVectors {
    GuaranteeCodecHarness internal harness;

    function setUp() public override {
        super.setUp();
        harness = new GuaranteeCodecHarness();
    }

    // ------------------------------------------------------------------ vectors

    function test_decodeEnvelope_vectors() external view {
        string[] memory names = _caseNames();
        vm.assertEq(names.length, 8, "case count");
        for (uint256 i; i < names.length; ++i) {
            (uint64 version, bytes memory inner) = harness.decodeEnvelope(_bytes(names[i], "envelope"));
            vm.assertEq(version, _version(names[i]), names[i]);
            vm.assertEq(keccak256(inner), keccak256(_bytes(names[i], "inner")), names[i]);
        }
    }

    function test_decodeV1_vectors() external view {
        string[] memory names = _caseNames();
        uint256 seen;
        for (uint256 i; i < names.length; ++i) {
            if (_version(names[i]) != 1) continue;
            ++seen;
            Guarantee memory expected = _guarantee(names[i]);
            Guarantee memory g = harness.decodeV1(_bytes(names[i], "inner"));
            _assertGuaranteeEq(g, expected, names[i]);
            bytes memory envelope = GuaranteeCodec.encodeEnvelope(1, GuaranteeCodec.encodeV1(g));
            vm.assertEq(keccak256(envelope), keccak256(_bytes(names[i], "envelope")), names[i]);
        }
        vm.assertEq(seen, 4, "V1 case count");
    }

    function test_decodeV2_vectors() external view {
        string[] memory names = _caseNames();
        uint256 seen;
        for (uint256 i; i < names.length; ++i) {
            if (_version(names[i]) != 2) continue;
            ++seen;
            GuaranteeV2 memory expected = _guaranteeV2(names[i]);
            GuaranteeV2 memory g = harness.decodeV2(_bytes(names[i], "inner"));
            _assertGuaranteeEq(GuaranteeCodec.toGuarantee(g), GuaranteeCodec.toGuarantee(expected), names[i]);
            vm.assertEq(keccak256(abi.encode(g)), keccak256(abi.encode(expected)), names[i]);
            vm.assertEq(g.requiredValidationTag, expected.requiredValidationTag, names[i]);
            bytes memory envelope = GuaranteeCodec.encodeEnvelope(2, GuaranteeCodec.encodeV2(g));
            vm.assertEq(keccak256(envelope), keccak256(_bytes(names[i], "envelope")), names[i]);
        }
        vm.assertEq(seen, 4, "V2 case count");
    }

    function test_guaranteeId_vectors() external view {
        string[] memory names = _caseNames();
        for (uint256 i; i < names.length; ++i) {
            Guarantee memory g = _guarantee(names[i]);
            bytes32 separator = _bytes32(names[i], "requestDomainSeparator");
            vm.assertEq(
                separator,
                _requestDomain(_uint(names[i], "chainId"), _address(names[i], "verifyingContract")),
                names[i]
            );
            bytes32 expected = _bytes32(names[i], "guaranteeId");
            vm.assertEq(GuaranteeIds.idOf(separator, g.user, g.recipient, g.asset, g.reqId), expected, names[i]);
        }
    }

    function _requestDomain(uint256 chainId, address verifyingContract) private pure returns (bytes32) {
        return
            keccak256(
                abi.encode(
                    keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                    keccak256("4Mica"),
                    keccak256("1"),
                    chainId,
                    verifyingContract
                )
            );
    }

    function test_domainSeparator_vectors() external view {
        string[] memory names = _caseNames();
        for (uint256 i; i < names.length; ++i) {
            bytes32 domain = GuaranteeCodec.domainSeparator(
                _version(names[i]),
                _uint(names[i], "chainId"),
                _address(names[i], "core")
            );
            vm.assertEq(domain, _bytes32(names[i], "guarantee.domain"), names[i]);
        }
    }

    function test_domainSeparator_spellsTheVersionInDecimal() external pure {
        vm.assertEq(
            GuaranteeCodec.domainSeparator(10, 1, address(0xC0)),
            keccak256(abi.encode("4MICA_CORE_GUARANTEE_V10", uint256(1), address(0xC0))),
            "V10"
        );
    }

    /// @dev Every malformed vector reverts in Solidity with exactly the revert data the vector pins.
    function test_decodeFull_revertsOnEveryMalformedVector() external {
        string[] memory names = _malformedNames();
        vm.assertEq(names.length, 17, "malformed case count");
        for (uint256 i; i < names.length; ++i) {
            string memory prefix = string.concat(".malformed.", names[i]);
            bytes memory envelope = vm.parseJsonBytes(vectors, string.concat(prefix, ".envelope"));
            bytes memory revertData = vm.parseJsonBytes(vectors, string.concat(prefix, ".revertData"));
            vm.expectRevert(revertData);
            harness.decodeFull(envelope);
        }
    }

    // ------------------------------------------------------------------ reverts (inputs built here)

    function test_decodeEnvelope_revertsWhenShorterThanHead() external {
        vm.expectRevert(abi.encodeWithSelector(GuaranteeCodec.GuaranteeCodecTooShort.selector, 96, 64));
        harness.decodeEnvelope(abi.encode(uint256(1), uint256(0x40)));
    }

    function test_decodeEnvelope_revertsWhenVersionWordIsDirty() external {
        bytes memory envelope = abi.encode(uint256(1) << 64, bytes(""));
        vm.expectRevert(abi.encodeWithSelector(GuaranteeCodec.GuaranteeCodecFieldOutOfRange.selector, 0, 1 << 64));
        harness.decodeEnvelope(envelope);
    }

    function test_decodeEnvelope_revertsWhenOffsetIsNotCanonical() external {
        bytes memory envelope = abi.encode(uint64(1), uint256(0x60), uint256(0), uint256(0));
        vm.expectRevert(abi.encodeWithSelector(GuaranteeCodec.GuaranteeCodecInvalidOffset.selector, 64, 0x60));
        harness.decodeEnvelope(envelope);
    }

    function test_decodeEnvelope_revertsWhenLengthPointsPastTheEnd() external {
        bytes memory envelope = abi.encode(uint64(1), uint256(0x40), uint256(33), bytes32("x"));
        vm.expectRevert(abi.encodeWithSelector(GuaranteeCodec.GuaranteeCodecLengthOutOfBounds.selector, 33, 32));
        harness.decodeEnvelope(envelope);
    }

    function test_decodeEnvelope_revertsWhenTrailingBytes() external {
        bytes memory envelope = bytes.concat(GuaranteeCodec.encodeEnvelope(1, hex"aa"), bytes32(0));
        vm.expectRevert(abi.encodeWithSelector(GuaranteeCodec.GuaranteeCodecInvalidLength.selector, 128, 160));
        harness.decodeEnvelope(envelope);
    }

    function test_decodeEnvelope_revertsWhenPaddingIsNotZero() external {
        bytes memory envelope = GuaranteeCodec.encodeEnvelope(1, hex"aa");
        envelope[envelope.length - 1] = 0x01;
        uint256 lastWord = (uint256(0xaa) << 248) | 1;
        vm.expectRevert(abi.encodeWithSelector(GuaranteeCodec.GuaranteeCodecNonZeroPadding.selector, lastWord));
        harness.decodeEnvelope(envelope);
    }

    function test_decodeV1_revertsWhenLengthIsNot288() external {
        vm.expectRevert(abi.encodeWithSelector(GuaranteeCodec.GuaranteeCodecInvalidLength.selector, 288, 320));
        harness.decodeV1(new bytes(320));
        vm.expectRevert(abi.encodeWithSelector(GuaranteeCodec.GuaranteeCodecInvalidLength.selector, 288, 287));
        harness.decodeV1(new bytes(287));
    }

    function test_decodeV1_revertsWhenVersionIsNotOne() external {
        Guarantee memory g = _sampleV1();
        g.version = 2;
        vm.expectRevert(abi.encodeWithSelector(GuaranteeCodec.GuaranteeCodecVersionMismatch.selector, 1, 2));
        harness.decodeV1(abi.encode(g));
    }

    function test_decodeV1_revertsWhenAnAddressWordIsDirty() external {
        bytes memory inner = abi.encode(_sampleV1());
        inner[7 * 32] = 0x01; // high byte of the asset word
        vm.expectRevert(
            abi.encodeWithSelector(GuaranteeCodec.GuaranteeCodecFieldOutOfRange.selector, 7 * 32, uint256(1) << 248)
        );
        harness.decodeV1(inner);
    }

    function test_decodeV1_revertsWhenTimestampWordIsDirty() external {
        Guarantee memory g = _sampleV1();
        g.timestamp = 0;
        bytes memory inner = abi.encode(g);
        inner[8 * 32 + 23] = 0x01; // bit 64 of the timestamp word
        vm.expectRevert(
            abi.encodeWithSelector(GuaranteeCodec.GuaranteeCodecFieldOutOfRange.selector, 8 * 32, uint256(1) << 64)
        );
        harness.decodeV1(inner);
    }

    function test_decodeV2_revertsWhenShorterThanTheEmptyTagEncoding() external {
        vm.expectRevert(abi.encodeWithSelector(GuaranteeCodec.GuaranteeCodecTooShort.selector, 640, 608));
        harness.decodeV2(new bytes(608));
    }

    function test_decodeV2_revertsWhenTupleOffsetIsNotCanonical() external {
        bytes memory inner = abi.encode(_sampleV2());
        inner[31] = 0x40;
        vm.expectRevert(abi.encodeWithSelector(GuaranteeCodec.GuaranteeCodecInvalidOffset.selector, 0x20, 0x40));
        harness.decodeV2(inner);
    }

    function test_decodeV2_revertsWhenTagOffsetIsNotCanonical() external {
        bytes memory inner = abi.encode(_sampleV2());
        inner[32 + 17 * 32 + 31] = 0x60; // 0x240 -> 0x260
        vm.expectRevert(abi.encodeWithSelector(GuaranteeCodec.GuaranteeCodecInvalidOffset.selector, 0x240, 0x260));
        harness.decodeV2(inner);
    }

    function test_decodeV2_revertsWhenScoreWordIsDirty() external {
        bytes memory inner = abi.encode(_sampleV2());
        inner[480 + 30] = 0x01; // score word = 0x100 | score
        uint256 word = 0x100 | _sampleV2().minValidationScore;
        vm.expectRevert(abi.encodeWithSelector(GuaranteeCodec.GuaranteeCodecFieldOutOfRange.selector, 480, word));
        harness.decodeV2(inner);
    }

    function test_decodeV2_revertsWhenTagPaddingIsNotZero() external {
        bytes memory inner = abi.encode(_sampleV2()); // tag "code-review": 11 bytes
        inner[inner.length - 1] = 0x02;
        uint256 lastWord = uint256(bytes32("code-review")) | 2;
        vm.expectRevert(abi.encodeWithSelector(GuaranteeCodec.GuaranteeCodecNonZeroPadding.selector, lastWord));
        harness.decodeV2(inner);
    }

    function test_decodeV2_revertsWhenVersionIsNotTwo() external {
        GuaranteeV2 memory g = _sampleV2();
        g.version = 1;
        vm.expectRevert(abi.encodeWithSelector(GuaranteeCodec.GuaranteeCodecVersionMismatch.selector, 2, 1));
        harness.decodeV2(abi.encode(g));
    }

    // ------------------------------------------------------------------ fuzz

    function testFuzz_envelope_roundTrip(uint64 version, bytes calldata inner) external view {
        bytes memory envelope = GuaranteeCodec.encodeEnvelope(version, inner);
        (uint64 v, bytes memory decoded) = harness.decodeEnvelope(envelope);
        vm.assertEq(v, version, "version");
        vm.assertEq(keccak256(decoded), keccak256(inner), "inner");
    }

    function testFuzz_v1_roundTrip(
        bytes32 domain,
        uint256 cycleId,
        address user,
        address recipient,
        uint256 reqId,
        uint256 amount,
        address asset,
        uint64 timestamp
    ) external view {
        Guarantee memory g = Guarantee(domain, cycleId, 1, user, recipient, reqId, amount, asset, timestamp);
        bytes memory envelope = GuaranteeCodec.encodeEnvelope(1, GuaranteeCodec.encodeV1(g));
        Guarantee memory d = harness.decodeFull(envelope);
        _assertGuaranteeEq(d, g, "v1");
        vm.assertEq(keccak256(GuaranteeCodec.encodeEnvelope(1, GuaranteeCodec.encodeV1(d))), keccak256(envelope), "re");
    }

    function testFuzz_v2_roundTrip(bytes32 seed, string calldata tag) external view {
        GuaranteeV2 memory g = _randomV2(seed, tag);
        bytes memory inner = GuaranteeCodec.encodeV2(g);
        (uint64 version, bytes memory decodedInner) = harness.decodeEnvelope(GuaranteeCodec.encodeEnvelope(2, inner));
        vm.assertEq(version, 2, "version");
        GuaranteeV2 memory d = harness.decodeV2(decodedInner);
        vm.assertEq(keccak256(abi.encode(d)), keccak256(abi.encode(g)), "fields");
        vm.assertEq(d.requiredValidationTag, tag, "tag");
    }

    /// @dev Arbitrary bytes never make the decoders fail with anything but a GuaranteeCodec error.
    function testFuzz_decodeFull_onlyRevertsWithCodecErrors(bytes calldata tail, uint8 version) external view {
        // Half the inputs get a well-formed head, so that the inner decoders are reached too.
        bytes memory envelope = version % 2 == 0 ? tail : GuaranteeCodec.encodeEnvelope(1 + (version % 4), tail);
        try harness.decodeFull(envelope) returns (Guarantee memory g) {
            vm.assertTrue(g.version == 1 || g.version == 2, "decoded version");
        } catch (bytes memory err) {
            bytes4 selector = bytes4(err);
            vm.assertTrue(
                selector == GuaranteeCodec.GuaranteeCodecTooShort.selector ||
                    selector == GuaranteeCodec.GuaranteeCodecInvalidLength.selector ||
                    selector == GuaranteeCodec.GuaranteeCodecLengthOutOfBounds.selector ||
                    selector == GuaranteeCodec.GuaranteeCodecInvalidOffset.selector ||
                    selector == GuaranteeCodec.GuaranteeCodecFieldOutOfRange.selector ||
                    selector == GuaranteeCodec.GuaranteeCodecNonZeroPadding.selector ||
                    selector == GuaranteeCodec.GuaranteeCodecVersionMismatch.selector ||
                    selector == GuaranteeCodecHarness.GuaranteeCodecHarnessUnknownVersion.selector,
                "unexpected revert"
            );
        }
    }

    function testFuzz_guaranteeId_changesWithEveryPayerSignedIdentityField(
        bytes32 seed,
        bytes32 separator,
        uint8 field,
        uint256 delta
    ) external pure {
        vm.assume(delta != 0);
        Guarantee memory g = GuaranteeCodec.toGuarantee(_randomV2(seed, ""));
        Guarantee memory h = GuaranteeCodec.toGuarantee(_randomV2(seed, ""));
        bytes32 otherSeparator = separator;
        field = field % 5;
        if (field == 0) otherSeparator = bytes32(uint256(separator) ^ delta);
        else if (field == 1) h.user = address(uint160(h.user) ^ uint160(delta | 1));
        else if (field == 2) h.recipient = address(uint160(h.recipient) ^ uint160(delta | 1));
        else if (field == 3) h.asset = address(uint160(h.asset) ^ uint160(delta | 1));
        else h.reqId ^= delta;
        vm.assertTrue(
            GuaranteeIds.idOf(separator, g.user, g.recipient, g.asset, g.reqId) !=
                GuaranteeIds.idOf(otherSeparator, h.user, h.recipient, h.asset, h.reqId),
            "id unchanged"
        );
    }

    /// @dev The certificate's domain, cycle and version are not signed by the payer (nor are amount and timestamp
    ///      part of the identity), so none of them may make a second id for one signed request (attack 3).
    function testFuzz_guaranteeId_ignoresEverythingThePayerDoesNotSignAsIdentity(
        bytes32 seed,
        bytes32 separator,
        bytes32 domain,
        uint256 cycleId,
        uint64 version,
        uint256 amount,
        uint64 timestamp
    ) external pure {
        Guarantee memory g = GuaranteeCodec.toGuarantee(_randomV2(seed, ""));
        Guarantee memory h = GuaranteeCodec.toGuarantee(_randomV2(seed, ""));
        h.domain = domain;
        h.cycleId = cycleId;
        h.version = version;
        h.amount = amount;
        h.timestamp = timestamp;
        vm.assertEq(
            GuaranteeIds.idOf(separator, g.user, g.recipient, g.asset, g.reqId),
            GuaranteeIds.idOf(separator, h.user, h.recipient, h.asset, h.reqId),
            "id changed"
        );
    }

    // ------------------------------------------------------------------ helpers

    function _assertGuaranteeEq(Guarantee memory a, Guarantee memory b, string memory label) internal pure {
        vm.assertEq(a.domain, b.domain, string.concat(label, ": domain"));
        vm.assertEq(a.cycleId, b.cycleId, string.concat(label, ": cycleId"));
        vm.assertEq(a.version, b.version, string.concat(label, ": version"));
        vm.assertEq(a.user, b.user, string.concat(label, ": user"));
        vm.assertEq(a.recipient, b.recipient, string.concat(label, ": recipient"));
        vm.assertEq(a.reqId, b.reqId, string.concat(label, ": reqId"));
        vm.assertEq(a.amount, b.amount, string.concat(label, ": amount"));
        vm.assertEq(a.asset, b.asset, string.concat(label, ": asset"));
        vm.assertEq(a.timestamp, b.timestamp, string.concat(label, ": timestamp"));
    }

    function _sampleV1() internal pure returns (Guarantee memory) {
        return
            Guarantee(keccak256("domain"), 3, 1, address(0xA11CE), address(0xB0B), 7, 1e18, address(0), 1_767_225_600);
    }

    function _sampleV2() internal pure returns (GuaranteeV2 memory g) {
        g = _randomV2(keccak256("sample"), "code-review");
        g.minValidationScore = 80;
    }

    /// @dev A V2 guarantee whose every field is derived from `seed` (full-width values, version 2).
    function _randomV2(bytes32 seed, string memory tag) internal pure returns (GuaranteeV2 memory g) {
        g.domain = keccak256(abi.encode(seed, 0));
        g.cycleId = uint256(keccak256(abi.encode(seed, 1)));
        g.version = 2;
        g.user = address(uint160(uint256(keccak256(abi.encode(seed, 2)))));
        g.recipient = address(uint160(uint256(keccak256(abi.encode(seed, 3)))));
        g.reqId = uint256(keccak256(abi.encode(seed, 4)));
        g.amount = uint256(keccak256(abi.encode(seed, 5)));
        g.asset = address(uint160(uint256(keccak256(abi.encode(seed, 6)))));
        g.timestamp = uint64(uint256(keccak256(abi.encode(seed, 7))));
        g.validationRegistry = address(uint160(uint256(keccak256(abi.encode(seed, 8)))));
        g.validationRequestHash = keccak256(abi.encode(seed, 9));
        g.validationChainId = uint64(uint256(keccak256(abi.encode(seed, 10))));
        g.validatorAddress = address(uint160(uint256(keccak256(abi.encode(seed, 11)))));
        g.validatorAgentId = uint256(keccak256(abi.encode(seed, 12)));
        g.minValidationScore = uint8(uint256(keccak256(abi.encode(seed, 13))));
        g.validationSubjectHash = keccak256(abi.encode(seed, 14));
        g.jobHash = keccak256(abi.encode(seed, 15));
        g.requiredValidationTag = tag;
    }
}
