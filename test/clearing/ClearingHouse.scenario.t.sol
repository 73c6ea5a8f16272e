// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IClearingHouse} from "../../contracts/interfaces/IClearingHouse.sol";
import {vm} from "../utils/Vm.sol";
import {ClearingHouseFixture} from "./utils/ClearingHouseFixture.sol";

/// @dev Whole cycles with 3 debtors (owing 3, 2, 1 units) and 3 creditors (owed 1, 2, 3 units), once in ETH and
///      once in an ERC-20 with 6 decimals.
abstract contract ClearingHouseScenario is ClearingHouseFixture {
    uint256 internal constant CYCLE_ID = 5;
    Position[] internal _ps;

    function _asset() internal view virtual returns (address);

    function _unit() internal pure virtual returns (uint256);

    function setUp() public override {
        super.setUp();
        Position[] memory ps = _standard(_unit());
        for (uint256 i = 0; i < ps.length; ++i) _ps.push(ps[i]);
        _commit(CYCLE_ID, _asset(), ps);
    }

    function _claimAll() internal returns (uint256[3] memory paid) {
        for (uint256 i = 0; i < 3; ++i) {
            uint256 before = _balanceOf(_ps[3 + i].participant, _asset());
            paid[i] = _claim(CYCLE_ID, _asset(), _ps[3 + i]);
            require(_balanceOf(_ps[3 + i].participant, _asset()) - before == paid[i], "received what was reported");
        }
    }

    function test_scenario_everyDebtorPays() external {
        for (uint256 i = 0; i < 3; ++i) _pay(CYCLE_ID, _asset(), _ps[i]);
        uint256[3] memory paid = _claimAll();
        require(paid[0] == _unit() && paid[1] == 2 * _unit() && paid[2] == 3 * _unit(), "in full");
        require(_balanceOf(address(ch), _asset()) == 0, "nothing left");
        _warpAfterFinality(CYCLE_ID);
        ch.finalizeCycle(CYCLE_ID, _asset());
        IClearingHouse.CycleState memory s = ch.getCycle(CYCLE_ID, _asset());
        require(s.finalized && s.paidIn == 6 * _unit() && s.claimedOut == 6 * _unit() && s.covered == 0, "state");
    }

    function test_scenario_twoDebtorsDefaultAndCollateralCoversThem() external {
        _deposit(d1, _asset(), 10 * _unit());
        _deposit(d2, _asset(), 2 * _unit());
        _pay(CYCLE_ID, _asset(), _ps[2]);
        _warpAfterPayment(CYCLE_ID);
        Position[] memory defaulted = new Position[](2);
        defaulted[0] = _ps[0];
        defaulted[1] = _ps[1];
        vm.prank(c2); // a creditor marks them
        ch.markDefaulted(CYCLE_ID, _asset(), _defaultClaims(CYCLE_ID, _asset(), defaulted));
        require(vault.collateral(d1, _asset()) == 7 * _unit() && vault.collateral(d2, _asset()) == 0, "seized");
        uint256[3] memory paid = _claimAll();
        require(paid[0] == _unit() && paid[1] == 2 * _unit() && paid[2] == 3 * _unit(), "in full");
        _warpAfterFinality(CYCLE_ID);
        ch.finalizeCycle(CYCLE_ID, _asset());
        IClearingHouse.CycleState memory s = ch.getCycle(CYCLE_ID, _asset());
        require(s.paidIn == _unit() && s.covered == 5 * _unit() && s.claimedOut == 6 * _unit(), "state");
    }

    function test_scenario_shortCollateralPaysCreditorsProRata() external {
        _pay(CYCLE_ID, _asset(), _ps[0]); // 3 units
        _deposit(d2, _asset(), _unit()); // d2 owes 2, has 1
        _deposit(d3, _asset(), _unit() / 2); // d3 owes 1, has 0.5
        _warpAfterPayment(CYCLE_ID);
        Position[] memory defaulted = new Position[](2);
        defaulted[0] = _ps[1];
        defaulted[1] = _ps[2];
        ch.markDefaulted(CYCLE_ID, _asset(), _defaultClaims(CYCLE_ID, _asset(), defaulted));
        uint256 funded = 3 * _unit() + _unit() + _unit() / 2;
        uint256 total = 6 * _unit();
        uint256[3] memory paid = _claimAll();
        uint256 sum = 0;
        for (uint256 i = 0; i < 3; ++i) {
            require(paid[i] == (_ps[3 + i].amount * funded) / total, "pro rata, rounded down");
            sum += paid[i];
        }
        require(sum <= funded && funded - sum < 3, "all but rounding dust");
        require(_balanceOf(address(ch), _asset()) == funded - sum, "dust stays in the cycle");
    }

    function test_scenario_aCreditorNeverClaimsAndTheCycleStillFinalizes() external {
        for (uint256 i = 0; i < 3; ++i) _pay(CYCLE_ID, _asset(), _ps[i]);
        _claim(CYCLE_ID, _asset(), _ps[3]);
        _claim(CYCLE_ID, _asset(), _ps[4]);
        _warpAfterFinality(CYCLE_ID);
        ch.finalizeCycle(CYCLE_ID, _asset());
        require(ch.getCycle(CYCLE_ID, _asset()).finalized, "finalized without c3");
        require(_balanceOf(address(ch), _asset()) == 3 * _unit(), "c3's credit is kept for it");
        // ... and c3 can still come, much later.
        vm.warp(block.timestamp + 365 days);
        require(_claim(CYCLE_ID, _asset(), _ps[5]) == 3 * _unit(), "late claim");
    }

    function test_scenario_pauseStopsOnlyCommits() external {
        vm.prank(guardian);
        ch.pause();
        _pay(CYCLE_ID, _asset(), _ps[0]);
        _pay(CYCLE_ID, _asset(), _ps[1]);
        _warpAfterPayment(CYCLE_ID);
        _markDefaulted(CYCLE_ID, _asset(), _ps[2]);
        _claim(CYCLE_ID, _asset(), _ps[3]);
        _warpAfterFinality(CYCLE_ID);
        ch.finalizeCycle(CYCLE_ID, _asset());
        // The next cycle's commit is refused while paused.
        Position[] memory ps = _standard(_unit());
        bytes32 root = _build(CYCLE_ID + 1, _asset(), ps);
        _warpToCommit(CYCLE_ID + 1);
        vm.expectRevert(bytes4(keccak256("EnforcedPause()")));
        vm.prank(operator);
        ch.commitCycle(CYCLE_ID + 1, _asset(), root, 6 * _unit(), 6 * _unit(), 3, 3, 0, _noV2());
    }
}

contract ClearingHouseEthScenarioTest is ClearingHouseScenario {
    function _asset() internal pure override returns (address) {
        return ETH;
    }

    function _unit() internal pure override returns (uint256) {
        return 1 ether;
    }
}

contract ClearingHouseErc20ScenarioTest is ClearingHouseScenario {
    function _asset() internal view override returns (address) {
        return address(token);
    }

    function _unit() internal pure override returns (uint256) {
        return 1e6;
    }
}
