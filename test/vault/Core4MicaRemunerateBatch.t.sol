// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {ICore4Mica} from "../../contracts/interfaces/ICore4Mica.sol";
import {ICore4MicaCollateral} from "../../contracts/interfaces/ICore4MicaCollateral.sol";
import {BLS} from "../../contracts/libraries/BLS.sol";
import {GuaranteeRequest} from "../../contracts/libraries/GuaranteeRequest.sol";
import {Guarantee, GuaranteeV2} from "../../contracts/libraries/GuaranteeTypes.sol";
import {MockGuaranteeDecoder} from "../../contracts/mocks/MockGuaranteeDecoder.sol";
import {ReentrantRecipient} from "../../contracts/mocks/ReentrantRecipient.sol";
import {BLSSigner} from "../utils/BLSSigner.sol";
import {vm} from "../utils/Vm.sol";
import {Core4MicaTestBase} from "./Core4MicaTestBase.sol";

/// @dev `remunerateBatch`: many certificates of one version, any payers, recipients and assets, one aggregated
///      pairing check, every item checked as `remunerate` checks it. One bad item reverts the whole batch with that
///      item's own error (docs/protocol.md §5).
contract Core4MicaRemunerateBatchTest is Core4MicaTestBase {
    uint64 internal constant TS = T0 + 1 hours;
    address internal constant RECIPIENT_2 = address(0xCAFE);

    struct Batch {
        bytes[] certificates;
        BLS.G2Point aggregate;
        bytes[] payerSignatures;
    }

    function setUp() public override {
        super.setUp();
        _depositEth(payer, 10 ether);
        _depositToken(payer, 1_000e6);
        _depositEth(other, 10 ether);
        vm.warp(TS + GRACE);
    }

    // ---------------------------------------------------------------- builders

    function _v2From(
        address user,
        address recipient,
        address asset,
        uint256 amount,
        uint256 reqId
    ) internal view returns (GuaranteeV2 memory g) {
        g = _v2(asset, amount, reqId, TS);
        g.user = user;
        g.recipient = recipient;
    }

    function _payerSigFor(GuaranteeV2 memory g) internal view returns (bytes memory) {
        return _sign(g.user == other ? OTHER_PK : PAYER_PK, _digest(GuaranteeRequest.hashV2(g)));
    }

    function _batchV2(GuaranteeV2[] memory gs) internal view returns (Batch memory b) {
        b.certificates = new bytes[](gs.length);
        b.payerSignatures = new bytes[](gs.length);
        for (uint256 i = 0; i < gs.length; ++i) {
            b.certificates[i] = _envelopeV2(gs[i]);
            b.payerSignatures[i] = _payerSigFor(gs[i]);
            BLS.G2Point memory sig = _bls(b.certificates[i]);
            b.aggregate = i == 0 ? sig : BLS.addG2(b.aggregate, sig);
        }
    }

    function _three() internal view returns (GuaranteeV2[] memory gs) {
        gs = new GuaranteeV2[](3);
        gs[0] = _v2From(payer, RECIPIENT, ETH, 1 ether, 1);
        gs[1] = _v2From(other, RECIPIENT_2, ETH, 2 ether, 1);
        gs[2] = _v2From(payer, RECIPIENT_2, address(token), 250e6, 2);
    }

    function _pay(Batch memory b) internal returns (bytes32[] memory) {
        return vault.remunerateBatch(b.certificates, b.aggregate, b.payerSignatures);
    }

    function _expectBatchRevert(Batch memory b, bytes memory err) internal {
        vm.expectRevert(err);
        vault.remunerateBatch(b.certificates, b.aggregate, b.payerSignatures);
    }

    function _assertNothingPaid(GuaranteeV2[] memory gs) internal view {
        for (uint256 i = 0; i < gs.length; ++i) vm.assertFalse(vault.isConsumed(_id(gs[i])), "consumed");
        vm.assertEq(vault.collateral(payer, ETH), 10 ether, "payer ETH");
        vm.assertEq(vault.collateral(other, ETH), 10 ether, "other ETH");
        vm.assertEq(vault.collateral(payer, address(token)), 1_000e6, "payer token");
        vm.assertEq(RECIPIENT.balance, 0, "recipient paid");
    }

    // ---------------------------------------------------------------- success

    function test_remunerateBatch_paysEveryGuaranteeOfAnyPayerRecipientAndAsset() external {
        GuaranteeV2[] memory gs = _three();
        Batch memory b = _batchV2(gs);
        for (uint256 i = 0; i < gs.length; ++i) {
            vm.expectEmit(true, true, true, true, address(vault));
            emit ICore4Mica.GuaranteeRemunerated(_id(gs[i]), gs[i].user, gs[i].recipient, gs[i].asset, gs[i].amount, 2);
        }
        vm.prank(STRANGER); // anyone may call; funds go to each recipient
        bytes32[] memory ids = _pay(b);
        vm.assertEq(ids.length, 3, "ids");
        for (uint256 i = 0; i < gs.length; ++i) {
            vm.assertEq(ids[i], _id(gs[i]), "id");
            vm.assertTrue(vault.isConsumed(ids[i]), "consumed");
        }
        vm.assertEq(RECIPIENT.balance, 1 ether, "recipient 1");
        vm.assertEq(RECIPIENT_2.balance, 2 ether, "recipient 2 ETH");
        vm.assertEq(token.balanceOf(RECIPIENT_2), 250e6, "recipient 2 token");
        vm.assertEq(vault.collateral(payer, ETH), 9 ether, "payer ETH");
        vm.assertEq(vault.collateral(other, ETH), 8 ether, "other ETH");
        vm.assertEq(vault.collateral(payer, address(token)), 750e6, "payer token");
        vm.assertEq(address(vault).balance, 17 ether, "vault ETH");
    }

    function test_remunerateBatch_paysARunOfOneRecipientInFull() external {
        GuaranteeV2[] memory gs = new GuaranteeV2[](4);
        gs[0] = _v2From(payer, RECIPIENT, ETH, 1 ether, 1);
        gs[1] = _v2From(payer, RECIPIENT, ETH, 2 ether, 2);
        gs[2] = _v2From(other, RECIPIENT, ETH, 3 ether, 3);
        gs[3] = _v2From(payer, RECIPIENT_2, ETH, 1 ether, 4);
        _pay(_batchV2(gs));
        vm.assertEq(RECIPIENT.balance, 6 ether, "the run of three");
        vm.assertEq(RECIPIENT_2.balance, 1 ether, "the last item");
        vm.assertEq(vault.collateral(payer, ETH), 6 ether, "payer");
        vm.assertEq(vault.collateral(other, ETH), 7 ether, "other");
    }

    function test_remunerateBatch_aBatchOfOneIsARemuneration() external {
        GuaranteeV2[] memory gs = new GuaranteeV2[](1);
        gs[0] = _v2From(payer, RECIPIENT, ETH, 1 ether, 1);
        Batch memory b = _batchV2(gs);
        bytes32[] memory ids = _pay(b);
        vm.assertEq(ids[0], _id(gs[0]), "id");
        vm.assertEq(RECIPIENT.balance, 1 ether, "paid");
        // The single entry point then sees it consumed.
        BLS.G2Point memory sig = _bls(b.certificates[0]);
        vm.expectRevert(abi.encodeWithSelector(ICore4Mica.Core4MicaGuaranteeAlreadyConsumed.selector, ids[0]));
        vault.remunerate(b.certificates[0], sig, b.payerSignatures[0]);
    }

    function test_remunerateBatch_paysV1FallbackCertificates() external {
        Guarantee memory a = _v1(ETH, 1 ether, 1, TS);
        Guarantee memory c = _v1(ETH, 2 ether, 2, TS);
        _missCycle(a, TS + 2 days);
        Batch memory b;
        b.certificates = new bytes[](2);
        b.payerSignatures = new bytes[](2);
        b.certificates[0] = _envelopeV1(a);
        b.certificates[1] = _envelopeV1(c);
        b.payerSignatures[0] = _payerSigV1(a);
        b.payerSignatures[1] = _payerSigV1(c);
        b.aggregate = BLS.addG2(_bls(b.certificates[0]), _bls(b.certificates[1]));
        bytes32[] memory ids = _pay(b);
        vm.assertEq(ids[0], _id(a), "id 0");
        vm.assertEq(ids[1], _id(c), "id 1");
        vm.assertEq(RECIPIENT.balance, 3 ether, "paid");
    }

    function test_remunerateBatch_worksWhilePaused() external {
        vm.prank(GUARDIAN);
        vault.pause();
        _pay(_batchV2(_three()));
        vm.assertEq(RECIPIENT.balance, 1 ether, "paid while paused");
    }

    // ---------------------------------------------------------------- shape

    function test_remunerateBatch_revertsWhenEmpty() external {
        Batch memory b;
        b.certificates = new bytes[](0);
        b.payerSignatures = new bytes[](0);
        _expectBatchRevert(b, abi.encodeWithSelector(ICore4Mica.Core4MicaEmptyBatch.selector));
    }

    function test_remunerateBatch_revertsWhenTheSignatureCountDiffers() external {
        Batch memory b = _batchV2(_three());
        b.payerSignatures = new bytes[](2);
        _expectBatchRevert(b, abi.encodeWithSelector(ICore4Mica.Core4MicaBatchLengthMismatch.selector, 3, 2));
    }

    function test_remunerateBatch_revertsOnMixedVersions() external {
        Batch memory b = _batchV2(_three());
        Guarantee memory v1 = _v1(ETH, 1 ether, 9, TS);
        b.certificates[1] = _envelopeV1(v1);
        b.payerSignatures[1] = _payerSigV1(v1);
        _expectBatchRevert(
            b,
            abi.encodeWithSelector(ICore4Mica.Core4MicaBatchVersionMismatch.selector, 1, uint64(2), uint64(1))
        );
    }

    function test_remunerateBatch_revertsWhenTheVersionIsDisabled() external {
        Batch memory b = _batchV2(_three());
        BLS.G1Point memory none;
        vm.prank(GOVERNOR);
        vault.configureVersion(2, none, bytes32(0), address(0), false);
        _expectBatchRevert(b, abi.encodeWithSelector(ICore4Mica.Core4MicaVersionDisabled.selector, uint64(2)));
    }

    // ---------------------------------------------------------------- aggregate signature

    function test_remunerateBatch_revertsWhenASignatureIsMissingFromTheAggregate() external {
        GuaranteeV2[] memory gs = _three();
        Batch memory b = _batchV2(gs);
        b.aggregate = BLS.addG2(_bls(b.certificates[0]), _bls(b.certificates[1])); // the third left out
        _expectBatchRevert(b, abi.encodeWithSelector(ICore4Mica.Core4MicaInvalidAggregateSignature.selector, 2));
        _assertNothingPaid(gs);
    }

    function test_remunerateBatch_revertsOnACertificateTheOperatorDidNotSign() external {
        GuaranteeV2[] memory gs = _three();
        Batch memory b = _batchV2(gs);
        // The payer signs a larger amount itself; the operator never certified it.
        gs[0].amount = 5 ether;
        b.certificates[0] = _envelopeV2(gs[0]);
        b.payerSignatures[0] = _payerSigFor(gs[0]);
        _expectBatchRevert(b, abi.encodeWithSelector(ICore4Mica.Core4MicaInvalidAggregateSignature.selector, 2));
        _assertNothingPaid(gs);
    }

    function test_remunerateBatch_revertsOnTheInfinityAggregate() external {
        Batch memory b = _batchV2(_three());
        BLS.G2Point memory infinity;
        b.aggregate = infinity;
        _expectBatchRevert(b, abi.encodeWithSelector(ICore4Mica.Core4MicaInvalidAggregateSignature.selector, 2));
    }

    function test_remunerateBatch_revertsUnderAnotherKey() external {
        Batch memory b = _batchV2(_three());
        b.aggregate = BLS.addG2(
            BLS.addG2(
                BLSSigner.sign(b.certificates[0], OTHER_OPERATOR_SK),
                BLSSigner.sign(b.certificates[1], OTHER_OPERATOR_SK)
            ),
            BLSSigner.sign(b.certificates[2], OTHER_OPERATOR_SK)
        );
        _expectBatchRevert(b, abi.encodeWithSelector(ICore4Mica.Core4MicaInvalidAggregateSignature.selector, 2));
    }

    // ---------------------------------------------------------------- one bad item reverts the batch

    function test_remunerateBatch_revertsWholeWhenOnePayerSignatureIsBad() external {
        GuaranteeV2[] memory gs = _three();
        Batch memory b = _batchV2(gs);
        b.payerSignatures[2] = _sign(OTHER_PK, _digest(GuaranteeRequest.hashV2(gs[2])));
        _expectBatchRevert(b, abi.encodeWithSelector(ICore4Mica.Core4MicaInvalidPayerSignature.selector, payer));
        _assertNothingPaid(gs);
    }

    function test_remunerateBatch_revertsOnTheSameCertificateTwice() external {
        GuaranteeV2[] memory gs = _three();
        gs[1] = gs[0];
        Batch memory b = _batchV2(gs);
        _expectBatchRevert(
            b,
            abi.encodeWithSelector(ICore4Mica.Core4MicaGuaranteeAlreadyConsumed.selector, _id(gs[0]))
        );
    }

    function test_remunerateBatch_revertsWhenAnItemWasAlreadyPaid() external {
        GuaranteeV2[] memory gs = _three();
        Batch memory b = _batchV2(gs);
        vault.remunerate(b.certificates[1], _bls(b.certificates[1]), b.payerSignatures[1]);
        _expectBatchRevert(
            b,
            abi.encodeWithSelector(ICore4Mica.Core4MicaGuaranteeAlreadyConsumed.selector, _id(gs[1]))
        );
        vm.assertFalse(vault.isConsumed(_id(gs[0])), "first not consumed");
    }

    function test_remunerateBatch_revertsWhenAnItemIsOutsideItsWindow() external {
        GuaranteeV2[] memory gs = _three();
        gs[1].timestamp = TS + 1 hours; // its route B opens an hour later
        Batch memory b = _batchV2(gs);
        _expectBatchRevert(
            b,
            abi.encodeWithSelector(ICore4Mica.Core4MicaRemunerationNotOpen.selector, uint256(TS + 1 hours + GRACE))
        );
    }

    function test_remunerateBatch_revertsWhenTheRegistryResultIsMissing() external {
        Batch memory b = _batchV2(_three());
        decoder.setRedeemable(false);
        _expectBatchRevert(b, abi.encodeWithSelector(MockGuaranteeDecoder.MockGuaranteeDecoderNotRedeemable.selector));
    }

    function test_remunerateBatch_revertsWhenTheSumExceedsThePayersCollateral() external {
        GuaranteeV2[] memory gs = new GuaranteeV2[](2);
        gs[0] = _v2From(payer, RECIPIENT, ETH, 6 ether, 1);
        gs[1] = _v2From(payer, RECIPIENT_2, ETH, 6 ether, 2); // each alone fits, together they do not
        _expectBatchRevert(
            _batchV2(gs),
            abi.encodeWithSelector(
                ICore4MicaCollateral.Core4MicaInsufficientCollateral.selector,
                payer,
                ETH,
                6 ether,
                4 ether
            )
        );
    }

    function test_remunerateBatch_revertsWholeWhenARecipientRefusesEth() external {
        ReentrantRecipient refusing = new ReentrantRecipient();
        refusing.setRefuse(true);
        GuaranteeV2[] memory gs = _three();
        gs[2] = _v2From(payer, address(refusing), ETH, 1 ether, 3);
        _expectBatchRevert(
            _batchV2(gs),
            abi.encodeWithSelector(ICore4MicaCollateral.Core4MicaEthTransferFailed.selector, address(refusing), 1 ether)
        );
        _assertNothingPaid(gs);
    }

    function test_remunerateBatch_blocksReentry() external {
        ReentrantRecipient attacker = new ReentrantRecipient();
        GuaranteeV2[] memory gs = _three();
        gs[0].recipient = address(attacker);
        GuaranteeV2 memory second = _v2From(payer, address(attacker), ETH, 1 ether, 7);
        bytes memory cert2 = _envelopeV2(second);
        attacker.arm(address(vault), abi.encodeCall(vault.remunerate, (cert2, _bls(cert2), _payerSigV2(second))));
        _pay(_batchV2(gs));
        (bool attempted, bool succeeded, bytes memory revertData) = attacker.outcome();
        vm.assertTrue(attempted, "attempted");
        vm.assertFalse(succeeded, "reentry succeeded");
        vm.assertEq(
            keccak256(revertData),
            keccak256(abi.encodeWithSelector(ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector)),
            "reentrancy error"
        );
        vm.assertEq(address(attacker).balance, 1 ether, "paid the batch item only");
        vm.assertFalse(vault.isConsumed(_id(second)), "second not consumed");
    }

    /// @dev Whatever subset of a valid batch's signatures the aggregate omits, or whichever item carries a bad payer
    ///      signature, nothing is paid; the full batch then pays every item exactly once.
    function testFuzz_remunerateBatch_allOrNothing(uint8 omitted, uint8 badPayer) external {
        GuaranteeV2[] memory gs = _three();
        Batch memory good = _batchV2(gs);
        Batch memory bad = _batchV2(gs);
        uint256 mask = uint256(omitted) % 8; // which signatures to drop from the aggregate (0 = none)
        uint256 badIndex = uint256(badPayer) % 4; // 3 = no bad payer signature
        if (mask != 0) {
            BLS.G2Point memory sum;
            for (uint256 i = 0; i < 3; ++i) {
                if (mask & (1 << i) == 0) sum = BLS.addG2(sum, _bls(bad.certificates[i]));
            }
            bad.aggregate = sum;
        }
        if (badIndex < 3) bad.payerSignatures[badIndex] = hex"00";
        if (mask != 0 || badIndex < 3) {
            (bool ok, ) = address(vault).call(
                abi.encodeCall(vault.remunerateBatch, (bad.certificates, bad.aggregate, bad.payerSignatures))
            );
            vm.assertFalse(ok, "a bad batch paid");
            _assertNothingPaid(gs);
        }
        _pay(good);
        for (uint256 i = 0; i < 3; ++i) vm.assertTrue(vault.isConsumed(_id(gs[i])), "consumed");
        vm.assertEq(RECIPIENT.balance, 1 ether, "recipient 1 once");
    }
}
