// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {AccessManager} from "@openzeppelin/contracts/access/manager/AccessManager.sol";
import {IAccessManaged} from "@openzeppelin/contracts/access/manager/IAccessManaged.sol";
import {ValidationRegistryGuaranteeDecoder} from "../../contracts/ValidationRegistryGuaranteeDecoder.sol";
import {IValidationRegistryGuaranteeDecoder} from "../../contracts/interfaces/IValidationRegistryGuaranteeDecoder.sol";
import {ERC8004IdentityRegistry} from "../../contracts/mocks/ERC8004IdentityRegistry.sol";
import {ERC8004ValidationRegistry} from "../../contracts/mocks/ERC8004ValidationRegistry.sol";
import {GuaranteeCodec} from "../../contracts/libraries/GuaranteeCodec.sol";
import {GuaranteeRequest} from "../../contracts/libraries/GuaranteeRequest.sol";
import {Guarantee, GuaranteeV2} from "../../contracts/libraries/GuaranteeTypes.sol";
import {ValidationHashes} from "../../contracts/libraries/ValidationHashes.sol";
import {vm} from "../utils/Vm.sol";
import {FixedStatusRegistry} from "./utils/FixedStatusRegistry.sol";

contract ValidationRegistryGuaranteeDecoderTest {
    uint64 internal constant ROLE_GOVERNANCE = 1;

    address internal constant GOVERNANCE = address(0x6000);
    address internal constant STRANGER = address(0x5757);
    address internal constant AGENT_OWNER = address(0xA11CE);
    address internal constant OTHER_AGENT_OWNER = address(0xB0B);
    address internal constant VALIDATOR = address(0xBA11);
    address internal constant OTHER_VALIDATOR = address(0xBA12);
    address internal constant USER = address(0x1001);
    address internal constant RECIPIENT = address(0x2002);
    address internal constant ASSET = address(0x3003);
    string internal constant TAG = "hard-finality";

    AccessManager internal manager;
    ERC8004IdentityRegistry internal identity;
    ERC8004ValidationRegistry internal registry;
    ERC8004ValidationRegistry internal secondRegistry;
    ValidationRegistryGuaranteeDecoder internal decoder;
    uint256 internal agentId;
    uint256 internal otherAgentId;

    function setUp() external {
        vm.warp(1_750_000_000);
        manager = new AccessManager(address(this));
        identity = new ERC8004IdentityRegistry();
        registry = new ERC8004ValidationRegistry(identity);
        secondRegistry = new ERC8004ValidationRegistry(identity);
        address[] memory initial = new address[](1);
        initial[0] = address(registry);
        decoder = new ValidationRegistryGuaranteeDecoder(address(manager), initial);

        bytes4[] memory selectors = new bytes4[](1);
        selectors[0] = IValidationRegistryGuaranteeDecoder.setTrustedRegistry.selector;
        manager.setTargetFunctionRole(address(decoder), selectors, ROLE_GOVERNANCE);
        manager.grantRole(ROLE_GOVERNANCE, GOVERNANCE, 0);

        vm.prank(OTHER_AGENT_OWNER);
        otherAgentId = identity.register(); // 0
        vm.prank(AGENT_OWNER);
        agentId = identity.register(); // 1
    }

    // ---------------------------------------------------------------- helpers

    /// @dev A V2 guarantee whose canonical hashes are correct.
    function _guarantee() internal view returns (GuaranteeV2 memory g) {
        g.domain = keccak256("domain");
        g.cycleId = 7;
        g.version = 2;
        g.user = USER;
        g.recipient = RECIPIENT;
        g.reqId = 42;
        g.amount = 1_500_000;
        g.asset = ASSET;
        g.timestamp = uint64(block.timestamp - 1 hours);
        g.validationRegistry = address(registry);
        g.validationChainId = uint64(block.chainid);
        g.validatorAddress = VALIDATOR;
        g.validatorAgentId = agentId;
        g.minValidationScore = 70;
        g.jobHash = keccak256("job");
        g.requiredValidationTag = TAG;
        _seal(g);
    }

    /// @dev Recomputes both canonical hashes, as an honest payer would after changing a field.
    function _seal(GuaranteeV2 memory g) internal pure {
        g.validationSubjectHash = ValidationHashes.subjectHash(g);
        g.validationRequestHash = ValidationHashes.requestHash(g);
    }

    function _request(GuaranteeV2 memory g) internal {
        vm.prank(AGENT_OWNER);
        ERC8004ValidationRegistry(g.validationRegistry).validationRequest(
            g.validatorAddress,
            g.validatorAgentId,
            "ipfs://job",
            g.validationRequestHash
        );
    }

    function _respond(GuaranteeV2 memory g, uint8 response, bytes32 responseHash, string memory tag) internal {
        vm.prank(g.validatorAddress);
        ERC8004ValidationRegistry(g.validationRegistry).validationResponse(
            g.validationRequestHash,
            response,
            "ipfs://evidence",
            responseHash,
            tag
        );
    }

    /// @dev Expects both entry points to revert with `err` (they share the static checks).
    function _expectBothRevert(GuaranteeV2 memory g, bytes memory err) internal {
        bytes memory inner = GuaranteeCodec.encodeV2(g);
        vm.expectRevert(err);
        decoder.decode(inner);
        vm.expectRevert(err);
        decoder.checkRedeemable(inner);
    }

    function _expectRedeemableRevert(GuaranteeV2 memory g, bytes memory err) internal {
        vm.expectRevert(err);
        decoder.checkRedeemable(GuaranteeCodec.encodeV2(g));
    }

    /// @dev A score in 1..100 other than `current`.
    function _otherScore(uint8 current, uint256 seed) internal pure returns (uint8 score) {
        score = uint8(_bound(seed, 1, 99));
        if (score >= current) ++score;
    }

    function _bound(uint256 x, uint256 lo, uint256 hi) internal pure returns (uint256) {
        return lo + (x % (hi - lo + 1));
    }

    // ---------------------------------------------------------------- decode

    function test_decode_returnsTheBaseFieldsAndTheRequestStructHash() external view {
        GuaranteeV2 memory g = _guarantee();
        (Guarantee memory base, bytes32 structHash) = decoder.decode(GuaranteeCodec.encodeV2(g));
        vm.assertEq(base.domain, g.domain, "domain");
        vm.assertEq(base.cycleId, g.cycleId, "cycleId");
        vm.assertEq(base.version, 2, "version");
        vm.assertEq(base.user, USER, "user");
        vm.assertEq(base.recipient, RECIPIENT, "recipient");
        vm.assertEq(base.reqId, g.reqId, "reqId");
        vm.assertEq(base.amount, g.amount, "amount");
        vm.assertEq(base.asset, ASSET, "asset");
        vm.assertEq(base.timestamp, g.timestamp, "timestamp");
        vm.assertEq(structHash, GuaranteeRequest.hashV2(g), "request struct hash");
    }

    function test_decode_doesNotReadTheRegistry() external view {
        // Nothing was requested: decode only checks the static policy.
        decoder.decode(GuaranteeCodec.encodeV2(_guarantee()));
    }

    function test_decode_revertsWhenVersionIsNot2() external {
        GuaranteeV2 memory g = _guarantee();
        g.version = 3;
        _expectBothRevert(g, abi.encodeWithSelector(GuaranteeCodec.GuaranteeCodecVersionMismatch.selector, 2, 3));
    }

    function test_decode_revertsWhenInnerIsTruncated() external {
        bytes memory inner = GuaranteeCodec.encodeV2(_guarantee());
        bytes memory truncated = new bytes(639);
        for (uint256 i; i < truncated.length; ++i) truncated[i] = inner[i];
        bytes memory err = abi.encodeWithSelector(GuaranteeCodec.GuaranteeCodecTooShort.selector, 640, 639);
        vm.expectRevert(err);
        decoder.decode(truncated);
        vm.expectRevert(err);
        decoder.checkRedeemable(truncated);
    }

    function test_decode_revertsWhenMinScoreIsZero() external {
        GuaranteeV2 memory g = _guarantee();
        g.minValidationScore = 0;
        _seal(g);
        _expectBothRevert(
            g,
            abi.encodeWithSelector(IValidationRegistryGuaranteeDecoder.V2DecoderInvalidMinValidationScore.selector, 0)
        );
    }

    function testFuzz_decode_revertsWhenMinScoreAbove100(uint8 minScore) external {
        minScore = uint8(_bound(minScore, 101, 255));
        GuaranteeV2 memory g = _guarantee();
        g.minValidationScore = minScore;
        _seal(g);
        _expectBothRevert(
            g,
            abi.encodeWithSelector(
                IValidationRegistryGuaranteeDecoder.V2DecoderInvalidMinValidationScore.selector,
                minScore
            )
        );
    }

    function test_decode_acceptsMinScoreBounds() external view {
        GuaranteeV2 memory g = _guarantee();
        g.minValidationScore = 1;
        _seal(g);
        decoder.decode(GuaranteeCodec.encodeV2(g));
        g.minValidationScore = 100;
        _seal(g);
        decoder.decode(GuaranteeCodec.encodeV2(g));
    }

    function testFuzz_decode_revertsWhenChainIdDiffers(uint64 chainId) external {
        vm.assume(chainId != block.chainid);
        GuaranteeV2 memory g = _guarantee();
        g.validationChainId = chainId;
        _seal(g);
        _expectBothRevert(
            g,
            abi.encodeWithSelector(
                IValidationRegistryGuaranteeDecoder.V2DecoderValidationChainIdMismatch.selector,
                block.chainid,
                chainId
            )
        );
    }

    function test_decode_revertsWhenRegistryIsUntrusted() external {
        GuaranteeV2 memory g = _guarantee();
        g.validationRegistry = address(secondRegistry);
        _seal(g);
        _expectBothRevert(
            g,
            abi.encodeWithSelector(
                IValidationRegistryGuaranteeDecoder.V2DecoderUntrustedRegistry.selector,
                address(secondRegistry)
            )
        );
    }

    function test_decode_revertsWhenSubjectHashIsNotCanonical() external {
        GuaranteeV2 memory g = _guarantee();
        bytes32 carried = g.validationSubjectHash;
        g.amount += 1; // the payer's subject no longer describes this payment
        _expectBothRevert(
            g,
            abi.encodeWithSelector(
                IValidationRegistryGuaranteeDecoder.V2DecoderSubjectHashMismatch.selector,
                ValidationHashes.subjectHash(g),
                carried
            )
        );
    }

    function test_decode_revertsWhenRequestHashIsNotCanonical() external {
        GuaranteeV2 memory g = _guarantee();
        g.validationRequestHash = keccak256("some other request");
        _expectBothRevert(
            g,
            abi.encodeWithSelector(
                IValidationRegistryGuaranteeDecoder.V2DecoderRequestHashMismatch.selector,
                ValidationHashes.requestHash(g),
                keccak256("some other request")
            )
        );
    }

    function test_decode_revertsWhenJobHashIsZero() external {
        GuaranteeV2 memory g = _guarantee();
        g.jobHash = bytes32(0);
        _seal(g);
        _expectBothRevert(g, abi.encodeWithSelector(IValidationRegistryGuaranteeDecoder.V2DecoderZeroJobHash.selector));
    }

    /// @dev Every field that the canonical hashes bind, changed after sealing, is caught by the hash checks.
    function testFuzz_decode_revertsWhenAnyBoundFieldChanges(uint8 field, uint256 value) external {
        vm.prank(GOVERNANCE);
        decoder.setTrustedRegistry(address(secondRegistry), true);
        GuaranteeV2 memory g = _guarantee();
        bytes32 subject = g.validationSubjectHash;
        bytes32 request = g.validationRequestHash;
        field = uint8(field % 12);
        // Base fields (0..5) are bound by the subject hash; policy fields (6..11) by the request hash.
        if (field == 0) g.reqId ^= (value | 1);
        else if (field == 1) g.user = address(uint160(g.user) ^ uint160(value | 1));
        else if (field == 2) g.recipient = address(uint160(g.recipient) ^ uint160(value | 1));
        else if (field == 3) g.amount ^= (value | 1);
        else if (field == 4) g.asset = address(uint160(g.asset) ^ uint160(value | 1));
        else if (field == 5) g.timestamp ^= uint64(value | 1);
        else if (field == 6) g.validationRegistry = address(secondRegistry);
        else if (field == 7) g.validatorAddress = address(uint160(g.validatorAddress) ^ uint160(value | 1));
        else if (field == 8) g.validatorAgentId ^= (value | 1);
        else if (field == 9) g.minValidationScore = _otherScore(g.minValidationScore, value);
        else if (field == 10) g.jobHash = bytes32(uint256(g.jobHash) ^ (value | 1));
        else g.requiredValidationTag = string(abi.encodePacked(TAG, bytes1(uint8(value))));

        bytes memory err =
            field <= 5
                ? abi.encodeWithSelector(
                    IValidationRegistryGuaranteeDecoder.V2DecoderSubjectHashMismatch.selector,
                    ValidationHashes.subjectHash(g),
                    subject
                )
                : abi.encodeWithSelector(
                    IValidationRegistryGuaranteeDecoder.V2DecoderRequestHashMismatch.selector,
                    ValidationHashes.requestHash(g),
                    request
                );
        _expectBothRevert(g, err);
    }

    // ---------------------------------------------------------------- checkRedeemable

    function test_checkRedeemable_passesWhenTheRegistryResultMeetsThePolicy() external {
        GuaranteeV2 memory g = _guarantee();
        _request(g);
        _respond(g, 90, keccak256("evidence"), TAG);
        decoder.checkRedeemable(GuaranteeCodec.encodeV2(g));
    }

    function test_checkRedeemable_acceptsAZeroResponseHash() external {
        GuaranteeV2 memory g = _guarantee();
        _request(g);
        _respond(g, 70, bytes32(0), TAG);
        decoder.checkRedeemable(GuaranteeCodec.encodeV2(g));
    }

    function test_checkRedeemable_emptyRequiredTagAcceptsAnyTag() external {
        GuaranteeV2 memory g = _guarantee();
        g.requiredValidationTag = "";
        _seal(g);
        _request(g);
        _respond(g, 100, bytes32(0), "whatever-the-validator-says");
        decoder.checkRedeemable(GuaranteeCodec.encodeV2(g));
        _respond(g, 100, bytes32(0), "");
        decoder.checkRedeemable(GuaranteeCodec.encodeV2(g));
    }

    function test_checkRedeemable_followsTheLatestAnswer() external {
        GuaranteeV2 memory g = _guarantee();
        _request(g);
        _respond(g, 50, bytes32(0), TAG);
        _expectRedeemableRevert(
            g,
            abi.encodeWithSelector(IValidationRegistryGuaranteeDecoder.V2DecoderValidationScoreTooLow.selector, 50, 70)
        );
        _respond(g, 80, bytes32(0), TAG);
        decoder.checkRedeemable(GuaranteeCodec.encodeV2(g));
        // The reference registry lets the validator lower its answer later: redemption is blocked again.
        _respond(g, 10, bytes32(0), TAG);
        _expectRedeemableRevert(
            g,
            abi.encodeWithSelector(IValidationRegistryGuaranteeDecoder.V2DecoderValidationScoreTooLow.selector, 10, 70)
        );
    }

    function test_checkRedeemable_revertsWhenRegistryHasNoCode() external {
        address eoa = address(0xDEAD);
        vm.prank(GOVERNANCE);
        decoder.setTrustedRegistry(eoa, true);
        GuaranteeV2 memory g = _guarantee();
        g.validationRegistry = eoa;
        _seal(g);
        decoder.decode(GuaranteeCodec.encodeV2(g)); // the static policy is fine
        _expectRedeemableRevert(
            g,
            abi.encodeWithSelector(
                IValidationRegistryGuaranteeDecoder.V2DecoderValidationLookupFailed.selector,
                eoa,
                g.validationRequestHash
            )
        );
    }

    function test_checkRedeemable_revertsWhenHashWasNeverRequested() external {
        GuaranteeV2 memory g = _guarantee();
        _expectRedeemableRevert(
            g,
            abi.encodeWithSelector(
                IValidationRegistryGuaranteeDecoder.V2DecoderValidationLookupFailed.selector,
                address(registry),
                g.validationRequestHash
            )
        );
    }

    function test_checkRedeemable_revertsWhenRegistryLacksTheFunction() external {
        // A contract without getValidationStatus (and without fallback): the call reverts and is caught.
        vm.prank(GOVERNANCE);
        decoder.setTrustedRegistry(address(identity), true);
        GuaranteeV2 memory g = _guarantee();
        g.validationRegistry = address(identity);
        _seal(g);
        _expectRedeemableRevert(
            g,
            abi.encodeWithSelector(
                IValidationRegistryGuaranteeDecoder.V2DecoderValidationLookupFailed.selector,
                address(identity),
                g.validationRequestHash
            )
        );
    }

    function test_checkRedeemable_revertsWhenLastUpdateIsZero() external {
        FixedStatusRegistry lazy = new FixedStatusRegistry(VALIDATOR, agentId, 100);
        vm.prank(GOVERNANCE);
        decoder.setTrustedRegistry(address(lazy), true);
        GuaranteeV2 memory g = _guarantee();
        g.validationRegistry = address(lazy);
        _seal(g);
        _expectRedeemableRevert(
            g,
            abi.encodeWithSelector(
                IValidationRegistryGuaranteeDecoder.V2DecoderValidationPending.selector,
                g.validationRequestHash
            )
        );
    }

    /// @dev Against the reference registry a request that is not answered yet has `lastUpdate != 0` and
    ///      `response == 0`: it is reported as a score too low, never as pending.
    function test_checkRedeemable_revertsWhenRequestedButNotAnswered() external {
        GuaranteeV2 memory g = _guarantee();
        _request(g);
        (, , , , , uint256 lastUpdate) = registry.getValidationStatus(g.validationRequestHash);
        vm.assertEq(lastUpdate, block.timestamp, "the reference registry stamps the request");
        _expectRedeemableRevert(
            g,
            abi.encodeWithSelector(IValidationRegistryGuaranteeDecoder.V2DecoderValidationScoreTooLow.selector, 0, 70)
        );
    }

    function test_checkRedeemable_revertsWhenScoreIsBelowMinimum() external {
        GuaranteeV2 memory g = _guarantee();
        _request(g);
        _respond(g, 69, bytes32(0), TAG);
        _expectRedeemableRevert(
            g,
            abi.encodeWithSelector(IValidationRegistryGuaranteeDecoder.V2DecoderValidationScoreTooLow.selector, 69, 70)
        );
    }

    function testFuzz_checkRedeemable_scoreAgainstMinimum(uint8 response, uint8 minScore) external {
        response = uint8(_bound(response, 0, 100));
        minScore = uint8(_bound(minScore, 1, 100));
        GuaranteeV2 memory g = _guarantee();
        g.minValidationScore = minScore;
        _seal(g);
        _request(g);
        _respond(g, response, bytes32(0), TAG);
        if (response < minScore) {
            _expectRedeemableRevert(
                g,
                abi.encodeWithSelector(
                    IValidationRegistryGuaranteeDecoder.V2DecoderValidationScoreTooLow.selector,
                    response,
                    minScore
                )
            );
        } else {
            decoder.checkRedeemable(GuaranteeCodec.encodeV2(g));
        }
    }

    /// @dev The canonical hash was requested naming another validator (the first request of a hash fixes it).
    function test_checkRedeemable_revertsWhenValidatorDiffers() external {
        GuaranteeV2 memory g = _guarantee();
        vm.prank(AGENT_OWNER);
        registry.validationRequest(OTHER_VALIDATOR, agentId, "", g.validationRequestHash);
        vm.prank(OTHER_VALIDATOR);
        registry.validationResponse(g.validationRequestHash, 100, "", bytes32(0), TAG);
        _expectRedeemableRevert(
            g,
            abi.encodeWithSelector(
                IValidationRegistryGuaranteeDecoder.V2DecoderValidatorMismatch.selector,
                VALIDATOR,
                OTHER_VALIDATOR
            )
        );
    }

    /// @dev The canonical hash was requested by another agent's owner for its own agent.
    function test_checkRedeemable_revertsWhenAgentDiffers() external {
        GuaranteeV2 memory g = _guarantee();
        vm.prank(OTHER_AGENT_OWNER);
        registry.validationRequest(VALIDATOR, otherAgentId, "", g.validationRequestHash);
        _respond(g, 100, bytes32(0), TAG);
        _expectRedeemableRevert(
            g,
            abi.encodeWithSelector(
                IValidationRegistryGuaranteeDecoder.V2DecoderAgentMismatch.selector,
                agentId,
                otherAgentId
            )
        );
    }

    function test_checkRedeemable_revertsWhenTagDiffers() external {
        GuaranteeV2 memory g = _guarantee();
        _request(g);
        _respond(g, 100, bytes32(0), "soft-finality");
        _expectRedeemableRevert(
            g,
            abi.encodeWithSelector(
                IValidationRegistryGuaranteeDecoder.V2DecoderTagMismatch.selector,
                keccak256(bytes(TAG)),
                keccak256("soft-finality")
            )
        );
    }

    function test_checkRedeemable_revertsWhenRequiredTagButAnswerHasNone() external {
        GuaranteeV2 memory g = _guarantee();
        _request(g);
        _respond(g, 100, bytes32(0), "");
        _expectRedeemableRevert(
            g,
            abi.encodeWithSelector(
                IValidationRegistryGuaranteeDecoder.V2DecoderTagMismatch.selector,
                keccak256(bytes(TAG)),
                keccak256("")
            )
        );
    }

    // ---------------------------------------------------------------- registry allowlist

    function test_constructor_trustsTheInitialRegistriesAndEmits() external {
        address[] memory initial = new address[](2);
        initial[0] = address(0x1111);
        initial[1] = address(0x2222);
        vm.expectEmit(true, false, false, true);
        emit IValidationRegistryGuaranteeDecoder.TrustedRegistrySet(address(0x1111), true);
        vm.expectEmit(true, false, false, true);
        emit IValidationRegistryGuaranteeDecoder.TrustedRegistrySet(address(0x2222), true);
        ValidationRegistryGuaranteeDecoder d = new ValidationRegistryGuaranteeDecoder(address(manager), initial);
        vm.assertTrue(d.isTrustedRegistry(address(0x1111)), "first");
        vm.assertTrue(d.isTrustedRegistry(address(0x2222)), "second");
        vm.assertFalse(d.isTrustedRegistry(address(registry)), "not listed");
        vm.assertEq(d.authority(), address(manager), "authority");
    }

    function test_constructor_revertsWhenARegistryIsZero() external {
        address[] memory initial = new address[](2);
        initial[0] = address(registry);
        vm.expectRevert(abi.encodeWithSelector(IValidationRegistryGuaranteeDecoder.V2DecoderZeroRegistry.selector));
        new ValidationRegistryGuaranteeDecoder(address(manager), initial);
    }

    function test_setTrustedRegistry_addsAndRemovesWithEvents() external {
        vm.assertFalse(decoder.isTrustedRegistry(address(secondRegistry)), "initially untrusted");
        vm.expectEmit(true, false, false, true, address(decoder));
        emit IValidationRegistryGuaranteeDecoder.TrustedRegistrySet(address(secondRegistry), true);
        vm.prank(GOVERNANCE);
        decoder.setTrustedRegistry(address(secondRegistry), true);
        vm.assertTrue(decoder.isTrustedRegistry(address(secondRegistry)), "trusted");

        vm.expectEmit(true, false, false, true, address(decoder));
        emit IValidationRegistryGuaranteeDecoder.TrustedRegistrySet(address(secondRegistry), false);
        vm.prank(GOVERNANCE);
        decoder.setTrustedRegistry(address(secondRegistry), false);
        vm.assertFalse(decoder.isTrustedRegistry(address(secondRegistry)), "untrusted again");
    }

    function test_setTrustedRegistry_removalBlocksRedemption() external {
        GuaranteeV2 memory g = _guarantee();
        _request(g);
        _respond(g, 100, bytes32(0), TAG);
        decoder.checkRedeemable(GuaranteeCodec.encodeV2(g));
        vm.prank(GOVERNANCE);
        decoder.setTrustedRegistry(address(registry), false);
        _expectBothRevert(
            g,
            abi.encodeWithSelector(
                IValidationRegistryGuaranteeDecoder.V2DecoderUntrustedRegistry.selector,
                address(registry)
            )
        );
    }

    function test_setTrustedRegistry_revertsWhenRegistryIsZero() external {
        vm.expectRevert(abi.encodeWithSelector(IValidationRegistryGuaranteeDecoder.V2DecoderZeroRegistry.selector));
        vm.prank(GOVERNANCE);
        decoder.setTrustedRegistry(address(0), true);
    }

    function test_setTrustedRegistry_revertsWhenCallerIsNotGovernance() external {
        vm.expectRevert(abi.encodeWithSelector(IAccessManaged.AccessManagedUnauthorized.selector, STRANGER));
        vm.prank(STRANGER);
        decoder.setTrustedRegistry(address(secondRegistry), true);
        // Not even the AccessManager admin: the function belongs to the governance role.
        vm.expectRevert(abi.encodeWithSelector(IAccessManaged.AccessManagedUnauthorized.selector, address(this)));
        decoder.setTrustedRegistry(address(secondRegistry), true);
        vm.assertFalse(decoder.isTrustedRegistry(address(secondRegistry)), "unchanged");
    }
}
