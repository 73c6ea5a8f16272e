// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {ICore4Mica} from "../../contracts/interfaces/ICore4Mica.sol";
import {ICore4MicaSettlement} from "../../contracts/interfaces/ICore4MicaSettlement.sol";
import {ICore4MicaCollateral} from "../../contracts/interfaces/ICore4MicaCollateral.sol";
import {BLS} from "../../contracts/libraries/BLS.sol";
import {GuaranteeCodec} from "../../contracts/libraries/GuaranteeCodec.sol";
import {GuaranteeRequest} from "../../contracts/libraries/GuaranteeRequest.sol";
import {Guarantee, GuaranteeV2} from "../../contracts/libraries/GuaranteeTypes.sol";
import {MockERC1271Wallet} from "../../contracts/mocks/MockERC1271Wallet.sol";
import {MockGuaranteeDecoder} from "../../contracts/mocks/MockGuaranteeDecoder.sol";
import {ReentrantRecipient} from "../../contracts/mocks/ReentrantRecipient.sol";
import {BLSSigner} from "../utils/BLSSigner.sol";
import {vm} from "../utils/Vm.sol";
import {Core4MicaTestBase} from "./Core4MicaTestBase.sol";

/// @dev Direct redemption through a decoder version (V2 route B): verification chain, window, consumption,
///      collateral, synchronization rule, pause and reentrancy. The V1 fallback has its own file.
contract Core4MicaRemunerateTest is Core4MicaTestBase {
    uint64 internal constant TS = T0 + 1 hours;

    function setUp() public override {
        super.setUp();
        _depositEth(payer, 10 ether);
        _depositToken(payer, 1_000e6);
        vm.warp(TS + GRACE);
    }

    function _remunerate(GuaranteeV2 memory g) internal returns (bytes32) {
        bytes memory cert = _envelopeV2(g);
        return vault.remunerate(cert, _bls(cert), _payerSigV2(g));
    }

    function _expectRemunerateRevert(GuaranteeV2 memory g, bytes memory err) internal {
        bytes memory cert = _envelopeV2(g);
        BLS.G2Point memory sig = _bls(cert);
        bytes memory payerSig = _payerSigV2(g);
        vm.expectRevert(err);
        vault.remunerate(cert, sig, payerSig);
    }

    // ---------------------------------------------------------------- success

    function test_remunerate_paysEthToTheRecipient() external {
        GuaranteeV2 memory g = _v2(ETH, 1 ether, 1, TS);
        bytes32 id = _id(g);
        bytes memory cert = _envelopeV2(g);
        BLS.G2Point memory sig = _bls(cert);
        bytes memory payerSig = _payerSigV2(g);
        vm.expectEmit(true, true, true, true, address(vault));
        emit ICore4Mica.GuaranteeRemunerated(id, payer, RECIPIENT, ETH, 1 ether, 2);
        vm.prank(STRANGER); // anyone may call; funds go to the recipient
        bytes32 returned = vault.remunerate(cert, sig, payerSig);
        vm.assertEq(returned, id, "id");
        vm.assertEq(RECIPIENT.balance, 1 ether, "recipient");
        vm.assertEq(STRANGER.balance, 0, "caller");
        vm.assertEq(vault.collateral(payer, ETH), 9 ether, "collateral");
        vm.assertEq(address(vault).balance, 9 ether, "vault balance");
        vm.assertTrue(vault.isConsumed(id), "consumed");
    }

    function test_remunerate_paysErc20ToTheRecipient() external {
        GuaranteeV2 memory g = _v2(address(token), 250e6, 1, TS);
        _remunerate(g);
        vm.assertEq(token.balanceOf(RECIPIENT), 250e6, "recipient");
        vm.assertEq(vault.collateral(payer, address(token)), 750e6, "collateral");
    }

    function test_remunerate_idMatchesTheProtocolFormula() external view {
        GuaranteeV2 memory g = _v2(ETH, 1 ether, 42, TS);
        bytes32 separator = _requestDomain(block.chainid, address(vault));
        bytes32 expected = keccak256(abi.encode(separator, g.user, g.recipient, g.asset, g.reqId));
        vm.assertEq(vault.requestDomainSeparator(), separator, "separator");
        vm.assertEq(vault.guaranteeIdOf(g.user, g.recipient, g.asset, g.reqId), expected, "id");
        vm.assertEq(_id(g), expected, "helper");
    }

    function test_remunerate_acceptsAnErc1271Payer() external {
        MockERC1271Wallet wallet = new MockERC1271Wallet(other);
        vm.deal(STRANGER, 1 ether);
        vm.prank(STRANGER);
        vault.depositFor{value: 1 ether}(address(wallet), ETH, 1 ether);
        GuaranteeV2 memory g = _v2(ETH, 1 ether, 1, TS);
        g.user = address(wallet);
        bytes memory cert = _envelopeV2(g);
        bytes memory ownerSig = _sign(OTHER_PK, _digest(GuaranteeRequest.hashV2(g)));
        vault.remunerate(cert, _bls(cert), ownerSig);
        vm.assertEq(RECIPIENT.balance, 1 ether, "recipient");
        vm.assertEq(vault.collateral(address(wallet), ETH), 0, "wallet collateral");
    }

    function test_remunerate_revertsWhenTheErc1271WalletRejects() external {
        MockERC1271Wallet wallet = new MockERC1271Wallet(other);
        GuaranteeV2 memory g = _v2(ETH, 1 ether, 1, TS);
        g.user = address(wallet);
        bytes memory cert = _envelopeV2(g);
        bytes memory notOwnerSig = _sign(PAYER_PK, _digest(GuaranteeRequest.hashV2(g)));
        BLS.G2Point memory sig = _bls(cert);
        vm.expectRevert(abi.encodeWithSelector(ICore4Mica.Core4MicaInvalidPayerSignature.selector, address(wallet)));
        vault.remunerate(cert, sig, notOwnerSig);
    }

    // ---------------------------------------------------------------- certificate checks

    function test_remunerate_revertsWithTheWrongBlsKey() external {
        GuaranteeV2 memory g = _v2(ETH, 1 ether, 1, TS);
        bytes memory cert = _envelopeV2(g);
        BLS.G2Point memory sig = BLSSigner.sign(cert, OTHER_OPERATOR_SK);
        bytes memory payerSig = _payerSigV2(g);
        vm.expectRevert(abi.encodeWithSelector(ICore4Mica.Core4MicaInvalidCertificateSignature.selector, uint64(2)));
        vault.remunerate(cert, sig, payerSig);
    }

    function test_remunerate_revertsOnATamperedCertificate() external {
        GuaranteeV2 memory g = _v2(ETH, 1 ether, 1, TS);
        BLS.G2Point memory sig = _bls(_envelopeV2(g));
        g.amount = 5 ether; // the payer would even sign the new amount; the operator did not
        bytes memory cert = _envelopeV2(g);
        bytes memory payerSig = _payerSigV2(g);
        vm.expectRevert(abi.encodeWithSelector(ICore4Mica.Core4MicaInvalidCertificateSignature.selector, uint64(2)));
        vault.remunerate(cert, sig, payerSig);
    }

    function test_remunerate_revertsOnTheSignatureOfAnotherCertificate() external {
        GuaranteeV2 memory g = _v2(ETH, 1 ether, 1, TS);
        BLS.G2Point memory sigOfOther = _bls(_envelopeV2(_v2(ETH, 1 ether, 2, TS)));
        bytes memory cert = _envelopeV2(g);
        bytes memory payerSig = _payerSigV2(g);
        vm.expectRevert(abi.encodeWithSelector(ICore4Mica.Core4MicaInvalidCertificateSignature.selector, uint64(2)));
        vault.remunerate(cert, sigOfOther, payerSig);
    }

    function test_remunerate_revertsOnTheInfinitySignature() external {
        GuaranteeV2 memory g = _v2(ETH, 1 ether, 1, TS);
        bytes memory cert = _envelopeV2(g);
        BLS.G2Point memory infinity;
        bytes memory payerSig = _payerSigV2(g);
        vm.expectRevert(abi.encodeWithSelector(ICore4Mica.Core4MicaInvalidCertificateSignature.selector, uint64(2)));
        vault.remunerate(cert, infinity, payerSig);
    }

    function test_remunerate_revertsOnTheWrongDomain() external {
        GuaranteeV2 memory g = _v2(ETH, 1 ether, 1, TS);
        g.domain = _v1Domain(); // a V1 domain inside a V2 certificate
        _expectRemunerateRevert(
            g,
            abi.encodeWithSelector(ICore4Mica.Core4MicaDomainMismatch.selector, uint64(2), _v2Domain(), _v1Domain())
        );
    }

    function test_remunerate_revertsOnAnotherChainsDomain() external {
        GuaranteeV2 memory g = _v2(ETH, 1 ether, 1, TS);
        bytes32 foreign = GuaranteeCodec.domainSeparator(2, block.chainid + 1, address(vault));
        g.domain = foreign;
        _expectRemunerateRevert(
            g,
            abi.encodeWithSelector(ICore4Mica.Core4MicaDomainMismatch.selector, uint64(2), _v2Domain(), foreign)
        );
    }

    function test_remunerate_revertsOnAnotherVaultsDomain() external {
        GuaranteeV2 memory g = _v2(ETH, 1 ether, 1, TS);
        bytes32 foreign = GuaranteeCodec.domainSeparator(2, block.chainid, STRANGER);
        g.domain = foreign;
        _expectRemunerateRevert(
            g,
            abi.encodeWithSelector(ICore4Mica.Core4MicaDomainMismatch.selector, uint64(2), _v2Domain(), foreign)
        );
    }

    function test_remunerate_revertsWhenTheVersionIsDisabled() external {
        BLS.G1Point memory none;
        vm.prank(GOVERNOR);
        vault.configureVersion(2, none, bytes32(0), address(0), false);
        _expectRemunerateRevert(
            _v2(ETH, 1 ether, 1, TS),
            abi.encodeWithSelector(ICore4Mica.Core4MicaVersionDisabled.selector, uint64(2))
        );
    }

    function test_remunerate_revertsForAnUnconfiguredVersion() external {
        bytes memory cert = abi.encode(uint64(7), abi.encode(_v2(ETH, 1 ether, 1, TS)));
        BLS.G2Point memory sig = _bls(cert);
        vm.expectRevert(abi.encodeWithSelector(ICore4Mica.Core4MicaVersionDisabled.selector, uint64(7)));
        vault.remunerate(cert, sig, "");
    }

    function test_remunerate_revertsWhenTheDecoderReturnsAnotherVersion() external {
        MockGuaranteeDecoder v3 = new MockGuaranteeDecoder();
        vm.prank(GOVERNOR);
        vault.configureVersion(3, operatorKey, keccak256("v3"), address(v3), true);
        GuaranteeV2 memory g = _v2(ETH, 1 ether, 1, TS); // decodes as version 2
        bytes memory cert = abi.encode(uint64(3), abi.encode(g));
        BLS.G2Point memory sig = _bls(cert);
        bytes memory payerSig = _payerSigV2(g);
        vm.expectRevert(abi.encodeWithSelector(ICore4Mica.Core4MicaVersionMismatch.selector, uint64(3), uint64(2)));
        vault.remunerate(cert, sig, payerSig);
    }

    function test_remunerate_revertsAfterTheKeyWasRotated() external {
        BLS.G1Point memory rotated = BLSSigner.publicKey(OTHER_OPERATOR_SK);
        vm.prank(GOVERNOR);
        vault.configureVersion(2, rotated, _v2Domain(), address(decoder), true);
        _expectRemunerateRevert(
            _v2(ETH, 1 ether, 1, TS),
            abi.encodeWithSelector(ICore4Mica.Core4MicaInvalidCertificateSignature.selector, uint64(2))
        );
    }

    // ---------------------------------------------------------------- payer signature

    function test_remunerate_revertsWithoutAPayerSignature() external {
        GuaranteeV2 memory g = _v2(ETH, 1 ether, 1, TS);
        bytes memory cert = _envelopeV2(g);
        BLS.G2Point memory sig = _bls(cert);
        vm.expectRevert(abi.encodeWithSelector(ICore4Mica.Core4MicaInvalidPayerSignature.selector, payer));
        vault.remunerate(cert, sig, "");
    }

    function test_remunerate_revertsWithAForgedPayerSignature() external {
        GuaranteeV2 memory g = _v2(ETH, 1 ether, 1, TS);
        bytes memory cert = _envelopeV2(g);
        BLS.G2Point memory sig = _bls(cert);
        bytes memory forged = _sign(OTHER_PK, _digest(GuaranteeRequest.hashV2(g)));
        vm.expectRevert(abi.encodeWithSelector(ICore4Mica.Core4MicaInvalidPayerSignature.selector, payer));
        vault.remunerate(cert, sig, forged);
    }

    function test_remunerate_revertsWhenThePayerSignedOtherTerms() external {
        GuaranteeV2 memory g = _v2(ETH, 1 ether, 1, TS);
        GuaranteeV2 memory signed = _v2(ETH, 0.1 ether, 1, TS);
        bytes memory cert = _envelopeV2(g);
        BLS.G2Point memory sig = _bls(cert);
        bytes memory payerSig = _payerSigV2(signed);
        vm.expectRevert(abi.encodeWithSelector(ICore4Mica.Core4MicaInvalidPayerSignature.selector, payer));
        vault.remunerate(cert, sig, payerSig);
    }

    function test_remunerate_revertsWithAPayerSignatureForAnotherChain() external {
        GuaranteeV2 memory g = _v2(ETH, 1 ether, 1, TS);
        bytes memory cert = _envelopeV2(g);
        BLS.G2Point memory sig = _bls(cert);
        bytes memory payerSig = _sign(PAYER_PK, _digest(GuaranteeRequest.hashV2(g), block.chainid + 1, address(vault)));
        vm.expectRevert(abi.encodeWithSelector(ICore4Mica.Core4MicaInvalidPayerSignature.selector, payer));
        vault.remunerate(cert, sig, payerSig);
    }

    function test_remunerate_revertsWithAPayerSignatureForAnotherVault() external {
        GuaranteeV2 memory g = _v2(ETH, 1 ether, 1, TS);
        bytes memory cert = _envelopeV2(g);
        BLS.G2Point memory sig = _bls(cert);
        bytes memory payerSig = _sign(PAYER_PK, _digest(GuaranteeRequest.hashV2(g), block.chainid, STRANGER));
        vm.expectRevert(abi.encodeWithSelector(ICore4Mica.Core4MicaInvalidPayerSignature.selector, payer));
        vault.remunerate(cert, sig, payerSig);
    }

    function test_remunerate_revertsWithAV1PayerSignatureOnAV2Certificate() external {
        GuaranteeV2 memory g = _v2(ETH, 1 ether, 1, TS);
        bytes memory cert = _envelopeV2(g);
        BLS.G2Point memory sig = _bls(cert);
        bytes memory v1Sig = _sign(PAYER_PK, _digest(GuaranteeRequest.hashV1(GuaranteeCodec.toGuarantee(g))));
        vm.expectRevert(abi.encodeWithSelector(ICore4Mica.Core4MicaInvalidPayerSignature.selector, payer));
        vault.remunerate(cert, sig, v1Sig);
    }

    // ---------------------------------------------------------------- guarantee sanity

    function test_remunerate_revertsOnAZeroRecipient() external {
        GuaranteeV2 memory g = _v2(ETH, 1 ether, 1, TS);
        g.recipient = address(0);
        _expectRemunerateRevert(g, abi.encodeWithSelector(ICore4Mica.Core4MicaInvalidRecipient.selector, address(0)));
    }

    function test_remunerate_revertsOnAZeroAmount() external {
        _expectRemunerateRevert(
            _v2(ETH, 0, 1, TS),
            abi.encodeWithSelector(ICore4MicaCollateral.Core4MicaZeroAmount.selector)
        );
    }

    // ---------------------------------------------------------------- window and decoder

    function test_remunerate_revertsOneSecondBeforeTheGrace() external {
        vm.warp(TS + GRACE - 1);
        _expectRemunerateRevert(
            _v2(ETH, 1 ether, 1, TS),
            abi.encodeWithSelector(ICore4Mica.Core4MicaRemunerationNotOpen.selector, uint256(TS + GRACE))
        );
    }

    function test_remunerate_succeedsOneSecondBeforeExpiry() external {
        vm.warp(TS + EXPIRY - 1);
        _remunerate(_v2(ETH, 1 ether, 1, TS));
        vm.assertEq(RECIPIENT.balance, 1 ether, "recipient");
    }

    function test_remunerate_revertsAtExpiry() external {
        vm.warp(TS + EXPIRY);
        _expectRemunerateRevert(
            _v2(ETH, 1 ether, 1, TS),
            abi.encodeWithSelector(ICore4Mica.Core4MicaGuaranteeExpired.selector, uint256(TS + EXPIRY))
        );
    }

    function test_remunerate_revertsWhenTheDecoderSaysNotRedeemable() external {
        decoder.setRedeemable(false);
        _expectRemunerateRevert(
            _v2(ETH, 1 ether, 1, TS),
            abi.encodeWithSelector(MockGuaranteeDecoder.MockGuaranteeDecoderNotRedeemable.selector)
        );
    }

    function test_remunerate_followsTheTimingsInForce() external {
        vm.prank(GOVERNOR);
        vault.setTimings(GRACE + 1 days, EXPIRY + 1 days, WITHDRAWAL_DELAY + 1 days, SYNC_DELAY);
        _expectRemunerateRevert(
            _v2(ETH, 1 ether, 1, TS),
            abi.encodeWithSelector(ICore4Mica.Core4MicaRemunerationNotOpen.selector, uint256(TS + GRACE + 1 days))
        );
    }

    function testFuzz_remunerate_onlyInsideTheRouteBWindow(uint256 at) external {
        at = _bound(at, TS, TS + 2 * uint256(EXPIRY));
        vm.warp(at);
        GuaranteeV2 memory g = _v2(ETH, 1 ether, 1, TS);
        if (at < TS + GRACE) {
            _expectRemunerateRevert(
                g,
                abi.encodeWithSelector(ICore4Mica.Core4MicaRemunerationNotOpen.selector, uint256(TS + GRACE))
            );
        } else if (at >= TS + EXPIRY) {
            _expectRemunerateRevert(
                g,
                abi.encodeWithSelector(ICore4Mica.Core4MicaGuaranteeExpired.selector, uint256(TS + EXPIRY))
            );
        } else {
            _remunerate(g);
        }
        bool inside = at >= TS + GRACE && at < TS + EXPIRY;
        vm.assertEq(RECIPIENT.balance, inside ? 1 ether : 0, "paid only inside");
        vm.assertEq(vault.isConsumed(_id(g)) ? 1 : 0, inside ? 1 : 0, "consumed only inside");
    }

    // ---------------------------------------------------------------- consumption and collateral

    function test_remunerate_revertsTheSecondTime() external {
        GuaranteeV2 memory g = _v2(ETH, 1 ether, 1, TS);
        bytes32 id = _remunerate(g);
        _expectRemunerateRevert(g, abi.encodeWithSelector(ICore4Mica.Core4MicaGuaranteeAlreadyConsumed.selector, id));
        vm.assertEq(RECIPIENT.balance, 1 ether, "paid once");
    }

    function test_remunerate_revertsForTheSameIdWithOtherAmountOrCycle() external {
        GuaranteeV2 memory g = _v2(ETH, 1 ether, 1, TS);
        bytes32 id = _remunerate(g);
        g.amount = 2 ether;
        g.cycleId = 5;
        _expectRemunerateRevert(g, abi.encodeWithSelector(ICore4Mica.Core4MicaGuaranteeAlreadyConsumed.selector, id));
    }

    function test_remunerate_revertsWhenAlreadyNetted() external {
        GuaranteeV2 memory g = _v2(ETH, 1 ether, 1, TS);
        ICore4MicaSettlement.NettedGuarantee[] memory netted = new ICore4MicaSettlement.NettedGuarantee[](1);
        netted[0] = ICore4MicaSettlement.NettedGuarantee(2, abi.encode(g), _payerSigV2(g));
        vm.prank(address(house));
        vault.consumeNettedGuarantees(g.cycleId, ETH, TS, netted);
        _expectRemunerateRevert(
            g,
            abi.encodeWithSelector(ICore4Mica.Core4MicaGuaranteeAlreadyConsumed.selector, _id(g))
        );
    }

    function test_remunerate_revertsWhenCollateralIsShort() external {
        _expectRemunerateRevert(
            _v2(ETH, 10 ether + 1, 1, TS),
            abi.encodeWithSelector(
                ICore4MicaCollateral.Core4MicaInsufficientCollateral.selector,
                payer,
                ETH,
                10 ether + 1,
                10 ether
            )
        );
    }

    function test_remunerate_revertsWhenTheRecipientRefusesEth() external {
        ReentrantRecipient refusing = new ReentrantRecipient();
        refusing.setRefuse(true);
        GuaranteeV2 memory g = _v2(ETH, 1 ether, 1, TS);
        g.recipient = address(refusing);
        _expectRemunerateRevert(
            g,
            abi.encodeWithSelector(ICore4MicaCollateral.Core4MicaEthTransferFailed.selector, address(refusing), 1 ether)
        );
        vm.assertFalse(vault.isConsumed(_id(g)), "not consumed");
        vm.assertEq(vault.collateral(payer, ETH), 10 ether, "collateral kept");
    }

    // ---------------------------------------------------------------- synchronization rule

    function test_remunerate_reducesAWithdrawalRequestedBeforeCoreCouldSeeIt() external {
        uint64 requestedAt = TS - 1 hours; // TS < requestedAt + 6 h
        vm.warp(requestedAt);
        vm.prank(payer);
        vault.requestWithdrawal(ETH, 4 ether);
        vm.warp(TS + GRACE);
        vm.expectEmit(true, true, true, true, address(vault));
        emit ICore4MicaCollateral.WithdrawalReduced(payer, ETH, 3 ether);
        _remunerate(_v2(ETH, 1 ether, 1, TS));
        _assertWithdrawal(payer, ETH, 3 ether, requestedAt);
    }

    function test_remunerate_removesAWithdrawalReducedToZero() external {
        vm.warp(TS);
        vm.prank(payer);
        vault.requestWithdrawal(ETH, 1 ether);
        vm.warp(TS + GRACE);
        _remunerate(_v2(ETH, 2 ether, 1, TS));
        _assertWithdrawal(payer, ETH, 0, 0);
        vm.assertEq(vault.collateral(payer, ETH), 8 ether, "collateral");
    }

    function test_remunerate_leavesAWithdrawalCoreHadSeen() external {
        uint64 requestedAt = TS - SYNC_DELAY; // TS == requestedAt + syncDelay: Core had seen it
        vm.warp(requestedAt);
        vm.prank(payer);
        vault.requestWithdrawal(ETH, 4 ether);
        vm.warp(TS + GRACE);
        _remunerate(_v2(ETH, 1 ether, 1, TS));
        _assertWithdrawal(payer, ETH, 4 ether, requestedAt);
    }

    function test_remunerate_capsAWithdrawalAtWhatRemains() external {
        uint64 requestedAt = TS - SYNC_DELAY;
        vm.warp(requestedAt);
        vm.prank(payer);
        vault.requestWithdrawal(ETH, 10 ether);
        vm.warp(TS + GRACE);
        vm.expectEmit(true, true, true, true, address(vault));
        emit ICore4MicaCollateral.WithdrawalReduced(payer, ETH, 7 ether);
        _remunerate(_v2(ETH, 3 ether, 1, TS));
        _assertWithdrawal(payer, ETH, 7 ether, requestedAt);
    }

    function testFuzz_remunerate_synchronizationRule(uint256 request, uint256 amount, uint256 lag) external {
        request = _bound(request, 1, 10 ether);
        amount = _bound(amount, 1, 10 ether);
        lag = _bound(lag, 0, 2 * uint256(SYNC_DELAY)); // TS = requestedAt + lag
        uint64 requestedAt = uint64(TS - lag);
        vm.warp(requestedAt);
        vm.prank(payer);
        vault.requestWithdrawal(ETH, request);
        vm.warp(TS + GRACE);
        _remunerate(_v2(ETH, amount, 1, TS));

        uint256 expected = request;
        if (lag < SYNC_DELAY) expected = request > amount ? request - amount : 0;
        if (expected > 10 ether - amount) expected = 10 ether - amount;
        (uint256 pending, ) = vault.withdrawalRequest(payer, ETH);
        vm.assertEq(pending, expected, "pending");
        vm.assertTrue(pending <= vault.collateral(payer, ETH), "pending <= collateral");
    }

    // ---------------------------------------------------------------- pause and reentrancy

    function test_remunerate_worksWhilePaused() external {
        vm.prank(GUARDIAN);
        vault.pause();
        vm.deal(payer, 1 ether);
        vm.prank(payer);
        vm.expectRevert(_enforcedPause());
        vault.deposit{value: 1 ether}(ETH, 1 ether);
        _remunerate(_v2(ETH, 1 ether, 1, TS));
        vm.assertEq(RECIPIENT.balance, 1 ether, "remunerated while paused");
    }

    function test_remunerate_blocksReentryIntoRemunerate() external {
        ReentrantRecipient attacker = new ReentrantRecipient();
        GuaranteeV2 memory first = _v2(ETH, 1 ether, 1, TS);
        first.recipient = address(attacker);
        GuaranteeV2 memory second = _v2(ETH, 1 ether, 2, TS);
        second.recipient = address(attacker);
        bytes memory cert2 = _envelopeV2(second);
        attacker.arm(address(vault), abi.encodeCall(vault.remunerate, (cert2, _bls(cert2), _payerSigV2(second))));
        _remunerate(first);
        _assertReentryBlocked(attacker);
        vm.assertEq(address(attacker).balance, 1 ether, "paid once");
        vm.assertFalse(vault.isConsumed(_id(second)), "second not consumed");
    }

    function test_remunerate_blocksReentryIntoFinalizeWithdrawal() external {
        ReentrantRecipient attacker = new ReentrantRecipient();
        vm.deal(address(attacker), 1 ether);
        attacker.execute(address(vault), 1 ether, abi.encodeCall(vault.deposit, (ETH, 1 ether)));
        attacker.execute(address(vault), 0, abi.encodeCall(vault.requestWithdrawal, (ETH, 1 ether)));
        // Mature the withdrawal, so the reentrant finalize would otherwise pay out.
        vm.warp(block.timestamp + WITHDRAWAL_DELAY);
        GuaranteeV2 memory g = _v2(ETH, 1 ether, 1, uint64(block.timestamp - GRACE));
        g.recipient = address(attacker);
        attacker.arm(address(vault), abi.encodeCall(vault.finalizeWithdrawal, (ETH)));
        _remunerate(g);
        _assertReentryBlocked(attacker);
        vm.assertEq(vault.collateral(address(attacker), ETH), 1 ether, "attacker collateral untouched");
        vm.assertEq(address(attacker).balance, 1 ether, "only the guarantee was paid");
        // Outside the redemption, the same finalize works.
        attacker.execute(address(vault), 0, abi.encodeCall(vault.finalizeWithdrawal, (ETH)));
        vm.assertEq(address(attacker).balance, 2 ether, "withdrawn afterwards");
    }

    function _assertReentryBlocked(ReentrantRecipient attacker) private view {
        (bool attempted, bool succeeded, bytes memory revertData) = attacker.outcome();
        vm.assertTrue(attempted, "attempted");
        vm.assertFalse(succeeded, "reentry succeeded");
        vm.assertEq(
            keccak256(revertData),
            keccak256(abi.encodeWithSelector(ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector)),
            "reentrancy error"
        );
    }

    // ---------------------------------------------------------------- verifyCertificate

    function test_verifyCertificate_returnsTheGuaranteeWithoutTimingChecks() external {
        vm.warp(TS); // route B not open yet
        GuaranteeV2 memory g = _v2(address(token), 5e6, 9, TS);
        bytes memory cert = _envelopeV2(g);
        Guarantee memory out = vault.verifyCertificate(cert, _bls(cert));
        vm.assertEq(out.domain, g.domain, "domain");
        vm.assertEq(out.cycleId, g.cycleId, "cycle");
        vm.assertEq(uint256(out.version), 2, "version");
        vm.assertEq(out.user, payer, "user");
        vm.assertEq(out.recipient, RECIPIENT, "recipient");
        vm.assertEq(out.reqId, 9, "reqId");
        vm.assertEq(out.amount, 5e6, "amount");
        vm.assertEq(out.asset, address(token), "asset");
        vm.assertEq(uint256(out.timestamp), uint256(TS), "timestamp");
    }

    function test_verifyCertificate_revertsOnABadSignature() external {
        bytes memory cert = _envelopeV2(_v2(ETH, 1 ether, 1, TS));
        BLS.G2Point memory sig = BLSSigner.sign(cert, OTHER_OPERATOR_SK);
        vm.expectRevert(abi.encodeWithSelector(ICore4Mica.Core4MicaInvalidCertificateSignature.selector, uint64(2)));
        vault.verifyCertificate(cert, sig);
    }

    function test_verifyCertificate_revertsOnTheWrongDomain() external {
        Guarantee memory g = _v1(ETH, 1 ether, 1, TS);
        g.domain = _v2Domain();
        bytes memory cert = _envelopeV1(g);
        BLS.G2Point memory sig = _bls(cert);
        vm.expectRevert(
            abi.encodeWithSelector(ICore4Mica.Core4MicaDomainMismatch.selector, uint64(1), _v1Domain(), _v2Domain())
        );
        vault.verifyCertificate(cert, sig);
    }
}
