// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {ValidationRegistryGuaranteeDecoder} from "../../contracts/ValidationRegistryGuaranteeDecoder.sol";
import {ICore4Mica} from "../../contracts/interfaces/ICore4Mica.sol";
import {ICore4MicaSettlement} from "../../contracts/interfaces/ICore4MicaSettlement.sol";
import {IValidationRegistryGuaranteeDecoder} from "../../contracts/interfaces/IValidationRegistryGuaranteeDecoder.sol";
import {BLS} from "../../contracts/libraries/BLS.sol";
import {GuaranteeV2} from "../../contracts/libraries/GuaranteeTypes.sol";
import {ValidationHashes} from "../../contracts/libraries/ValidationHashes.sol";
import {ERC8004IdentityRegistry} from "../../contracts/mocks/ERC8004IdentityRegistry.sol";
import {ERC8004ValidationRegistry} from "../../contracts/mocks/ERC8004ValidationRegistry.sol";
import {vm} from "../utils/Vm.sol";
import {Core4MicaTestBase} from "./Core4MicaTestBase.sol";

/// @dev Route B end to end with the production V2 decoder and the reference ERC-8004 registries: the payer's
///      validation request, the validator's answer, then the recipient's redemption.
contract Core4MicaV2RegistryTest is Core4MicaTestBase {
    uint64 internal constant TS = T0 + 1 hours;
    address internal constant VALIDATOR = address(0xBA11);
    address internal constant AGENT_OWNER = address(0xA6E7);

    ERC8004IdentityRegistry internal identity;
    ERC8004ValidationRegistry internal registry;
    ValidationRegistryGuaranteeDecoder internal v2Decoder;
    uint256 internal agentId;

    function setUp() public override {
        super.setUp();
        identity = new ERC8004IdentityRegistry();
        registry = new ERC8004ValidationRegistry(identity);
        address[] memory trusted = new address[](1);
        trusted[0] = address(registry);
        v2Decoder = new ValidationRegistryGuaranteeDecoder(address(manager), trusted);
        vm.prank(STRANGER);
        identity.register(); // agent 0 belongs to someone else
        vm.prank(AGENT_OWNER);
        agentId = identity.register();
        vm.prank(GOVERNOR);
        vault.configureVersion(2, operatorKey, _v2Domain(), address(v2Decoder), true);

        _depositEth(payer, 10 ether);
        _depositToken(payer, 1_000e6);
        vm.deal(RECIPIENT, 1); // an existing account, as a seller's is
    }

    /// @dev A V2 guarantee with a real policy: the canonical subject and request hashes are sealed.
    function _policy(address asset, uint256 amount, uint256 reqId) internal view returns (GuaranteeV2 memory g) {
        g = _v2(asset, amount, reqId, TS);
        g.validationRegistry = address(registry);
        g.validatorAddress = VALIDATOR;
        g.validatorAgentId = agentId;
        g.minValidationScore = 80;
        g.requiredValidationTag = "quality";
        g.validationSubjectHash = ValidationHashes.subjectHash(g);
        g.validationRequestHash = ValidationHashes.requestHash(g);
    }

    function _validate(GuaranteeV2 memory g, uint8 score, string memory tag) internal {
        vm.prank(AGENT_OWNER);
        registry.validationRequest(VALIDATOR, agentId, "ipfs://job", g.validationRequestHash);
        vm.prank(VALIDATOR);
        registry.validationResponse(g.validationRequestHash, score, "ipfs://evidence", keccak256("evidence"), tag);
    }

    function _expectRemunerateRevert(GuaranteeV2 memory g, bytes memory err) internal {
        bytes memory cert = _envelopeV2(g);
        BLS.G2Point memory sig = _bls(cert);
        bytes memory payerSig = _payerSigV2(g);
        vm.expectRevert(err);
        vault.remunerate(cert, sig, payerSig);
    }

    function test_remunerate_paysWhenTheRegistryResultMatches() external {
        GuaranteeV2 memory g = _policy(ETH, 1 ether, 1);
        _validate(g, 90, "quality");
        vm.warp(TS + GRACE);
        bytes memory cert = _envelopeV2(g);
        BLS.G2Point memory sig = _bls(cert);
        bytes memory payerSig = _payerSigV2(g);
        vm.expectEmit(true, true, true, true, address(vault));
        emit ICore4Mica.GuaranteeRemunerated(_id(g), payer, RECIPIENT, ETH, 1 ether, 2);
        vault.remunerate(cert, sig, payerSig);
        vm.assertEq(RECIPIENT.balance, 1 ether + 1, "recipient");
        vm.assertEq(vault.collateral(payer, ETH), 9 ether, "collateral");
    }

    function test_remunerate_paysErc20WhenTheRegistryResultMatches() external {
        GuaranteeV2 memory g = _policy(address(token), 40e6, 1);
        _validate(g, 80, "quality");
        vm.warp(TS + GRACE);
        bytes memory cert = _envelopeV2(g);
        vault.remunerate(cert, _bls(cert), _payerSigV2(g));
        vm.assertEq(token.balanceOf(RECIPIENT), 40e6, "recipient");
    }

    function test_remunerate_revertsWhileTheValidationScoreIsTooLow() external {
        GuaranteeV2 memory g = _policy(ETH, 1 ether, 1);
        _validate(g, 79, "quality");
        vm.warp(TS + GRACE);
        _expectRemunerateRevert(
            g,
            abi.encodeWithSelector(
                IValidationRegistryGuaranteeDecoder.V2DecoderValidationScoreTooLow.selector,
                uint8(79),
                uint8(80)
            )
        );
    }

    function test_remunerate_revertsWhenNoValidationWasRequested() external {
        GuaranteeV2 memory g = _policy(ETH, 1 ether, 1);
        vm.warp(TS + GRACE);
        _expectRemunerateRevert(
            g,
            abi.encodeWithSelector(
                IValidationRegistryGuaranteeDecoder.V2DecoderValidationLookupFailed.selector,
                address(registry),
                g.validationRequestHash
            )
        );
    }

    function test_remunerate_revertsOnTheWrongTag() external {
        GuaranteeV2 memory g = _policy(ETH, 1 ether, 1);
        _validate(g, 100, "speed");
        vm.warp(TS + GRACE);
        _expectRemunerateRevert(
            g,
            abi.encodeWithSelector(
                IValidationRegistryGuaranteeDecoder.V2DecoderTagMismatch.selector,
                keccak256("quality"),
                keccak256("speed")
            )
        );
    }

    function test_remunerate_revertsWhenTheDecoderRefusesThePolicy() external {
        GuaranteeV2 memory g = _policy(ETH, 1 ether, 1);
        g.validationSubjectHash = keccak256("not the subject");
        vm.warp(TS + GRACE);
        _expectRemunerateRevert(
            g,
            abi.encodeWithSelector(
                IValidationRegistryGuaranteeDecoder.V2DecoderSubjectHashMismatch.selector,
                ValidationHashes.subjectHash(g),
                g.validationSubjectHash
            )
        );
    }

    function test_remunerate_thenNettingTheSameIdReverts() external {
        GuaranteeV2 memory g = _policy(ETH, 1 ether, 1);
        _validate(g, 90, "quality");
        vm.warp(TS + GRACE);
        bytes memory cert = _envelopeV2(g);
        bytes32 id = vault.remunerate(cert, _bls(cert), _payerSigV2(g));
        ICore4MicaSettlement.NettedGuarantee[] memory netted = new ICore4MicaSettlement.NettedGuarantee[](1);
        netted[0] = ICore4MicaSettlement.NettedGuarantee(2, abi.encode(g), _payerSigV2(g));
        vm.prank(address(house));
        vm.expectRevert(abi.encodeWithSelector(ICore4Mica.Core4MicaGuaranteeAlreadyConsumed.selector, id));
        vault.consumeNettedGuarantees(g.cycleId, ETH, block.timestamp, netted);
    }
}
