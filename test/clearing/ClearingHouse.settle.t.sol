// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {ClearingHouse} from "../../contracts/ClearingHouse.sol";
import {IClearingHouse} from "../../contracts/interfaces/IClearingHouse.sol";
import {NettingLeaf} from "../../contracts/libraries/NettingLeaf.sol";
import {MockERC1271Wallet} from "../../contracts/mocks/MockERC1271Wallet.sol";
import {vm} from "../utils/Vm.sol";
import {LyingVault} from "./utils/Actors.sol";
import {ClearingHouseFixture} from "./utils/ClearingHouseFixture.sol";
import {MerkleHelper} from "./utils/MerkleHelper.sol";

/// @dev `settleNetDebitsFromCollateral` against the mock vault, with EOA debtors signing their authorizations
///      (ECDSA through SignatureChecker) and one ERC-1271 wallet. The real vault's side is in
///      ClearingHouse.vaultSettle.t.sol, the shared vector in ClearingHouse.settleVectors.t.sol.
contract ClearingHouseSettleTest is ClearingHouseFixture {
    uint256 internal constant CYCLE_ID = 3;
    uint256 internal constant UNIT = 1 ether;

    uint256[] internal _pks;
    Position[] internal _ps;

    function setUp() public override {
        super.setUp();
        uint256[] memory pks = _sortedKeys(3, 1);
        for (uint256 i = 0; i < 3; ++i) _pks.push(pks[i]);
        _ps.push(Position(vm.addr(pks[0]), NettingLeaf.NET_DEBTOR, 3 * UNIT));
        _ps.push(Position(vm.addr(pks[1]), NettingLeaf.NET_DEBTOR, 2 * UNIT));
        _ps.push(Position(vm.addr(pks[2]), NettingLeaf.NET_DEBTOR, 1 * UNIT));
        _ps.push(Position(c1, NettingLeaf.NET_CREDITOR, 1 * UNIT));
        _ps.push(Position(c2, NettingLeaf.NET_CREDITOR, 2 * UNIT));
        _ps.push(Position(c3, NettingLeaf.NET_CREDITOR, 3 * UNIT));
        _commitUnproven(CYCLE_ID, ETH, _ps);
        _commitUnproven(CYCLE_ID, address(token), _ps);
    }

    function _s(uint256 i, address asset) internal view returns (IClearingHouse.CollateralSettlement memory) {
        return _settlement(_pks[i], CYCLE_ID, asset, _ps[i]);
    }

    function _all(address asset) internal view returns (IClearingHouse.CollateralSettlement[] memory list) {
        list = new IClearingHouse.CollateralSettlement[](3);
        for (uint256 i = 0; i < 3; ++i) list[i] = _s(i, asset);
    }

    function _one(
        IClearingHouse.CollateralSettlement memory s
    ) internal pure returns (IClearingHouse.CollateralSettlement[] memory list) {
        list = new IClearingHouse.CollateralSettlement[](1);
        list[0] = s;
    }

    function _depositAll(address asset) internal {
        for (uint256 i = 0; i < 3; ++i) _deposit(_ps[i].participant, asset, _ps[i].amount);
    }

    // ---------------------------------------------------------------- happy paths

    function test_settleNetDebitsFromCollateral_paysEveryCoveredDebtorFromItsCollateral() external {
        _depositAll(ETH);
        _deposit(_ps[0].participant, ETH, 1 ether); // a surplus that stays in the vault
        IClearingHouse.CollateralSettlement[] memory list = _all(ETH);
        for (uint256 i = 0; i < 3; ++i) {
            vm.expectEmit(true, true, true, true, address(ch));
            emit IClearingHouse.NetDebitPaid(CYCLE_ID, ETH, _ps[i].participant, address(vault), _ps[i].amount);
            vm.expectEmit(true, true, true, true, address(ch));
            emit IClearingHouse.NetDebitSettledFromCollateral(CYCLE_ID, ETH, _ps[i].participant, _ps[i].amount);
        }
        vm.prank(stranger);
        uint256 settled = ch.settleNetDebitsFromCollateral(CYCLE_ID, ETH, list);

        vm.assertEq(settled, 6 * UNIT, "settled");
        IClearingHouse.CycleState memory s = ch.getCycle(CYCLE_ID, ETH);
        vm.assertEq(s.paidIn, 6 * UNIT, "paidIn");
        vm.assertEq(s.covered, 0, "covered");
        vm.assertEq(uint256(s.resolvedDebtors), 3, "resolved");
        vm.assertEq(address(ch).balance, 6 * UNIT, "held by the ClearingHouse");
        for (uint256 i = 0; i < 3; ++i) {
            vm.assertTrue(ch.getParticipant(CYCLE_ID, ETH, _ps[i].participant).paid, "paid");
        }
        vm.assertEq(vault.collateral(_ps[0].participant, ETH), 1 ether, "surplus untouched");
        vm.assertEq(vault.collateral(_ps[1].participant, ETH), 0, "debited exactly");
        // The cycle is funded: creditors are paid in full.
        vm.assertEq(_claim(CYCLE_ID, ETH, _ps[5]), 3 * UNIT, "creditor paid");
    }

    function test_settleNetDebitsFromCollateral_paysAnErc20CycleInOneTransferFromTheVault() external {
        _depositAll(address(token));
        uint256 settled = ch.settleNetDebitsFromCollateral(CYCLE_ID, address(token), _all(address(token)));
        vm.assertEq(settled, 6 * UNIT, "settled");
        vm.assertEq(token.balanceOf(address(ch)), 6 * UNIT, "received");
        vm.assertEq(token.balanceOf(address(vault)), 0, "left the vault");
        vm.assertEq(ch.getCycle(CYCLE_ID, address(token)).paidIn, 6 * UNIT, "paidIn");
        // The ETH cycle of the same id is a separate pot.
        vm.assertEq(uint256(ch.getCycle(CYCLE_ID, ETH).resolvedDebtors), 0, "other asset untouched");
    }

    function test_settleNetDebitsFromCollateral_skipsADebtorWhoseCollateralFallsShort() external {
        _deposit(_ps[0].participant, ETH, 3 * UNIT);
        _deposit(_ps[1].participant, ETH, 2 * UNIT - 1); // one wei short
        _deposit(_ps[2].participant, ETH, 1 * UNIT);
        vm.expectEmit(true, true, true, true, address(ch));
        emit IClearingHouse.NetDebitSettlementSkipped(CYCLE_ID, ETH, _ps[1].participant, 2 * UNIT, 2 * UNIT - 1);
        uint256 settled = ch.settleNetDebitsFromCollateral(CYCLE_ID, ETH, _all(ETH));

        vm.assertEq(settled, 4 * UNIT, "the covered two");
        IClearingHouse.CycleState memory s = ch.getCycle(CYCLE_ID, ETH);
        vm.assertEq(s.paidIn, 4 * UNIT, "paidIn");
        vm.assertEq(uint256(s.resolvedDebtors), 2, "the skipped debtor stays unresolved");
        IClearingHouse.ParticipantState memory p = ch.getParticipant(CYCLE_ID, ETH, _ps[1].participant);
        vm.assertFalse(p.paid || p.defaulted, "skipped: neither paid nor defaulted");
        vm.assertEq(vault.collateral(_ps[1].participant, ETH), 2 * UNIT - 1, "nothing taken");
        vm.assertEq(address(ch).balance, 4 * UNIT, "received the covered two");

        // It can still pay by itself, and then the cycle is funded.
        _pay(CYCLE_ID, ETH, _ps[1]);
        vm.assertEq(uint256(ch.getCycle(CYCLE_ID, ETH).resolvedDebtors), 3, "resolved by payment");
        vm.assertEq(_claim(CYCLE_ID, ETH, _ps[5]), 3 * UNIT, "creditor paid in full");
    }

    function test_settleNetDebitsFromCollateral_aSkippedDebtorCanBeSettledByALaterBatch() external {
        ch.settleNetDebitsFromCollateral(CYCLE_ID, ETH, _one(_s(0, ETH))); // no collateral at all
        vm.assertEq(uint256(ch.getCycle(CYCLE_ID, ETH).resolvedDebtors), 0, "skipped");
        _deposit(_ps[0].participant, ETH, 3 * UNIT);
        vm.assertEq(ch.settleNetDebitsFromCollateral(CYCLE_ID, ETH, _one(_s(0, ETH))), 3 * UNIT, "same authorization");
        vm.assertTrue(ch.getParticipant(CYCLE_ID, ETH, _ps[0].participant).paid, "paid");
    }

    function test_settleNetDebitsFromCollateral_returnsZeroAndChangesNothingWhenEveryDebtorIsSkipped() external {
        _deposit(_ps[2].participant, ETH, UNIT - 1);
        uint256 settled = ch.settleNetDebitsFromCollateral(CYCLE_ID, ETH, _all(ETH));
        vm.assertEq(settled, 0, "nothing settled");
        IClearingHouse.CycleState memory s = ch.getCycle(CYCLE_ID, ETH);
        vm.assertEq(s.paidIn, 0, "paidIn");
        vm.assertEq(uint256(s.resolvedDebtors), 0, "resolved");
        vm.assertEq(address(ch).balance, 0, "nothing received");
    }

    function test_settleNetDebitsFromCollateral_worksWhilePaused() external {
        _depositAll(ETH);
        vm.prank(guardian);
        ch.pause();
        vm.assertEq(ch.settleNetDebitsFromCollateral(CYCLE_ID, ETH, _all(ETH)), 6 * UNIT, "not gated by pause");
    }

    function test_settleNetDebitsFromCollateral_worksUpToThePaymentDeadlineInclusive() external {
        _depositAll(ETH);
        vm.warp(_d(CYCLE_ID).paymentDeadline);
        vm.assertEq(ch.settleNetDebitsFromCollateral(CYCLE_ID, ETH, _all(ETH)), 6 * UNIT, "at the deadline");
    }

    function test_settleNetDebitsFromCollateral_acceptsAnErc1271WalletDebtor() external {
        uint256 ownerPk = 0x0A11CE;
        MockERC1271Wallet wallet = new MockERC1271Wallet(vm.addr(ownerPk));
        Position[] memory ps = new Position[](2);
        ps[0] = Position(address(wallet), NettingLeaf.NET_DEBTOR, UNIT);
        ps[1] = Position(c1, NettingLeaf.NET_CREDITOR, UNIT);
        _commitUnproven(CYCLE_ID + 1, ETH, ps);
        _deposit(address(wallet), ETH, UNIT);
        // The wallet approves its owner's ECDSA signature of the digest.
        vm.assertEq(
            ch.settleNetDebitsFromCollateral(CYCLE_ID + 1, ETH, _one(_settlement(ownerPk, CYCLE_ID + 1, ETH, ps[0]))),
            UNIT,
            "settled"
        );
        // Another key's signature is refused by the wallet.
        Position[] memory qs = new Position[](2);
        qs[0] = Position(address(wallet), NettingLeaf.NET_DEBTOR, UNIT);
        qs[1] = Position(c1, NettingLeaf.NET_CREDITOR, UNIT);
        _commitUnproven(CYCLE_ID + 2, ETH, qs);
        IClearingHouse.CollateralSettlement memory bad = _settlement(0xB0B, CYCLE_ID + 2, ETH, qs[0]);
        vm.expectRevert(
            abi.encodeWithSelector(
                IClearingHouse.ClearingHouseInvalidSettlementSignature.selector,
                CYCLE_ID + 2,
                ETH,
                address(wallet),
                UNIT
            )
        );
        ch.settleNetDebitsFromCollateral(CYCLE_ID + 2, ETH, _one(bad));
    }

    // ---------------------------------------------------------------- digest and domain

    function test_netDebitSettlementDigest_isTheEip712DigestUnderTheClearingHousesDomain() external view {
        address debtor = _ps[0].participant;
        vm.assertEq(
            ch.netDebitSettlementDigest(CYCLE_ID, ETH, debtor, 3 * UNIT),
            _settlementDigest(CYCLE_ID, ETH, debtor, 3 * UNIT),
            "digest"
        );
        (
            bytes1 fields,
            string memory name,
            string memory version,
            uint256 chainId,
            address verifyingContract,
            bytes32 salt,
            uint256[] memory extensions
        ) = ch.eip712Domain();
        vm.assertEq(uint256(uint8(fields)), 0x0f, "name, version, chainId, verifyingContract");
        vm.assertEq(name, "4Mica ClearingHouse", "name");
        vm.assertEq(version, "1", "version");
        vm.assertEq(chainId, block.chainid, "chainId");
        vm.assertEq(verifyingContract, address(ch), "verifyingContract");
        vm.assertEq(salt, bytes32(0), "no salt");
        vm.assertEq(extensions.length, 0, "no extensions");
    }

    // ---------------------------------------------------------------- reverts

    function test_settleNetDebitsFromCollateral_revertsWhenNotCommitted() external {
        vm.expectRevert(
            abi.encodeWithSelector(IClearingHouse.ClearingHouseCycleNotCommitted.selector, CYCLE_ID + 1, ETH)
        );
        ch.settleNetDebitsFromCollateral(CYCLE_ID + 1, ETH, _all(ETH));
    }

    function test_settleNetDebitsFromCollateral_revertsAfterThePaymentDeadline() external {
        _depositAll(ETH);
        IClearingHouse.CollateralSettlement[] memory list = _all(ETH);
        _warpAfterPayment(CYCLE_ID);
        vm.expectRevert(
            abi.encodeWithSelector(
                IClearingHouse.ClearingHousePaymentWindowClosed.selector,
                CYCLE_ID,
                ETH,
                _d(CYCLE_ID).paymentDeadline
            )
        );
        ch.settleNetDebitsFromCollateral(CYCLE_ID, ETH, list);
    }

    function test_settleNetDebitsFromCollateral_revertsOnAnEmptyBatch() external {
        vm.expectRevert(abi.encodeWithSelector(IClearingHouse.ClearingHouseEmptyBatch.selector, CYCLE_ID, ETH));
        ch.settleNetDebitsFromCollateral(CYCLE_ID, ETH, new IClearingHouse.CollateralSettlement[](0));
    }

    function test_settleNetDebitsFromCollateral_revertsOnADuplicateDebtor() external {
        _depositAll(ETH);
        IClearingHouse.CollateralSettlement[] memory list = new IClearingHouse.CollateralSettlement[](2);
        list[0] = _s(0, ETH);
        list[1] = _s(0, ETH);
        vm.expectRevert(
            abi.encodeWithSelector(
                IClearingHouse.ClearingHouseUnsortedBatch.selector,
                _ps[0].participant,
                _ps[0].participant
            )
        );
        ch.settleNetDebitsFromCollateral(CYCLE_ID, ETH, list);
    }

    function test_settleNetDebitsFromCollateral_revertsOnDecreasingDebtors() external {
        IClearingHouse.CollateralSettlement[] memory list = new IClearingHouse.CollateralSettlement[](2);
        list[0] = _s(1, ETH);
        list[1] = _s(0, ETH);
        vm.expectRevert(
            abi.encodeWithSelector(
                IClearingHouse.ClearingHouseUnsortedBatch.selector,
                _ps[1].participant,
                _ps[0].participant
            )
        );
        ch.settleNetDebitsFromCollateral(CYCLE_ID, ETH, list);
    }

    function test_settleNetDebitsFromCollateral_revertsOnTheZeroAddress() external {
        IClearingHouse.CollateralSettlement memory s = _s(0, ETH);
        s.debtor = address(0);
        vm.expectRevert(
            abi.encodeWithSelector(IClearingHouse.ClearingHouseUnsortedBatch.selector, address(0), address(0))
        );
        ch.settleNetDebitsFromCollateral(CYCLE_ID, ETH, _one(s));
    }

    function test_settleNetDebitsFromCollateral_revertsOnAnInflatedAmountEvenIfSigned() external {
        _deposit(_ps[0].participant, ETH, 10 * UNIT);
        Position memory inflated = Position(_ps[0].participant, NettingLeaf.NET_DEBTOR, 4 * UNIT);
        IClearingHouse.CollateralSettlement memory s = _s(0, ETH);
        s.amount = inflated.amount;
        s.signature = _signDigest(_pks[0], _settlementDigest(CYCLE_ID, ETH, inflated.participant, inflated.amount));
        vm.expectRevert(
            abi.encodeWithSelector(
                IClearingHouse.ClearingHouseInvalidProof.selector,
                CYCLE_ID,
                ETH,
                inflated.participant,
                NettingLeaf.NET_DEBTOR,
                4 * UNIT
            )
        );
        ch.settleNetDebitsFromCollateral(CYCLE_ID, ETH, _one(s));
    }

    function test_settleNetDebitsFromCollateral_revertsOnACreditorLeaf() external {
        IClearingHouse.CollateralSettlement memory s = IClearingHouse.CollateralSettlement(
            c1,
            UNIT,
            _proof(CYCLE_ID, ETH, _ps[3]),
            ""
        );
        vm.expectRevert(
            abi.encodeWithSelector(
                IClearingHouse.ClearingHouseInvalidProof.selector,
                CYCLE_ID,
                ETH,
                c1,
                NettingLeaf.NET_DEBTOR,
                UNIT
            )
        );
        ch.settleNetDebitsFromCollateral(CYCLE_ID, ETH, _one(s));
    }

    function _expectBadSignature(uint256 i) internal {
        vm.expectRevert(
            abi.encodeWithSelector(
                IClearingHouse.ClearingHouseInvalidSettlementSignature.selector,
                CYCLE_ID,
                ETH,
                _ps[i].participant,
                _ps[i].amount
            )
        );
    }

    function test_settleNetDebitsFromCollateral_revertsOnAnotherKeysSignature() external {
        _depositAll(ETH);
        IClearingHouse.CollateralSettlement memory s = _s(0, ETH);
        s.signature = _signDigest(_pks[1], _settlementDigest(CYCLE_ID, ETH, _ps[0].participant, _ps[0].amount));
        _expectBadSignature(0);
        ch.settleNetDebitsFromCollateral(CYCLE_ID, ETH, _one(s));
    }

    function test_settleNetDebitsFromCollateral_revertsWhenTheDebtorSignedAnotherAmount() external {
        _depositAll(ETH);
        IClearingHouse.CollateralSettlement memory s = _s(0, ETH);
        s.signature = _signDigest(_pks[0], _settlementDigest(CYCLE_ID, ETH, _ps[0].participant, _ps[0].amount - 1));
        _expectBadSignature(0);
        ch.settleNetDebitsFromCollateral(CYCLE_ID, ETH, _one(s));
    }

    function test_settleNetDebitsFromCollateral_revertsOnAnAuthorizationOfAnotherCycle() external {
        // A relayer replays the debtor's authorization of cycle 3 in cycle 4, where it owes the same amount.
        _commitUnproven(CYCLE_ID + 1, ETH, _ps);
        _deposit(_ps[0].participant, ETH, 10 * UNIT);
        IClearingHouse.CollateralSettlement memory s = _s(0, ETH);
        s.proof = _proof(CYCLE_ID + 1, ETH, _ps[0]);
        vm.expectRevert(
            abi.encodeWithSelector(
                IClearingHouse.ClearingHouseInvalidSettlementSignature.selector,
                CYCLE_ID + 1,
                ETH,
                _ps[0].participant,
                _ps[0].amount
            )
        );
        ch.settleNetDebitsFromCollateral(CYCLE_ID + 1, ETH, _one(s));
    }

    function test_settleNetDebitsFromCollateral_revertsOnAnAuthorizationOfAnotherAsset() external {
        _depositAll(address(token));
        IClearingHouse.CollateralSettlement memory s = _s(0, ETH);
        s.proof = _proof(CYCLE_ID, address(token), _ps[0]);
        vm.expectRevert(
            abi.encodeWithSelector(
                IClearingHouse.ClearingHouseInvalidSettlementSignature.selector,
                CYCLE_ID,
                address(token),
                _ps[0].participant,
                _ps[0].amount
            )
        );
        ch.settleNetDebitsFromCollateral(CYCLE_ID, address(token), _one(s));
    }

    function test_settleNetDebitsFromCollateral_revertsOnAnAuthorizationForAnotherClearingHouse() external {
        _depositAll(ETH);
        IClearingHouse.CollateralSettlement memory s = _s(0, ETH);
        bytes32 elsewhere = _settlementDigestOn(address(0xC1EA), CYCLE_ID, ETH, _ps[0].participant, _ps[0].amount);
        s.signature = _signDigest(_pks[0], elsewhere);
        _expectBadSignature(0);
        ch.settleNetDebitsFromCollateral(CYCLE_ID, ETH, _one(s));
    }

    function test_settleNetDebitsFromCollateral_revertsOnAMalformedOrMalleableSignature() external {
        _depositAll(ETH);
        IClearingHouse.CollateralSettlement memory s = _s(0, ETH);
        bytes memory good = s.signature;
        // 64 bytes: v dropped.
        bytes memory short = new bytes(64);
        for (uint256 i = 0; i < 64; ++i) short[i] = good[i];
        s.signature = short;
        _expectBadSignature(0);
        ch.settleNetDebitsFromCollateral(CYCLE_ID, ETH, _one(s));
        // The high-s twin (n - s, v flipped) recovers the same key with ecrecover; ECDSA refuses it.
        bytes32 r;
        bytes32 sv;
        assembly ("memory-safe") {
            r := mload(add(good, 0x20))
            sv := mload(add(good, 0x40))
        }
        uint8 v = uint8(good[64]);
        uint256 n = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;
        s.signature = abi.encodePacked(r, bytes32(n - uint256(sv)), v == 27 ? uint8(28) : uint8(27));
        _expectBadSignature(0);
        ch.settleNetDebitsFromCollateral(CYCLE_ID, ETH, _one(s));
    }

    function test_settleNetDebitsFromCollateral_revertsOnAReplayedAuthorization() external {
        _deposit(_ps[0].participant, ETH, 10 * UNIT);
        IClearingHouse.CollateralSettlement[] memory list = _one(_s(0, ETH));
        ch.settleNetDebitsFromCollateral(CYCLE_ID, ETH, list);
        vm.expectRevert(
            abi.encodeWithSelector(
                IClearingHouse.ClearingHouseDebtorAlreadyResolved.selector,
                CYCLE_ID,
                ETH,
                _ps[0].participant
            )
        );
        ch.settleNetDebitsFromCollateral(CYCLE_ID, ETH, list);
        vm.assertEq(vault.collateral(_ps[0].participant, ETH), 7 * UNIT, "debited once");
    }

    function test_settleNetDebitsFromCollateral_revertsForADebtorThatAlreadyPaid() external {
        _pay(CYCLE_ID, ETH, _ps[1]);
        _depositAll(ETH);
        vm.expectRevert(
            abi.encodeWithSelector(
                IClearingHouse.ClearingHouseDebtorAlreadyResolved.selector,
                CYCLE_ID,
                ETH,
                _ps[1].participant
            )
        );
        ch.settleNetDebitsFromCollateral(CYCLE_ID, ETH, _all(ETH));
        vm.assertEq(vault.collateral(_ps[0].participant, ETH), 3 * UNIT, "the whole batch reverted");
    }

    function test_settleNetDebitsFromCollateral_revertsWhenTheTreeHoldsMoreDebtorsThanDeclared() external {
        Position[] memory ps = new Position[](3);
        ps[0] = _ps[0];
        ps[1] = _ps[1];
        ps[2] = Position(c1, NettingLeaf.NET_CREDITOR, _ps[0].amount);
        bytes32 root = _build(CYCLE_ID + 1, ETH, ps);
        _warpToCommit(CYCLE_ID + 1);
        vm.prank(operator);
        ch.commitCycle(CYCLE_ID + 1, ETH, root, ps[2].amount, ps[2].amount, 1, 1, bytes32(0), _noV2());
        _deposit(ps[0].participant, ETH, ps[0].amount);
        _deposit(ps[1].participant, ETH, ps[1].amount);
        IClearingHouse.CollateralSettlement[] memory list = new IClearingHouse.CollateralSettlement[](2);
        list[0] = _settlement(_pks[0], CYCLE_ID + 1, ETH, ps[0]);
        list[1] = _settlement(_pks[1], CYCLE_ID + 1, ETH, ps[1]);
        vm.expectRevert(
            abi.encodeWithSelector(IClearingHouse.ClearingHouseTooManyDebtors.selector, CYCLE_ID + 1, ETH, 1)
        );
        ch.settleNetDebitsFromCollateral(CYCLE_ID + 1, ETH, list);
    }

    /// @dev A ClearingHouse over {LyingVault}, with (d, c) owing `amount`, committed in `cycleId`.
    function _liarHouse(
        LyingVault liar,
        uint256 pk,
        uint256 amount
    ) internal returns (ClearingHouse other, IClearingHouse.CollateralSettlement[] memory list) {
        other = new ClearingHouse(address(manager), address(liar), GENESIS, defaultParams());
        bytes4[] memory sel = new bytes4[](1);
        sel[0] = IClearingHouse.commitCycle.selector;
        manager.setTargetFunctionRole(address(other), sel, OPERATOR_ROLE);
        address debtor = vm.addr(pk);
        bytes32[] memory leaves = new bytes32[](2);
        leaves[0] = NettingLeaf.hash(block.chainid, address(other), CYCLE_ID + 1, ETH, debtor, 0, amount);
        leaves[1] = NettingLeaf.hash(block.chainid, address(other), CYCLE_ID + 1, ETH, c1, 1, amount);
        bytes32[] memory tree = MerkleHelper.build(leaves);
        _warpToCommit(CYCLE_ID + 1);
        vm.prank(operator);
        other.commitCycle(CYCLE_ID + 1, ETH, tree[0], amount, amount, 1, 1, bytes32(0), _noV2());
        bytes memory sig = _signDigest(pk, _settlementDigestOn(address(other), CYCLE_ID + 1, ETH, debtor, amount));
        list = _one(IClearingHouse.CollateralSettlement(debtor, amount, MerkleHelper.proof(tree, leaves[0]), sig));
    }

    function test_settleNetDebitsFromCollateral_revertsWhenTheVaultReportsMoreThanItSent() external {
        (ClearingHouse other, IClearingHouse.CollateralSettlement[] memory list) = _liarHouse(
            new LyingVault(),
            _pks[0],
            UNIT
        );
        vm.expectRevert(
            abi.encodeWithSelector(IClearingHouse.ClearingHouseCollateralSettlementMismatch.selector, UNIT, UNIT, 0)
        );
        other.settleNetDebitsFromCollateral(CYCLE_ID + 1, ETH, list);
    }

    function test_settleNetDebitsFromCollateral_revertsWhenTheVaultReportsAPartialSettlement() external {
        LyingVault liar = new LyingVault();
        liar.setHalves(true);
        (ClearingHouse other, IClearingHouse.CollateralSettlement[] memory list) = _liarHouse(liar, _pks[0], UNIT);
        vm.expectRevert(
            abi.encodeWithSelector(IClearingHouse.ClearingHouseCollateralSettlementMismatch.selector, UNIT, UNIT / 2, 0)
        );
        other.settleNetDebitsFromCollateral(CYCLE_ID + 1, ETH, list);
    }

    // ---------------------------------------------------------------- fuzz

    /// @dev Random batch sizes, amounts and collateral (covering or short by a random amount): exactly the covered
    ///      debtors are settled and resolved, the vault loses exactly their amounts, the cycle gains exactly that.
    function testFuzz_settleNetDebitsFromCollateral_settlesExactlyTheCoveredDebtors(uint256 seed, uint8 size) external {
        uint256 n = 1 + (uint256(size) % 12);
        uint256[] memory pks = _sortedKeys(n, seed);
        Position[] memory ps = new Position[](n + 1);
        uint256 total = 0;
        for (uint256 i = 0; i < n; ++i) {
            uint256 amount = 1 + (uint256(keccak256(abi.encode(seed, "amount", i))) % (2 ** 100));
            ps[i] = Position(vm.addr(pks[i]), NettingLeaf.NET_DEBTOR, amount);
            total += amount;
        }
        ps[n] = Position(c1, NettingLeaf.NET_CREDITOR, total);
        _commitUnproven(CYCLE_ID + 1, ETH, ps);

        IClearingHouse.CollateralSettlement[] memory list = new IClearingHouse.CollateralSettlement[](n);
        uint256 expected = 0;
        uint256 covered = 0;
        bool[] memory covers = new bool[](n);
        uint256[] memory deposited = new uint256[](n);
        for (uint256 i = 0; i < n; ++i) {
            uint256 r = uint256(keccak256(abi.encode(seed, "collateral", i)));
            covers[i] = r % 3 != 0;
            deposited[i] = covers[i] ? ps[i].amount + ((r >> 8) % 1e18) : (r >> 8) % ps[i].amount;
            if (deposited[i] != 0) _deposit(ps[i].participant, ETH, deposited[i]);
            if (covers[i]) {
                expected += ps[i].amount;
                ++covered;
            }
            list[i] = _settlement(pks[i], CYCLE_ID + 1, ETH, ps[i]);
        }
        uint256 before = address(ch).balance;
        uint256 settled = ch.settleNetDebitsFromCollateral(CYCLE_ID + 1, ETH, list);

        vm.assertEq(settled, expected, "settled = covered amounts");
        vm.assertEq(address(ch).balance - before, expected, "received = settled");
        IClearingHouse.CycleState memory s = ch.getCycle(CYCLE_ID + 1, ETH);
        vm.assertEq(s.paidIn, expected, "paidIn");
        vm.assertEq(uint256(s.resolvedDebtors), covered, "resolved = covered");
        for (uint256 i = 0; i < n; ++i) {
            IClearingHouse.ParticipantState memory p = ch.getParticipant(CYCLE_ID + 1, ETH, ps[i].participant);
            vm.assertTrue(p.paid == covers[i] && !p.defaulted, "flagged iff covered");
            uint256 left = covers[i] ? deposited[i] - ps[i].amount : deposited[i];
            vm.assertEq(vault.collateral(ps[i].participant, ETH), left, "debited exactly its amount, or nothing");
        }
    }
}
