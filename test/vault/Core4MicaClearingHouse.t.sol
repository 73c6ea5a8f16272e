// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {console} from "hardhat/console.sol";

import {ClearingHouse} from "../../contracts/ClearingHouse.sol";
import {ICore4Mica} from "../../contracts/interfaces/ICore4Mica.sol";
import {BLS} from "../../contracts/libraries/BLS.sol";
import {CycleSchedule} from "../../contracts/libraries/CycleSchedule.sol";
import {Guarantee} from "../../contracts/libraries/GuaranteeTypes.sol";
import {vm} from "../utils/Vm.sol";
import {Core4MicaTestBase} from "./Core4MicaTestBase.sol";

/// @dev The vault against the real ClearingHouse: the V1 fallback opens only once a (cycle, asset) missed its
///      commit, at the cycle's finality deadline; seized ETH is accepted by the ClearingHouse.
contract Core4MicaClearingHouseTest is Core4MicaTestBase {
    uint64 internal constant TS = T0 + 1 hours; // cycle 0
    uint64 internal constant COMMIT_DEADLINE = T0 + 1 days + 6 hours + 15 minutes;
    uint64 internal constant FINALITY_DEADLINE = COMMIT_DEADLINE + 4 hours;

    ClearingHouse internal clearingHouse;

    /// @dev The vault's ClearingHouse is set once: this suite sets the real one instead of the mock.
    function _usesMockClearingHouse() internal pure override returns (bool) {
        return false;
    }

    function setUp() public override {
        super.setUp();
        clearingHouse = new ClearingHouse(
            address(manager),
            address(vault),
            uint48(T0),
            CycleSchedule.Params({
                cycleLength: 1 days,
                resolutionCutoff: 6 hours,
                commitDelay: 15 minutes,
                paymentWindow: 2 hours,
                finalityWindow: 2 hours
            })
        );
        vm.prank(GOVERNOR);
        vault.setClearingHouse(address(clearingHouse));
        _depositEth(payer, 10 ether);
        vm.deal(RECIPIENT, 1);
    }

    function _signed(Guarantee memory g) internal view returns (bytes memory, BLS.G2Point memory, bytes memory) {
        bytes memory cert = _envelopeV1(g);
        return (cert, _bls(cert), _payerSigV1(g));
    }

    function test_remunerate_v1RefusedWhileTheCycleCanStillBeCommitted() external {
        vm.warp(COMMIT_DEADLINE);
        (bytes memory cert, BLS.G2Point memory sig, bytes memory payerSig) = _signed(_v1(ETH, 1 ether, 1, TS));
        vm.expectRevert(abi.encodeWithSelector(ICore4Mica.Core4MicaV1FallbackNotOpen.selector, uint256(0), ETH));
        vault.remunerate(cert, sig, payerSig);
    }

    function test_remunerate_v1RefusedBetweenTheMissedCommitAndFinality() external {
        vm.warp(FINALITY_DEADLINE - 1);
        (bytes memory cert, BLS.G2Point memory sig, bytes memory payerSig) = _signed(_v1(ETH, 1 ether, 1, TS));
        vm.expectRevert(
            abi.encodeWithSelector(ICore4Mica.Core4MicaRemunerationNotOpen.selector, uint256(FINALITY_DEADLINE))
        );
        vault.remunerate(cert, sig, payerSig);
    }

    function test_remunerate_v1PaysFromTheFinalityDeadlineOfAMissedCycle() external {
        vm.warp(FINALITY_DEADLINE);
        (bytes memory cert, BLS.G2Point memory sig, bytes memory payerSig) = _signed(_v1(ETH, 1 ether, 1, TS));
        uint256 before = gasleft();
        vault.remunerate(cert, sig, payerSig);
        console.log("gas used by V1 fallback remunerate (real ClearingHouse)", before - gasleft());
        vm.assertEq(RECIPIENT.balance, 1 ether + 1, "recipient");
        vm.assertEq(vault.collateral(payer, ETH), 9 ether, "collateral");
    }

    function test_remunerate_v1RefusesACycleThatDoesNotContainTheTimestamp() external {
        vm.warp(FINALITY_DEADLINE + 1 days);
        Guarantee memory g = _v1(ETH, 1 ether, 1, TS);
        g.cycleId = 1;
        (bytes memory cert, BLS.G2Point memory sig, bytes memory payerSig) = _signed(g);
        vm.expectRevert(abi.encodeWithSelector(ICore4Mica.Core4MicaCycleMismatch.selector, uint256(1), uint256(0)));
        vault.remunerate(cert, sig, payerSig);
    }

    function test_seizeCollateral_ethIsAcceptedByTheClearingHouse() external {
        vm.prank(address(clearingHouse));
        vault.seizeCollateral(payer, ETH, 2 ether);
        vm.assertEq(address(clearingHouse).balance, 2 ether, "clearing house balance");
        vm.assertEq(vault.collateral(payer, ETH), 8 ether, "collateral");
    }
}
