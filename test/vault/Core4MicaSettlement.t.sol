// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {ICore4Mica} from "../../contracts/interfaces/ICore4Mica.sol";
import {ICore4MicaCollateral} from "../../contracts/interfaces/ICore4MicaCollateral.sol";
import {BLS} from "../../contracts/libraries/BLS.sol";
import {GuaranteeV2} from "../../contracts/libraries/GuaranteeTypes.sol";
import {vm} from "../utils/Vm.sol";
import {Core4MicaTestBase} from "./Core4MicaTestBase.sol";

/// @dev The hooks only the ClearingHouse may call: consuming netted guarantee ids and seizing collateral.
contract Core4MicaSettlementTest is Core4MicaTestBase {
    function setUp() public override {
        super.setUp();
        _depositEth(payer, 10 ether);
        _depositToken(payer, 1_000e6);
    }

    function _ids(bytes32 a, bytes32 b) internal pure returns (bytes32[] memory ids) {
        ids = new bytes32[](2);
        ids[0] = a;
        ids[1] = b;
    }

    // ---------------------------------------------------------------- consumeGuarantees

    function test_consumeGuarantees_marksEveryId() external {
        bytes32[] memory ids = _ids(keccak256("a"), keccak256("b"));
        vm.expectEmit(true, true, true, true, address(vault));
        emit ICore4Mica.GuaranteeConsumed(ids[0]);
        vm.expectEmit(true, true, true, true, address(vault));
        emit ICore4Mica.GuaranteeConsumed(ids[1]);
        vm.prank(address(house));
        vault.consumeGuarantees(ids);
        vm.assertTrue(vault.isConsumed(ids[0]), "a");
        vm.assertTrue(vault.isConsumed(ids[1]), "b");
        vm.assertFalse(vault.isConsumed(keccak256("c")), "c");
    }

    function test_consumeGuarantees_revertsOnAnIdAlreadyConsumed() external {
        bytes32[] memory ids = _ids(keccak256("a"), keccak256("b"));
        vm.prank(address(house));
        vault.consumeGuarantees(ids);
        bytes32[] memory again = _ids(keccak256("c"), keccak256("b"));
        vm.prank(address(house));
        vm.expectRevert(abi.encodeWithSelector(ICore4Mica.Core4MicaGuaranteeAlreadyConsumed.selector, keccak256("b")));
        vault.consumeGuarantees(again);
        vm.assertFalse(vault.isConsumed(keccak256("c")), "atomic");
    }

    function test_consumeGuarantees_revertsOnADuplicateInTheBatch() external {
        bytes32[] memory ids = _ids(keccak256("a"), keccak256("a"));
        vm.prank(address(house));
        vm.expectRevert(abi.encodeWithSelector(ICore4Mica.Core4MicaGuaranteeAlreadyConsumed.selector, keccak256("a")));
        vault.consumeGuarantees(ids);
        vm.assertFalse(vault.isConsumed(keccak256("a")), "atomic");
    }

    function test_consumeGuarantees_revertsOnARedeemedGuarantee() external {
        uint64 ts = T0 + 1 hours;
        vm.warp(ts + GRACE);
        GuaranteeV2 memory g = _v2(ETH, 1 ether, 1, ts);
        bytes memory cert = _envelopeV2(g);
        BLS.G2Point memory sig = _bls(cert);
        bytes32 id = vault.remunerate(cert, sig, _payerSigV2(g));
        vm.prank(address(house));
        vm.expectRevert(abi.encodeWithSelector(ICore4Mica.Core4MicaGuaranteeAlreadyConsumed.selector, id));
        vault.consumeGuarantees(_ids(keccak256("x"), id));
    }

    function test_consumeGuarantees_revertsForAnyoneElse() external {
        bytes32[] memory ids = _ids(keccak256("a"), keccak256("b"));
        vm.prank(GOVERNOR);
        vm.expectRevert(abi.encodeWithSelector(ICore4Mica.Core4MicaUnauthorizedClearingHouse.selector, GOVERNOR));
        vault.consumeGuarantees(ids);
        vm.prank(STRANGER);
        vm.expectRevert(abi.encodeWithSelector(ICore4Mica.Core4MicaUnauthorizedClearingHouse.selector, STRANGER));
        vault.consumeGuarantees(ids);
    }

    function test_consumeGuarantees_worksWhilePaused() external {
        vm.prank(GUARDIAN);
        vault.pause();
        vm.prank(address(house));
        vault.consumeGuarantees(_ids(keccak256("a"), keccak256("b")));
        vm.assertTrue(vault.isConsumed(keccak256("a")), "consumed");
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

    function test_seizeCollateral_followsTheClearingHouseWhenReplaced() external {
        address old = address(house);
        address next = address(new ReceivingContract());
        vm.prank(GOVERNOR);
        vault.setClearingHouse(next);
        vm.prank(old);
        vm.expectRevert(abi.encodeWithSelector(ICore4Mica.Core4MicaUnauthorizedClearingHouse.selector, old));
        vault.seizeCollateral(payer, ETH, 1 ether);
        vm.prank(next);
        vault.seizeCollateral(payer, ETH, 1 ether);
        vm.assertEq(next.balance, 1 ether, "new house paid");
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
