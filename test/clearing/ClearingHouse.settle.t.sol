// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

import {ClearingHouse} from "../../contracts/ClearingHouse.sol";
import {IClearingHouse} from "../../contracts/interfaces/IClearingHouse.sol";
import {NettingLeaf} from "../../contracts/libraries/NettingLeaf.sol";
import {MockERC1271Wallet} from "../../contracts/mocks/MockERC1271Wallet.sol";
import {vm} from "../utils/Vm.sol";
import {LyingVault} from "./utils/Actors.sol";
import {ClearingHouseFixture} from "./utils/ClearingHouseFixture.sol";
import {MerkleHelper} from "./utils/MerkleHelper.sol";
import {SettlementBatch, SettlementBatches} from "./utils/SettlementBatch.sol";
import {logsOf, startRecordingLogs} from "./utils/VmLogs.sol";

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
        SettlementBatch memory b = _batch(CYCLE_ID, ETH, _all(ETH));
        // One event per settled debtor, in the batch's order: NetDebitPaid with the vault as payer.
        for (uint256 i = 0; i < 3; ++i) {
            vm.expectEmit(true, true, true, true, address(ch));
            emit IClearingHouse.NetDebitPaid(
                CYCLE_ID,
                ETH,
                b.settlements[i].debtor,
                address(vault),
                b.settlements[i].amount
            );
        }
        startRecordingLogs();
        vm.prank(stranger);
        uint256 settled = ch.settleNetDebitsFromCollateral(CYCLE_ID, ETH, b.settlements, b.proof, b.proofFlags);
        vm.assertEq(logsOf(address(ch)), 3, "exactly one event per settled debtor");

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
        uint256 settled = _settleBatch(CYCLE_ID, address(token), _all(address(token)));
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
        uint256 settled = _settleBatch(CYCLE_ID, ETH, _all(ETH));

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
        _settleBatch(CYCLE_ID, ETH, _one(_s(0, ETH))); // no collateral at all
        vm.assertEq(uint256(ch.getCycle(CYCLE_ID, ETH).resolvedDebtors), 0, "skipped");
        _deposit(_ps[0].participant, ETH, 3 * UNIT);
        vm.assertEq(_settleBatch(CYCLE_ID, ETH, _one(_s(0, ETH))), 3 * UNIT, "same authorization");
        vm.assertTrue(ch.getParticipant(CYCLE_ID, ETH, _ps[0].participant).paid, "paid");
    }

    function test_settleNetDebitsFromCollateral_returnsZeroAndChangesNothingWhenEveryDebtorIsSkipped() external {
        _deposit(_ps[2].participant, ETH, UNIT - 1);
        uint256 settled = _settleBatch(CYCLE_ID, ETH, _all(ETH));
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
        vm.assertEq(_settleBatch(CYCLE_ID, ETH, _all(ETH)), 6 * UNIT, "not gated by pause");
    }

    function test_settleNetDebitsFromCollateral_worksUpToThePaymentDeadlineInclusive() external {
        _depositAll(ETH);
        vm.warp(_d(CYCLE_ID).paymentDeadline);
        vm.assertEq(_settleBatch(CYCLE_ID, ETH, _all(ETH)), 6 * UNIT, "at the deadline");
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
            _settleBatch(CYCLE_ID + 1, ETH, _one(_settlement(ownerPk, CYCLE_ID + 1, ETH, ps[0]))),
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
        _settleBatch(CYCLE_ID + 2, ETH, _one(bad));
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
        ch.settleNetDebitsFromCollateral(CYCLE_ID + 1, ETH, _all(ETH), new bytes32[](0), new bool[](0));
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
        _settleBatch(CYCLE_ID, ETH, list);
    }

    function test_settleNetDebitsFromCollateral_revertsOnAnEmptyBatch() external {
        vm.expectRevert(abi.encodeWithSelector(IClearingHouse.ClearingHouseEmptyBatch.selector, CYCLE_ID, ETH));
        _settleBatch(CYCLE_ID, ETH, new IClearingHouse.CollateralSettlement[](0));
    }

    function test_settleNetDebitsFromCollateral_revertsOnADuplicateDebtor() external {
        _depositAll(ETH);
        // The repeated entry is refused by its PAID flag, before the multiproof is looked at.
        SettlementBatch memory b = _batch(CYCLE_ID, ETH, _one(_s(0, ETH)));
        IClearingHouse.CollateralSettlement[] memory list = new IClearingHouse.CollateralSettlement[](2);
        list[0] = b.settlements[0];
        list[1] = b.settlements[0];
        vm.expectRevert(
            abi.encodeWithSelector(
                IClearingHouse.ClearingHouseDebtorAlreadyResolved.selector,
                CYCLE_ID,
                ETH,
                _ps[0].participant
            )
        );
        ch.settleNetDebitsFromCollateral(CYCLE_ID, ETH, list, b.proof, b.proofFlags);
        vm.assertEq(vault.collateral(_ps[0].participant, ETH), 3 * UNIT, "nothing debited");
    }

    function _expectBadMultiproof(uint256 cycleId, address asset) internal {
        vm.expectRevert(abi.encodeWithSelector(IClearingHouse.ClearingHouseInvalidMultiproof.selector, cycleId, asset));
    }

    function test_settleNetDebitsFromCollateral_revertsOnEntriesOutOfTheMultiproofsOrder() external {
        _depositAll(ETH);
        SettlementBatch memory b = _batch(CYCLE_ID, ETH, _all(ETH));
        (b.settlements[0], b.settlements[1]) = (b.settlements[1], b.settlements[0]);
        _expectBadMultiproof(CYCLE_ID, ETH);
        ch.settleNetDebitsFromCollateral(CYCLE_ID, ETH, b.settlements, b.proof, b.proofFlags);
    }

    function test_settleNetDebitsFromCollateral_revertsOnATamperedProofHash() external {
        _depositAll(ETH);
        SettlementBatch memory b = _batch(CYCLE_ID, ETH, _all(ETH));
        vm.assertTrue(b.proof.length != 0, "the batch needs proof hashes");
        b.proof[0] = bytes32(uint256(b.proof[0]) ^ 1);
        _expectBadMultiproof(CYCLE_ID, ETH);
        ch.settleNetDebitsFromCollateral(CYCLE_ID, ETH, b.settlements, b.proof, b.proofFlags);
    }

    function test_settleNetDebitsFromCollateral_revertsOnATamperedProofFlag() external {
        _depositAll(ETH);
        SettlementBatch memory b = _batch(CYCLE_ID, ETH, _all(ETH));
        // Each flag flipped: a malformed multiproof (the false flags no longer match the proof's length), refused
        // with the same error, never OpenZeppelin's own or an out-of-bounds panic.
        for (uint256 i = 0; i < b.proofFlags.length; ++i) {
            b.proofFlags[i] = !b.proofFlags[i];
            _expectBadMultiproof(CYCLE_ID, ETH);
            ch.settleNetDebitsFromCollateral(CYCLE_ID, ETH, b.settlements, b.proof, b.proofFlags);
            b.proofFlags[i] = !b.proofFlags[i];
        }
        // Two flags swapped (the count of each kind kept): well formed, but it proves another root.
        uint256 t = 0;
        uint256 f = 0;
        while (!b.proofFlags[t]) ++t;
        while (b.proofFlags[f]) ++f;
        (b.proofFlags[t], b.proofFlags[f]) = (false, true);
        _expectBadMultiproof(CYCLE_ID, ETH);
        ch.settleNetDebitsFromCollateral(CYCLE_ID, ETH, b.settlements, b.proof, b.proofFlags);
    }

    function test_settleNetDebitsFromCollateral_revertsOnAMultiproofOfTheWrongLength() external {
        _depositAll(ETH);
        SettlementBatch memory b = _batch(CYCLE_ID, ETH, _all(ETH));
        bytes32[] memory longer = new bytes32[](b.proof.length + 1);
        for (uint256 i = 0; i < b.proof.length; ++i) longer[i] = b.proof[i];
        _expectBadMultiproof(CYCLE_ID, ETH);
        ch.settleNetDebitsFromCollateral(CYCLE_ID, ETH, b.settlements, longer, b.proofFlags);
        // The multiproof of all three, given for the first two only.
        IClearingHouse.CollateralSettlement[] memory two = new IClearingHouse.CollateralSettlement[](2);
        two[0] = b.settlements[0];
        two[1] = b.settlements[1];
        _expectBadMultiproof(CYCLE_ID, ETH);
        ch.settleNetDebitsFromCollateral(CYCLE_ID, ETH, two, b.proof, b.proofFlags);
    }

    function test_settleNetDebitsFromCollateral_revertsOnTheZeroAddress() external {
        IClearingHouse.CollateralSettlement[] memory list = _one(_s(0, ETH));
        list[0].debtor = address(0);
        // No key signs for address(0) and it has no code: refused at the signature.
        vm.expectRevert(
            abi.encodeWithSelector(
                IClearingHouse.ClearingHouseInvalidSettlementSignature.selector,
                CYCLE_ID,
                ETH,
                address(0),
                _ps[0].amount
            )
        );
        ch.settleNetDebitsFromCollateral(CYCLE_ID, ETH, list, new bytes32[](0), new bool[](0));
    }

    function test_settleNetDebitsFromCollateral_revertsOnAnInflatedAmountEvenIfSigned() external {
        _deposit(_ps[0].participant, ETH, 10 * UNIT);
        SettlementBatch memory b = _batch(CYCLE_ID, ETH, _one(_s(0, ETH)));
        b.settlements[0].amount = 4 * UNIT;
        b.settlements[0].signature = _signDigest(
            _pks[0],
            _settlementDigest(CYCLE_ID, ETH, _ps[0].participant, 4 * UNIT)
        );
        _expectBadMultiproof(CYCLE_ID, ETH);
        ch.settleNetDebitsFromCollateral(CYCLE_ID, ETH, b.settlements, b.proof, b.proofFlags);
    }

    function test_settleNetDebitsFromCollateral_revertsOnACreditorLeaf() external {
        // A creditor with a key signs a settlement of its credit amount, with the multiproof of its creditor leaf:
        // the contract hashes the entry as a NET_DEBTOR leaf, which is not in the tree.
        uint256 pk = 0xC4ED;
        Position[] memory ps = new Position[](3);
        ps[0] = Position(d1, NettingLeaf.NET_DEBTOR, 2 * UNIT);
        ps[1] = Position(vm.addr(pk), NettingLeaf.NET_CREDITOR, UNIT);
        ps[2] = Position(c1, NettingLeaf.NET_CREDITOR, UNIT);
        _commitUnproven(CYCLE_ID + 1, ETH, ps);
        _deposit(ps[1].participant, ETH, UNIT);
        bytes32[] memory leaves = new bytes32[](1);
        leaves[0] = _leaf(CYCLE_ID + 1, ETH, ps[1]);
        (, bytes32[] memory proof, bool[] memory flags) = MerkleHelper.multiProof(_tree(CYCLE_ID + 1, ETH), leaves);
        _expectBadMultiproof(CYCLE_ID + 1, ETH);
        ch.settleNetDebitsFromCollateral(
            CYCLE_ID + 1,
            ETH,
            _one(_settlement(pk, CYCLE_ID + 1, ETH, ps[1])),
            proof,
            flags
        );
        vm.assertEq(vault.collateral(ps[1].participant, ETH), UNIT, "nothing debited");
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
        _settleBatch(CYCLE_ID, ETH, _one(s));
    }

    function test_settleNetDebitsFromCollateral_revertsWhenTheDebtorSignedAnotherAmount() external {
        _depositAll(ETH);
        IClearingHouse.CollateralSettlement memory s = _s(0, ETH);
        s.signature = _signDigest(_pks[0], _settlementDigest(CYCLE_ID, ETH, _ps[0].participant, _ps[0].amount - 1));
        _expectBadSignature(0);
        _settleBatch(CYCLE_ID, ETH, _one(s));
    }

    function test_settleNetDebitsFromCollateral_revertsOnAnAuthorizationOfAnotherCycle() external {
        // A relayer replays the debtor's authorization of cycle 3 in cycle 4, where it owes the same amount.
        _commitUnproven(CYCLE_ID + 1, ETH, _ps);
        _deposit(_ps[0].participant, ETH, 10 * UNIT);
        IClearingHouse.CollateralSettlement memory s = _s(0, ETH);
        vm.expectRevert(
            abi.encodeWithSelector(
                IClearingHouse.ClearingHouseInvalidSettlementSignature.selector,
                CYCLE_ID + 1,
                ETH,
                _ps[0].participant,
                _ps[0].amount
            )
        );
        _settleBatch(CYCLE_ID + 1, ETH, _one(s));
    }

    function test_settleNetDebitsFromCollateral_revertsOnAnAuthorizationOfAnotherAsset() external {
        _depositAll(address(token));
        IClearingHouse.CollateralSettlement memory s = _s(0, ETH);
        vm.expectRevert(
            abi.encodeWithSelector(
                IClearingHouse.ClearingHouseInvalidSettlementSignature.selector,
                CYCLE_ID,
                address(token),
                _ps[0].participant,
                _ps[0].amount
            )
        );
        _settleBatch(CYCLE_ID, address(token), _one(s));
    }

    function test_settleNetDebitsFromCollateral_revertsOnAnAuthorizationForAnotherClearingHouse() external {
        _depositAll(ETH);
        IClearingHouse.CollateralSettlement memory s = _s(0, ETH);
        bytes32 elsewhere = _settlementDigestOn(address(0xC1EA), CYCLE_ID, ETH, _ps[0].participant, _ps[0].amount);
        s.signature = _signDigest(_pks[0], elsewhere);
        _expectBadSignature(0);
        _settleBatch(CYCLE_ID, ETH, _one(s));
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
        _settleBatch(CYCLE_ID, ETH, _one(s));
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
        _settleBatch(CYCLE_ID, ETH, _one(s));
    }

    function test_settleNetDebitsFromCollateral_revertsOnAReplayedAuthorization() external {
        _deposit(_ps[0].participant, ETH, 10 * UNIT);
        IClearingHouse.CollateralSettlement[] memory list = _one(_s(0, ETH));
        _settleBatch(CYCLE_ID, ETH, list);
        vm.expectRevert(
            abi.encodeWithSelector(
                IClearingHouse.ClearingHouseDebtorAlreadyResolved.selector,
                CYCLE_ID,
                ETH,
                _ps[0].participant
            )
        );
        _settleBatch(CYCLE_ID, ETH, list);
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
        _settleBatch(CYCLE_ID, ETH, _all(ETH));
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
        _settleBatch(CYCLE_ID + 1, ETH, list);
    }

    /// @dev A ClearingHouse over {LyingVault}, with (d, c) owing `amount`, committed in `cycleId`.
    function _liarHouse(
        LyingVault liar,
        uint256 pk,
        uint256 amount
    ) internal returns (ClearingHouse other, SettlementBatch memory b) {
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
        b = SettlementBatches.build(
            address(other),
            tree,
            CYCLE_ID + 1,
            ETH,
            _one(IClearingHouse.CollateralSettlement(debtor, amount, sig))
        );
    }

    function test_settleNetDebitsFromCollateral_revertsWhenTheVaultReportsMoreThanItSent() external {
        (ClearingHouse other, SettlementBatch memory b) = _liarHouse(new LyingVault(), _pks[0], UNIT);
        vm.expectRevert(
            abi.encodeWithSelector(IClearingHouse.ClearingHouseCollateralSettlementMismatch.selector, UNIT, UNIT, 0)
        );
        other.settleNetDebitsFromCollateral(CYCLE_ID + 1, ETH, b.settlements, b.proof, b.proofFlags);
    }

    function test_settleNetDebitsFromCollateral_revertsWhenTheVaultReportsAPartialSettlement() external {
        LyingVault liar = new LyingVault();
        liar.setHalves(true);
        (ClearingHouse other, SettlementBatch memory b) = _liarHouse(liar, _pks[0], UNIT);
        vm.expectRevert(
            abi.encodeWithSelector(IClearingHouse.ClearingHouseCollateralSettlementMismatch.selector, UNIT, UNIT / 2, 0)
        );
        other.settleNetDebitsFromCollateral(CYCLE_ID + 1, ETH, b.settlements, b.proof, b.proofFlags);
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
        uint256 settled = _settleBatch(CYCLE_ID + 1, ETH, list);

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

    /// @dev Random trees (debtors and creditors in any number) and random non-empty subsets of their debtors: the
    ///      batch of the subset, ordered by its multiproof, settles exactly the subset; the same batch with one
    ///      entry's amount off by one is refused as a bad multiproof.
    function testFuzz_settleNetDebitsFromCollateral_provesAnySubsetOfDebtorsWithOneMultiproof(
        uint256 seed,
        uint8 debtorCount,
        uint8 creditorCount,
        uint16 mask
    ) external {
        uint256 n = 1 + (uint256(debtorCount) % 12);
        uint256 m = 1 + (uint256(creditorCount) % 9);
        uint256[] memory pks = _sortedKeys(n, seed);
        Position[] memory ps = new Position[](n + m);
        uint256 total = 0;
        for (uint256 i = 0; i < n; ++i) {
            uint256 amount = 1 + (uint256(keccak256(abi.encode(seed, "amount", i))) % 1e24);
            ps[i] = Position(vm.addr(pks[i]), NettingLeaf.NET_DEBTOR, amount);
            total += amount;
        }
        for (uint256 j = 0; j < m; ++j) {
            uint256 share = j + 1 < m ? total / m : total - (total / m) * (m - 1);
            ps[n + j] = Position(address(uint160(0xC000 + j)), NettingLeaf.NET_CREDITOR, share);
        }
        _commitUnproven(CYCLE_ID + 1, ETH, ps);

        uint256 chosen = uint256(mask) & ((1 << n) - 1);
        if (chosen == 0) chosen = 1 << (seed % n);
        uint256 k = 0;
        for (uint256 i = 0; i < n; ++i) if (chosen & (1 << i) != 0) ++k;
        IClearingHouse.CollateralSettlement[] memory list = new IClearingHouse.CollateralSettlement[](k);
        uint256 expected = 0;
        k = 0;
        for (uint256 i = 0; i < n; ++i) {
            if (chosen & (1 << i) == 0) continue;
            _deposit(ps[i].participant, ETH, ps[i].amount);
            list[k++] = _settlement(pks[i], CYCLE_ID + 1, ETH, ps[i]);
            expected += ps[i].amount;
        }
        SettlementBatch memory b = _batch(CYCLE_ID + 1, ETH, list);

        uint256 which = seed % b.settlements.length;
        IClearingHouse.CollateralSettlement memory good = b.settlements[which];
        b.settlements[which] = _settlement(
            pks[_indexOf(ps, good.debtor)],
            CYCLE_ID + 1,
            ETH,
            Position(good.debtor, NettingLeaf.NET_DEBTOR, good.amount + 1)
        );
        _expectBadMultiproof(CYCLE_ID + 1, ETH);
        ch.settleNetDebitsFromCollateral(CYCLE_ID + 1, ETH, b.settlements, b.proof, b.proofFlags);
        b.settlements[which] = good;

        vm.assertEq(
            ch.settleNetDebitsFromCollateral(CYCLE_ID + 1, ETH, b.settlements, b.proof, b.proofFlags),
            expected,
            "settled = the subset's amounts"
        );
        for (uint256 i = 0; i < n; ++i) {
            bool inSubset = chosen & (1 << i) != 0;
            vm.assertTrue(ch.getParticipant(CYCLE_ID + 1, ETH, ps[i].participant).paid == inSubset, "paid iff chosen");
        }
        vm.assertEq(uint256(ch.getCycle(CYCLE_ID + 1, ETH).resolvedDebtors), b.settlements.length, "resolved");
    }

    function _indexOf(Position[] memory ps, address who) internal pure returns (uint256) {
        for (uint256 i = 0; i < ps.length; ++i) if (ps[i].participant == who) return i;
        revert("not a participant");
    }

    /// @dev {MerkleHelper-multiProof} on random trees and random subsets of their leaves: OpenZeppelin's
    ///      `multiProofVerify` accepts the ordered leaves, and refuses them with any one leaf replaced.
    function testFuzz_multiProof_isAcceptedByOpenZeppelinForAnySubset(
        uint256 seed,
        uint8 size,
        uint64 mask
    ) external pure {
        uint256 n = 1 + (uint256(size) % 40);
        bytes32[] memory leaves = new bytes32[](n);
        for (uint256 i = 0; i < n; ++i) leaves[i] = keccak256(abi.encode(seed, i));
        bytes32[] memory tree = MerkleHelper.build(leaves);
        uint256 chosen = uint256(mask) & ((1 << n) - 1);
        if (chosen == 0) chosen = 1 << (seed % n);
        uint256 k = 0;
        for (uint256 i = 0; i < n; ++i) if (chosen & (1 << i) != 0) ++k;
        bytes32[] memory subset = new bytes32[](k);
        k = 0;
        for (uint256 i = 0; i < n; ++i) if (chosen & (1 << i) != 0) subset[k++] = leaves[i];
        (uint256[] memory order, bytes32[] memory proof, bool[] memory flags) = MerkleHelper.multiProof(tree, subset);
        bytes32[] memory ordered = new bytes32[](k);
        for (uint256 i = 0; i < k; ++i) ordered[i] = subset[order[i]];
        vm.assertTrue(MerkleProof.multiProofVerify(proof, flags, tree[0], ordered), "proves the subset");
        ordered[seed % k] = keccak256(abi.encode(seed, "outsider"));
        vm.assertFalse(MerkleProof.multiProofVerify(proof, flags, tree[0], ordered), "refuses an outsider");
    }
}
