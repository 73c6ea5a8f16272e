// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {AccessManager} from "@openzeppelin/contracts/access/manager/AccessManager.sol";

import {ClearingHouse} from "../../../contracts/ClearingHouse.sol";
import {IClearingHouse} from "../../../contracts/interfaces/IClearingHouse.sol";
import {IClearingHouseSignedDebits} from "../../../contracts/interfaces/IClearingHouseSignedDebits.sol";
import {ICore4MicaSettlement} from "../../../contracts/interfaces/ICore4MicaSettlement.sol";
import {CycleSchedule} from "../../../contracts/libraries/CycleSchedule.sol";
import {NettingLeaf} from "../../../contracts/libraries/NettingLeaf.sol";
import {MockCore4MicaSettlement} from "../../../contracts/mocks/MockCore4MicaSettlement.sol";
import {vm} from "../../utils/Vm.sol";
import {MerkleHelper} from "./MerkleHelper.sol";
import {SettlementBatch, SettlementBatches} from "./SettlementBatch.sol";
import {SettlementSigning} from "./SettlementSigning.sol";
import {MockERC20} from "../../../contracts/mocks/MockERC20.sol";
import {AcceptAllWallet} from "./Actors.sol";

/// @dev Deploys AccessManager + mock vault + ClearingHouse (from DEPLOYER at nonce 0, the address the shared
///      vectors use), grants the roles of docs/protocol.md §1, and builds/commits small trees.
abstract contract ClearingHouseFixture {
    struct Position {
        address participant;
        uint8 role;
        uint256 amount;
    }

    uint64 internal constant OPERATOR_ROLE = 3;
    uint64 internal constant GUARDIAN_ROLE = 2;
    uint64 internal constant GOVERNANCE_ROLE = 1;

    address internal constant DEPLOYER = address(0xC1EA2);
    address internal constant ETH = address(0);
    /// @dev 2023-11-14 00:00 UTC, a day boundary.
    uint48 internal constant GENESIS = 1_699_920_000;
    uint32 internal constant CYCLE = 1 days;
    uint32 internal constant CUTOFF = 6 hours;
    uint32 internal constant COMMIT_DELAY = 15 minutes;
    uint32 internal constant PAYMENT_WINDOW = 2 hours;
    uint32 internal constant FINALITY_WINDOW = 2 hours;

    address internal operator = address(0x09E7A7);
    address internal guardian = address(0x6A4D);
    address internal governance = address(0x60F);
    address internal stranger = address(0x5742);

    address internal d1 = address(0xD1);
    address internal d2 = address(0xD2);
    address internal d3 = address(0xD3);
    address internal c1 = address(0xC1);
    address internal c2 = address(0xC2);
    address internal c3 = address(0xC3);

    AccessManager internal manager;
    MockCore4MicaSettlement internal vault;
    ClearingHouse internal ch;
    MockERC20 internal token;

    mapping(bytes32 key => bytes32[] tree) private _trees;
    uint256 private _reqNonce;

    function setUp() public virtual {
        vm.warp(GENESIS);
        manager = new AccessManager(address(this));
        vault = new MockCore4MicaSettlement();
        vm.prank(DEPLOYER);
        ch = new ClearingHouse(address(manager), address(vault), GENESIS, defaultParams());
        token = new MockERC20("USD Coin", "USDC", 6);

        bytes4[] memory sel = new bytes4[](1);
        sel[0] = IClearingHouse.commitCycle.selector;
        manager.setTargetFunctionRole(address(ch), sel, OPERATOR_ROLE);
        sel[0] = IClearingHouse.pause.selector;
        manager.setTargetFunctionRole(address(ch), sel, GUARDIAN_ROLE);
        bytes4[] memory gov = new bytes4[](2);
        gov[0] = IClearingHouse.unpause.selector;
        gov[1] = ch.setSchedule.selector;
        manager.setTargetFunctionRole(address(ch), gov, GOVERNANCE_ROLE);
        manager.grantRole(OPERATOR_ROLE, operator, 0);
        manager.grantRole(GUARDIAN_ROLE, guardian, 0);
        manager.grantRole(GOVERNANCE_ROLE, governance, 0);
    }

    function defaultParams() internal pure returns (CycleSchedule.Params memory) {
        return CycleSchedule.Params(CYCLE, CUTOFF, COMMIT_DELAY, PAYMENT_WINDOW, FINALITY_WINDOW);
    }

    // Timing --------------------------------------------------------------------------------------------------

    function _d(uint256 cycleId) internal view returns (CycleSchedule.Deadlines memory) {
        return ch.cycleDeadlines(cycleId);
    }

    function _warpToCommit(uint256 cycleId) internal {
        vm.warp(_d(cycleId).resolutionCutoff);
    }

    function _warpAfterPayment(uint256 cycleId) internal {
        vm.warp(_d(cycleId).paymentDeadline + 1);
    }

    function _warpAfterFinality(uint256 cycleId) internal {
        vm.warp(_d(cycleId).finalityDeadline + 1);
    }

    // Trees ---------------------------------------------------------------------------------------------------

    /// @dev 3 debtors owing 3, 2, 1 units; 3 creditors owed 1, 2, 3 units.
    function _standard(uint256 unit) internal view returns (Position[] memory ps) {
        ps = new Position[](6);
        ps[0] = Position(d1, NettingLeaf.NET_DEBTOR, 3 * unit);
        ps[1] = Position(d2, NettingLeaf.NET_DEBTOR, 2 * unit);
        ps[2] = Position(d3, NettingLeaf.NET_DEBTOR, 1 * unit);
        ps[3] = Position(c1, NettingLeaf.NET_CREDITOR, 1 * unit);
        ps[4] = Position(c2, NettingLeaf.NET_CREDITOR, 2 * unit);
        ps[5] = Position(c3, NettingLeaf.NET_CREDITOR, 3 * unit);
    }

    function _leaf(uint256 cycleId, address asset, Position memory p) internal view returns (bytes32) {
        return NettingLeaf.hash(block.chainid, address(ch), cycleId, asset, p.participant, p.role, p.amount);
    }

    function _build(uint256 cycleId, address asset, Position[] memory ps) internal returns (bytes32 root) {
        bytes32[] memory leaves = new bytes32[](ps.length);
        for (uint256 i = 0; i < ps.length; ++i) leaves[i] = _leaf(cycleId, asset, ps[i]);
        bytes32[] memory tree = MerkleHelper.build(leaves);
        _trees[keccak256(abi.encode(cycleId, asset))] = tree;
        return tree[0];
    }

    function _tree(uint256 cycleId, address asset) internal view returns (bytes32[] memory) {
        return _trees[keccak256(abi.encode(cycleId, asset))];
    }

    function _proof(uint256 cycleId, address asset, Position memory p) internal view returns (bytes32[] memory) {
        return MerkleHelper.proof(_trees[keccak256(abi.encode(cycleId, asset))], _leaf(cycleId, asset, p));
    }

    function _totals(Position[] memory ps) internal pure returns (uint256 total, uint32 debtors, uint32 creditors) {
        for (uint256 i = 0; i < ps.length; ++i) {
            if (ps[i].role == NettingLeaf.NET_DEBTOR) {
                total += ps[i].amount;
                ++debtors;
            } else {
                ++creditors;
            }
        }
    }

    /// @dev Builds the tree, warps into the commit window, commits (no V2 guarantees), then proves for each debtor
    ///      one signed V1 request of its net debit (this contract is the prover, see {_defaultClaims}).
    function _commit(uint256 cycleId, address asset, Position[] memory ps) internal returns (bytes32 root) {
        root = _commitUnproven(cycleId, asset, ps);
        _proveDebtors(cycleId, asset, ps);
    }

    /// @dev {_commit} without the proofs: the debtors keep no code, so their own (EOA) signatures count.
    function _commitUnproven(uint256 cycleId, address asset, Position[] memory ps) internal returns (bytes32 root) {
        root = _build(cycleId, asset, ps);
        (uint256 total, uint32 debtors, uint32 creditors) = _totals(ps);
        if (block.timestamp < _d(cycleId).resolutionCutoff) _warpToCommit(cycleId);
        vm.prank(operator);
        ch.commitCycle(cycleId, asset, root, total, total, debtors, creditors, keccak256("batch"), _noV2());
    }

    function _noV2() internal pure returns (ICore4MicaSettlement.NettedGuarantee[] memory) {
        return new ICore4MicaSettlement.NettedGuarantee[](0);
    }

    /// @dev Makes every debtor of `ps` an accept-all ERC-1271 wallet (if it has no code) and proves one V1 request of
    ///      its net debit in the cycle.
    function _proveDebtors(uint256 cycleId, address asset, Position[] memory ps) internal {
        for (uint256 i = 0; i < ps.length; ++i) {
            if (ps[i].role == NettingLeaf.NET_DEBTOR) _proveSigned(cycleId, asset, ps[i].participant, ps[i].amount);
        }
    }

    function _proveSigned(uint256 cycleId, address asset, address debtor, uint256 amount) internal {
        _proveSignedOn(ch, address(vault), cycleId, asset, debtor, amount);
    }

    function _proveSignedOn(
        ClearingHouse target,
        address vault_,
        uint256 cycleId,
        address asset,
        address debtor,
        uint256 amount
    ) internal {
        if (debtor.code.length == 0) vm.etch(debtor, type(AcceptAllWallet).runtimeCode);
        IClearingHouseSignedDebits.SignedRequestV1[] memory rs = new IClearingHouseSignedDebits.SignedRequestV1[](1);
        // A fresh reqId per proof; the id order is checked per (cycle, asset, debtor, prover), so search a reqId whose
        // id is above the prover's cursor.
        (bytes32 lastId, ) = target.signedRequestCursor(cycleId, asset, debtor, address(this));
        bytes32 domain = ICore4MicaSettlement(vault_).requestDomainSeparator();
        uint256 reqId;
        bytes32 id;
        do {
            reqId = ++_reqNonce;
            id = keccak256(abi.encode(domain, debtor, address(0xBEEF), asset, reqId));
        } while (uint256(id) <= uint256(lastId));
        rs[0] = IClearingHouseSignedDebits.SignedRequestV1(
            address(0xBEEF),
            reqId,
            amount,
            uint64(target.cycleDeadlines(cycleId).start),
            ""
        );
        target.proveSignedRequests(cycleId, asset, debtor, rs);
    }

    // Settlement from collateral and batched claims ----------------------------------------------------------

    /// @dev The digest of a NetDebitSettlement under this ClearingHouse's domain ({SettlementSigning}).
    function _settlementDigest(
        uint256 cycleId,
        address asset,
        address debtor,
        uint256 amount
    ) internal view returns (bytes32) {
        return SettlementSigning.digest(address(ch), cycleId, asset, debtor, amount);
    }

    function _settlementDigestOn(
        address house,
        uint256 cycleId,
        address asset,
        address debtor,
        uint256 amount
    ) internal view returns (bytes32) {
        return SettlementSigning.digest(house, cycleId, asset, debtor, amount);
    }

    function _signDigest(uint256 pk, bytes32 digest) internal pure returns (bytes memory) {
        return SettlementSigning.sign(pk, digest);
    }

    /// @dev The settlement of `p` (a debtor whose key is `pk`), signed by `pk` for its exact amount.
    function _settlement(
        uint256 pk,
        uint256 cycleId,
        address asset,
        Position memory p
    ) internal view returns (IClearingHouse.CollateralSettlement memory) {
        bytes memory sig = _signDigest(pk, _settlementDigest(cycleId, asset, p.participant, p.amount));
        return IClearingHouse.CollateralSettlement(p.participant, p.amount, sig);
    }

    /// @dev `list` ordered for its multiproof in `ch`'s tree of (`cycleId`, `asset`) ({SettlementBatches-build}).
    function _batch(
        uint256 cycleId,
        address asset,
        IClearingHouse.CollateralSettlement[] memory list
    ) internal view returns (SettlementBatch memory) {
        return SettlementBatches.build(address(ch), _tree(cycleId, asset), cycleId, asset, list);
    }

    /// @dev Settles `list` on `ch` in one batch with its multiproof ({_batch}).
    function _settleBatch(
        uint256 cycleId,
        address asset,
        IClearingHouse.CollateralSettlement[] memory list
    ) internal returns (uint256) {
        SettlementBatch memory b = _batch(cycleId, asset, list);
        return ch.settleNetDebitsFromCollateral(cycleId, asset, b.settlements, b.proof, b.proofFlags);
    }

    function _creditClaim(
        uint256 cycleId,
        address asset,
        Position memory p
    ) internal view returns (IClearingHouse.CreditClaim memory) {
        return IClearingHouse.CreditClaim(p.participant, p.amount, _proof(cycleId, asset, p));
    }

    function _sortedKeys(uint256 n, uint256 seed) internal pure returns (uint256[] memory) {
        return SettlementSigning.sortedKeys(n, seed);
    }

    // Actions -------------------------------------------------------------------------------------------------

    function _fund(address who, address asset, uint256 amount) internal {
        if (asset == ETH) {
            vm.deal(who, who.balance + amount);
        } else {
            MockERC20(asset).mint(who, amount);
            vm.prank(who);
            MockERC20(asset).approve(address(ch), type(uint256).max);
        }
    }

    function _pay(uint256 cycleId, address asset, Position memory p) internal {
        _fund(p.participant, asset, p.amount);
        bytes32[] memory proof = _proof(cycleId, asset, p);
        vm.prank(p.participant);
        ch.payNetDebit{value: asset == ETH ? p.amount : 0}(cycleId, asset, p.participant, p.amount, proof);
    }

    function _deposit(address user, address asset, uint256 amount) internal {
        if (asset == ETH) {
            vm.deal(address(this), address(this).balance + amount);
            vault.deposit{value: amount}(user, ETH, amount);
        } else {
            MockERC20(asset).mint(address(this), amount);
            MockERC20(asset).approve(address(vault), amount);
            vault.deposit(user, asset, amount);
        }
    }

    function _defaultClaims(
        uint256 cycleId,
        address asset,
        Position[] memory ps
    ) internal view returns (IClearingHouse.DefaultClaim[] memory claims) {
        claims = new IClearingHouse.DefaultClaim[](ps.length);
        for (uint256 i = 0; i < ps.length; ++i) {
            claims[i] = IClearingHouse.DefaultClaim(
                ps[i].participant,
                ps[i].amount,
                _proof(cycleId, asset, ps[i]),
                address(this)
            );
        }
    }

    function _markDefaulted(uint256 cycleId, address asset, Position memory p) internal {
        Position[] memory one = new Position[](1);
        one[0] = p;
        ch.markDefaulted(cycleId, asset, _defaultClaims(cycleId, asset, one));
    }

    function _claim(uint256 cycleId, address asset, Position memory p) internal returns (uint256) {
        return ch.claimNetCredit(cycleId, asset, p.participant, p.amount, _proof(cycleId, asset, p));
    }

    function _balanceOf(address who, address asset) internal view returns (uint256) {
        return asset == ETH ? who.balance : MockERC20(asset).balanceOf(who);
    }

    receive() external payable {}
}
