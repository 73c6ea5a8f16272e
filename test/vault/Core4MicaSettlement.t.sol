// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {Core4Mica} from "../../contracts/Core4Mica.sol";
import {ICore4Mica} from "../../contracts/interfaces/ICore4Mica.sol";
import {ICore4MicaSettlement} from "../../contracts/interfaces/ICore4MicaSettlement.sol";
import {ICore4MicaCollateral} from "../../contracts/interfaces/ICore4MicaCollateral.sol";
import {BLS} from "../../contracts/libraries/BLS.sol";
import {GuaranteeIds} from "../../contracts/libraries/GuaranteeIds.sol";
import {GuaranteeRequest} from "../../contracts/libraries/GuaranteeRequest.sol";
import {GuaranteeV2} from "../../contracts/libraries/GuaranteeTypes.sol";
import {MockGuaranteeDecoder} from "../../contracts/mocks/MockGuaranteeDecoder.sol";
import {vm} from "../utils/Vm.sol";
import {Core4MicaTestBase} from "./Core4MicaTestBase.sol";

/// @dev The hooks only the ClearingHouse may call (consuming the ids of netted, payer-signed, payable guarantees;
///      seizing collateral) and the set-once ClearingHouse.
contract Core4MicaSettlementTest is Core4MicaTestBase {
    function setUp() public override {
        super.setUp();
        _depositEth(payer, 10 ether);
        _depositToken(payer, 1_000e6);
    }

    uint256 internal constant CYCLE = 3;
    uint256 internal constant SEIZABLE_UNTIL = T0 + 5 days;

    function _gid(GuaranteeV2 memory g) internal view returns (bytes32) {
        return GuaranteeIds.idOf(vault.requestDomainSeparator(), g.user, g.recipient, g.asset, g.reqId);
    }

    function _netted(GuaranteeV2 memory g) internal view returns (ICore4MicaSettlement.NettedGuarantee memory) {
        return ICore4MicaSettlement.NettedGuarantee(g.version, abi.encode(g), _payerSigV2(g));
    }

    function _list(
        ICore4MicaSettlement.NettedGuarantee memory a,
        ICore4MicaSettlement.NettedGuarantee memory b
    ) internal pure returns (ICore4MicaSettlement.NettedGuarantee[] memory l) {
        l = new ICore4MicaSettlement.NettedGuarantee[](2);
        l[0] = a;
        l[1] = b;
    }

    function _consume(
        ICore4MicaSettlement.NettedGuarantee[] memory l
    ) internal returns (ICore4MicaSettlement.SignedDebit[] memory) {
        vm.prank(address(house));
        return vault.consumeNettedGuarantees(CYCLE, ETH, SEIZABLE_UNTIL, l);
    }

    function _expectConsumeRevert(ICore4MicaSettlement.NettedGuarantee memory n, bytes memory err) internal {
        ICore4MicaSettlement.NettedGuarantee[] memory l = new ICore4MicaSettlement.NettedGuarantee[](1);
        l[0] = n;
        vm.prank(address(house));
        vm.expectRevert(err);
        vault.consumeNettedGuarantees(CYCLE, ETH, SEIZABLE_UNTIL, l);
    }

    // ---------------------------------------------------------------- requestDomainSeparator

    function test_requestDomainSeparator_isTheVaultsEip712Domain() external view {
        bytes32 expected = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("4Mica"),
                keccak256("1"),
                block.chainid,
                address(vault)
            )
        );
        vm.assertEq(vault.requestDomainSeparator(), expected, "domain separator");
    }

    // ---------------------------------------------------------------- consumeNettedGuarantees

    function test_consumeNettedGuarantees_consumesPayerSignedPayableGuarantees() external {
        GuaranteeV2 memory a = _v2(ETH, 1 ether, 1, T0 + 1 hours);
        GuaranteeV2 memory b = _v2(ETH, 2 ether, 2, T0 + 2 hours);
        vm.expectEmit(true, true, true, true, address(vault));
        emit ICore4Mica.GuaranteeNetted(_gid(a), CYCLE, ETH, payer, RECIPIENT, 1 ether);
        vm.expectEmit(true, true, true, true, address(vault));
        emit ICore4Mica.GuaranteeNetted(_gid(b), CYCLE, ETH, payer, RECIPIENT, 2 ether);
        ICore4MicaSettlement.SignedDebit[] memory debits = _consume(_list(_netted(a), _netted(b)));
        vm.assertTrue(vault.isConsumed(_gid(a)) && vault.isConsumed(_gid(b)), "both consumed");
        vm.assertEq(debits.length, 2, "one debit each");
        vm.assertEq(debits[0].user, payer, "user");
        vm.assertEq(debits[0].amount, 1 ether, "amount a");
        vm.assertEq(debits[1].amount, 2 ether, "amount b");
        vm.assertEq(vault.collateral(payer, ETH), 10 ether, "consumption moves no collateral");
    }

    function test_consumeNettedGuarantees_revertsWithoutThePayersSignature() external {
        // Attack 2: the operator cannot consume an id the payer never signed.
        GuaranteeV2 memory g = _v2(ETH, 1 ether, 1, T0 + 1 hours);
        ICore4MicaSettlement.NettedGuarantee memory n = _netted(g);
        n.payerSignature = _sign(OTHER_PK, _digest(GuaranteeRequest.hashV2(g)));
        _expectConsumeRevert(n, abi.encodeWithSelector(ICore4Mica.Core4MicaInvalidPayerSignature.selector, payer));
        n.payerSignature = "";
        _expectConsumeRevert(n, abi.encodeWithSelector(ICore4Mica.Core4MicaInvalidPayerSignature.selector, payer));
        vm.assertFalse(vault.isConsumed(_gid(g)), "not consumed");
    }

    function test_consumeNettedGuarantees_revertsWhenTheRegistryResultIsMissing() external {
        decoder.setRedeemable(false);
        GuaranteeV2 memory g = _v2(ETH, 1 ether, 1, T0 + 1 hours);
        _expectConsumeRevert(
            _netted(g),
            abi.encodeWithSelector(MockGuaranteeDecoder.MockGuaranteeDecoderNotRedeemable.selector)
        );
    }

    function test_consumeNettedGuarantees_revertsForAnotherAsset() external {
        GuaranteeV2 memory g = _v2(address(token), 1e6, 1, T0 + 1 hours);
        _expectConsumeRevert(
            _netted(g),
            abi.encodeWithSelector(ICore4Mica.Core4MicaNettedAssetMismatch.selector, ETH, address(token))
        );
    }

    function test_consumeNettedGuarantees_revertsForVersion1() external {
        ICore4MicaSettlement.NettedGuarantee memory n = _netted(_v2(ETH, 1 ether, 1, T0 + 1 hours));
        n.version = 1;
        _expectConsumeRevert(n, abi.encodeWithSelector(ICore4Mica.Core4MicaNotNettable.selector, 1));
        n.version = 0;
        _expectConsumeRevert(n, abi.encodeWithSelector(ICore4Mica.Core4MicaNotNettable.selector, 0));
    }

    function test_consumeNettedGuarantees_revertsForADisabledVersion() external {
        ICore4MicaSettlement.NettedGuarantee memory n = _netted(_v2(ETH, 1 ether, 1, T0 + 1 hours));
        n.version = 3;
        _expectConsumeRevert(n, abi.encodeWithSelector(ICore4Mica.Core4MicaVersionDisabled.selector, 3));
    }

    function test_consumeNettedGuarantees_revertsWhenTheInnerVersionDiffers() external {
        vm.prank(GOVERNOR);
        vault.configureVersion(3, operatorKey, keccak256("v3"), address(decoder), true);
        ICore4MicaSettlement.NettedGuarantee memory n = _netted(_v2(ETH, 1 ether, 1, T0 + 1 hours));
        n.version = 3;
        _expectConsumeRevert(n, abi.encodeWithSelector(ICore4Mica.Core4MicaVersionMismatch.selector, 3, 2));
    }

    function test_consumeNettedGuarantees_revertsWithoutARecipientOrAmount() external {
        GuaranteeV2 memory g = _v2(ETH, 1 ether, 1, T0 + 1 hours);
        g.recipient = address(0);
        _expectConsumeRevert(_netted(g), abi.encodeWithSelector(ICore4Mica.Core4MicaInvalidRecipient.selector, 0));
        g = _v2(ETH, 0, 1, T0 + 1 hours);
        _expectConsumeRevert(_netted(g), abi.encodeWithSelector(ICore4MicaCollateral.Core4MicaZeroAmount.selector));
    }

    function test_consumeNettedGuarantees_revertsWhenItExpiresBeforeTheSeizureDeadline() external {
        // Expires exactly at the seizure deadline: refused; one second later: accepted.
        uint256 seizableUntil = T0 + 30 days;
        uint64 ts = uint64(seizableUntil - EXPIRY);
        ICore4MicaSettlement.NettedGuarantee[] memory l = new ICore4MicaSettlement.NettedGuarantee[](1);
        l[0] = _netted(_v2(ETH, 1 ether, 1, ts));
        vm.prank(address(house));
        vm.expectRevert(
            abi.encodeWithSelector(ICore4Mica.Core4MicaNettedGuaranteeExpires.selector, seizableUntil, seizableUntil)
        );
        vault.consumeNettedGuarantees(CYCLE, ETH, seizableUntil, l);
        GuaranteeV2 memory g = _v2(ETH, 1 ether, 1, ts + 1);
        l[0] = _netted(g);
        vm.prank(address(house));
        vault.consumeNettedGuarantees(CYCLE, ETH, seizableUntil, l);
        vm.assertTrue(vault.isConsumed(_gid(g)), "consumed");
    }

    function test_consumeNettedGuarantees_revertsOnAnIdAlreadyConsumed() external {
        GuaranteeV2 memory a = _v2(ETH, 1 ether, 1, T0 + 1 hours);
        GuaranteeV2 memory b = _v2(ETH, 1 ether, 2, T0 + 1 hours);
        _consume(_list(_netted(a), _netted(b)));
        GuaranteeV2 memory c = _v2(ETH, 1 ether, 3, T0 + 1 hours);
        bytes memory err = abi.encodeWithSelector(ICore4Mica.Core4MicaGuaranteeAlreadyConsumed.selector, _gid(b));
        ICore4MicaSettlement.NettedGuarantee[] memory l = _list(_netted(c), _netted(b));
        vm.prank(address(house));
        vm.expectRevert(err);
        vault.consumeNettedGuarantees(CYCLE, ETH, SEIZABLE_UNTIL, l);
        vm.assertFalse(vault.isConsumed(_gid(c)), "atomic");
    }

    function test_consumeNettedGuarantees_revertsOnADuplicateInTheBatch() external {
        GuaranteeV2 memory a = _v2(ETH, 1 ether, 1, T0 + 1 hours);
        bytes memory err = abi.encodeWithSelector(ICore4Mica.Core4MicaGuaranteeAlreadyConsumed.selector, _gid(a));
        ICore4MicaSettlement.NettedGuarantee[] memory l = _list(_netted(a), _netted(a));
        vm.prank(address(house));
        vm.expectRevert(err);
        vault.consumeNettedGuarantees(CYCLE, ETH, SEIZABLE_UNTIL, l);
        vm.assertFalse(vault.isConsumed(_gid(a)), "atomic");
    }

    function test_consumeNettedGuarantees_revertsForAnyoneElse() external {
        GuaranteeV2 memory a = _v2(ETH, 1 ether, 1, T0 + 1 hours);
        GuaranteeV2 memory b = _v2(ETH, 1 ether, 2, T0 + 1 hours);
        ICore4MicaSettlement.NettedGuarantee[] memory l = _list(_netted(a), _netted(b));
        vm.prank(GOVERNOR);
        vm.expectRevert(abi.encodeWithSelector(ICore4Mica.Core4MicaUnauthorizedClearingHouse.selector, GOVERNOR));
        vault.consumeNettedGuarantees(CYCLE, ETH, SEIZABLE_UNTIL, l);
        vm.prank(STRANGER);
        vm.expectRevert(abi.encodeWithSelector(ICore4Mica.Core4MicaUnauthorizedClearingHouse.selector, STRANGER));
        vault.consumeNettedGuarantees(CYCLE, ETH, SEIZABLE_UNTIL, l);
    }

    function test_consumeNettedGuarantees_worksWhilePaused() external {
        vm.prank(GUARDIAN);
        vault.pause();
        GuaranteeV2 memory a = _v2(ETH, 1 ether, 1, T0 + 1 hours);
        GuaranteeV2 memory b = _v2(ETH, 1 ether, 2, T0 + 1 hours);
        _consume(_list(_netted(a), _netted(b)));
        vm.assertTrue(vault.isConsumed(_gid(a)), "consumed");
    }

    // ---------------------------------------------------------------- setClearingHouse

    /// @dev A vault without a ClearingHouse, governed like the fixture's.
    function _freshVault() internal returns (Core4Mica fresh) {
        fresh = new Core4Mica(address(manager), operatorKey, new address[](0));
        bytes4[] memory sel = new bytes4[](1);
        sel[0] = fresh.setClearingHouse.selector;
        manager.setTargetFunctionRole(address(fresh), sel, GOVERNANCE_ROLE);
    }

    function test_setClearingHouse_setsItOnce() external {
        Core4Mica fresh = _freshVault();
        vm.expectEmit(true, true, true, true, address(fresh));
        emit ICore4Mica.ClearingHouseUpdated(address(0), address(house));
        vm.prank(GOVERNOR);
        fresh.setClearingHouse(address(house));
        vm.assertEq(fresh.clearingHouse(), address(house), "clearing house");
    }

    function test_setClearingHouse_revertsOnceSet() external {
        // Attack 4: a second ClearingHouse would reopen the V1 fallback of cycles the first one netted.
        address next = address(new ReceivingContract());
        vm.prank(GOVERNOR);
        vm.expectRevert(
            abi.encodeWithSelector(ICore4Mica.Core4MicaClearingHouseAlreadySet.selector, address(house), next)
        );
        vault.setClearingHouse(next);
        vm.prank(GOVERNOR);
        vm.expectRevert(
            abi.encodeWithSelector(ICore4Mica.Core4MicaClearingHouseAlreadySet.selector, address(house), address(house))
        );
        vault.setClearingHouse(address(house));
        vm.assertEq(vault.clearingHouse(), address(house), "unchanged");
    }

    function test_setClearingHouse_revertsWithoutCode() external {
        Core4Mica fresh = _freshVault();
        vm.prank(GOVERNOR);
        vm.expectRevert(abi.encodeWithSelector(ICore4Mica.Core4MicaInvalidClearingHouse.selector, STRANGER));
        fresh.setClearingHouse(STRANGER);
    }

    function test_setClearingHouse_revertsForAStranger() external {
        Core4Mica fresh = _freshVault();
        vm.prank(STRANGER);
        vm.expectRevert(_unauthorized(STRANGER));
        fresh.setClearingHouse(address(house));
    }

    // ---------------------------------------------------------------- seizeCollateral

    function test_seizeCollateral_movesEthToTheClearingHouse() external {
        vm.expectEmit(true, true, true, true, address(vault));
        emit ICore4Mica.CollateralSeized(payer, ETH, 3 ether, 3 ether);
        vm.prank(address(house));
        uint256 seized = vault.seizeCollateral(payer, ETH, 3 ether);
        vm.assertEq(seized, 3 ether, "seized");
        vm.assertEq(address(house).balance, 3 ether, "house balance");
        vm.assertEq(vault.collateral(payer, ETH), 7 ether, "collateral");
        vm.assertEq(address(vault).balance, 7 ether, "vault balance");
    }

    function test_seizeCollateral_movesErc20() external {
        vm.prank(address(house));
        vault.seizeCollateral(payer, address(token), 400e6);
        vm.assertEq(token.balanceOf(address(house)), 400e6, "house balance");
        vm.assertEq(vault.collateral(payer, address(token)), 600e6, "collateral");
    }

    function test_seizeCollateral_takesAtMostTheCollateral() external {
        vm.expectEmit(true, true, true, true, address(vault));
        emit ICore4Mica.CollateralSeized(payer, ETH, 50 ether, 10 ether);
        vm.prank(address(house));
        uint256 seized = vault.seizeCollateral(payer, ETH, 50 ether);
        vm.assertEq(seized, 10 ether, "seized");
        vm.assertEq(vault.collateral(payer, ETH), 0, "collateral");
    }

    function test_seizeCollateral_returnsZeroForAnEmptyAccount() external {
        vm.prank(address(house));
        uint256 seized = vault.seizeCollateral(STRANGER, ETH, 1 ether);
        vm.assertEq(seized, 0, "seized");
        vm.assertEq(address(house).balance, 0, "house balance");
    }

    function test_seizeCollateral_capsAPendingWithdrawal() external {
        vm.prank(payer);
        vault.requestWithdrawal(ETH, 8 ether);
        vm.expectEmit(true, true, true, true, address(vault));
        emit ICore4MicaCollateral.WithdrawalReduced(payer, ETH, 4 ether);
        vm.prank(address(house));
        vault.seizeCollateral(payer, ETH, 6 ether);
        _assertWithdrawal(payer, ETH, 4 ether, T0);
        vm.warp(T0 + WITHDRAWAL_DELAY);
        vm.prank(payer);
        vm.assertEq(vault.finalizeWithdrawal(ETH), 4 ether, "paid what remains");
        vm.assertEq(vault.collateral(payer, ETH), 0, "collateral");
    }

    function test_seizeCollateral_leavesASmallerWithdrawalAlone() external {
        vm.prank(payer);
        vault.requestWithdrawal(ETH, 2 ether);
        vm.prank(address(house));
        vault.seizeCollateral(payer, ETH, 6 ether);
        _assertWithdrawal(payer, ETH, 2 ether, T0);
    }

    function test_seizeCollateral_removesAWithdrawalWhenNothingRemains() external {
        vm.prank(payer);
        vault.requestWithdrawal(ETH, 2 ether);
        vm.prank(address(house));
        vault.seizeCollateral(payer, ETH, 10 ether);
        _assertWithdrawal(payer, ETH, 0, 0);
    }

    function test_seizeCollateral_worksWhilePaused() external {
        vm.prank(GUARDIAN);
        vault.pause();
        vm.prank(address(house));
        vm.assertEq(vault.seizeCollateral(payer, ETH, 1 ether), 1 ether, "seized");
    }

    function test_seizeCollateral_revertsForAnyoneElse() external {
        vm.prank(STRANGER);
        vm.expectRevert(abi.encodeWithSelector(ICore4Mica.Core4MicaUnauthorizedClearingHouse.selector, STRANGER));
        vault.seizeCollateral(payer, ETH, 1 ether);
        vm.prank(payer);
        vm.expectRevert(abi.encodeWithSelector(ICore4Mica.Core4MicaUnauthorizedClearingHouse.selector, payer));
        vault.seizeCollateral(payer, ETH, 1 ether);
    }

    function testFuzz_seizeCollateral(uint256 request, uint256 amount) external {
        request = _bound(request, 0, 10 ether);
        amount = _bound(amount, 0, 20 ether);
        if (request > 0) {
            vm.prank(payer);
            vault.requestWithdrawal(ETH, request);
        }
        vm.prank(address(house));
        uint256 seized = vault.seizeCollateral(payer, ETH, amount);
        uint256 expectedSeized = amount < 10 ether ? amount : 10 ether;
        vm.assertEq(seized, expectedSeized, "seized");
        vm.assertEq(vault.collateral(payer, ETH), 10 ether - expectedSeized, "collateral");
        vm.assertEq(address(house).balance, expectedSeized, "house");
        (uint256 pending, ) = vault.withdrawalRequest(payer, ETH);
        uint256 remaining = 10 ether - expectedSeized;
        vm.assertEq(pending, request < remaining ? request : remaining, "pending capped");
    }
}

/// @dev A contract that accepts ETH (a stand-in for a replacement ClearingHouse).
contract ReceivingContract {
    receive() external payable {}
}
