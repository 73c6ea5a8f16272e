// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {ClearingHouse} from "../../../contracts/ClearingHouse.sol";
import {IClearingHouse} from "../../../contracts/interfaces/IClearingHouse.sol";
import {IClearingHouseSignedDebits} from "../../../contracts/interfaces/IClearingHouseSignedDebits.sol";
import {ICore4MicaSettlement} from "../../../contracts/interfaces/ICore4MicaSettlement.sol";
import {CycleSchedule} from "../../../contracts/libraries/CycleSchedule.sol";
import {GuaranteeIds} from "../../../contracts/libraries/GuaranteeIds.sol";
import {GuaranteeRequest} from "../../../contracts/libraries/GuaranteeRequest.sol";
import {Guarantee, GuaranteeV2} from "../../../contracts/libraries/GuaranteeTypes.sol";
import {NettingLeaf} from "../../../contracts/libraries/NettingLeaf.sol";
import {Core4MicaTestBase} from "../../vault/Core4MicaTestBase.sol";
import {vm} from "../../utils/Vm.sol";
import {MerkleHelper} from "./MerkleHelper.sol";
import {SettlementBatch, SettlementBatches} from "./SettlementBatch.sol";
import {SettlementSigning} from "./SettlementSigning.sol";

/// @dev The real Core4Mica vault with a real ClearingHouse (genesis T0, daily cycles, the seeds' phases) set as its
///      ClearingHouse, and helpers for trees, payer-signed V1 requests (ECDSA with the payer's key) and netted V2
///      guarantees.
abstract contract ClearingHouseVaultFixture is Core4MicaTestBase {
    struct Position {
        address participant;
        uint8 role;
        uint256 amount;
    }

    uint64 internal constant OPERATOR_ROLE = 3;
    address internal constant OPERATOR = address(0x09E7A7);
    address internal constant CREDITOR_A = address(0xCA);
    address internal constant CREDITOR_B = address(0xCB);

    ClearingHouse internal ch;
    mapping(bytes32 key => bytes32[] tree) private _trees;

    function _usesMockClearingHouse() internal pure override returns (bool) {
        return false;
    }

    function setUp() public virtual override {
        super.setUp();
        ch = new ClearingHouse(address(manager), address(vault), uint48(T0), _params());
        bytes4[] memory sel = new bytes4[](1);
        sel[0] = IClearingHouse.commitCycle.selector;
        manager.setTargetFunctionRole(address(ch), sel, OPERATOR_ROLE);
        sel[0] = ch.setSchedule.selector;
        manager.setTargetFunctionRole(address(ch), sel, GOVERNANCE_ROLE);
        manager.grantRole(OPERATOR_ROLE, OPERATOR, 0);
        vm.prank(GOVERNOR);
        vault.setClearingHouse(address(ch));
    }

    function _params() internal pure returns (CycleSchedule.Params memory) {
        return CycleSchedule.Params(uint32(CYCLE_LENGTH), 6 hours, 15 minutes, 2 hours, 2 hours);
    }

    // ---------------------------------------------------------------- trees and commits

    function _leaf(uint256 cycleId, address asset, Position memory p) internal view returns (bytes32) {
        return NettingLeaf.hash(block.chainid, address(ch), cycleId, asset, p.participant, p.role, p.amount);
    }

    function _noV2() internal pure returns (ICore4MicaSettlement.NettedGuarantee[] memory) {
        return new ICore4MicaSettlement.NettedGuarantee[](0);
    }

    /// @dev Builds the tree of `ps`, warps to the commit window and commits as the operator with `v2`.
    function _commit(
        uint256 cycleId,
        address asset,
        Position[] memory ps,
        ICore4MicaSettlement.NettedGuarantee[] memory v2
    ) internal {
        bytes32[] memory leaves = new bytes32[](ps.length);
        uint256 total = 0;
        uint32 nd = 0;
        for (uint256 i = 0; i < ps.length; ++i) {
            leaves[i] = _leaf(cycleId, asset, ps[i]);
            if (ps[i].role == NettingLeaf.NET_DEBTOR) {
                total += ps[i].amount;
                ++nd;
            }
        }
        bytes32[] memory tree = MerkleHelper.build(leaves);
        _trees[keccak256(abi.encode(cycleId, asset))] = tree;
        if (block.timestamp < ch.cycleDeadlines(cycleId).resolutionCutoff) {
            vm.warp(ch.cycleDeadlines(cycleId).resolutionCutoff);
        }
        vm.prank(OPERATOR);
        ch.commitCycle(cycleId, asset, tree[0], total, total, nd, uint32(ps.length) - nd, 0, v2);
    }

    function _proof(uint256 cycleId, address asset, Position memory p) internal view returns (bytes32[] memory) {
        return MerkleHelper.proof(_trees[keccak256(abi.encode(cycleId, asset))], _leaf(cycleId, asset, p));
    }

    function _claim(
        uint256 cycleId,
        address asset,
        Position memory p,
        address prover
    ) internal view returns (IClearingHouse.DefaultClaim[] memory claims) {
        claims = new IClearingHouse.DefaultClaim[](1);
        claims[0] = IClearingHouse.DefaultClaim(p.participant, p.amount, _proof(cycleId, asset, p), prover);
    }

    /// @dev A one-item settlement batch: `p` (the account of `pk`) authorizes paying its net debit from collateral.
    function _settlementOf(
        uint256 pk,
        uint256 cycleId,
        address asset,
        Position memory p
    ) internal view returns (IClearingHouse.CollateralSettlement[] memory list) {
        bytes32 digest = SettlementSigning.digest(address(ch), cycleId, asset, p.participant, p.amount);
        list = new IClearingHouse.CollateralSettlement[](1);
        list[0] = IClearingHouse.CollateralSettlement(p.participant, p.amount, SettlementSigning.sign(pk, digest));
    }

    /// @dev `list` ordered for its multiproof in `ch`'s tree of (`cycleId`, `asset`) ({SettlementBatches-build}).
    function _batch(
        uint256 cycleId,
        address asset,
        IClearingHouse.CollateralSettlement[] memory list
    ) internal view returns (SettlementBatch memory) {
        return
            SettlementBatches.build(address(ch), _trees[keccak256(abi.encode(cycleId, asset))], cycleId, asset, list);
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

    // ---------------------------------------------------------------- signed requests

    /// @dev The guarantee id under the vault's EIP-712 domain, computed here from the domain's definition.
    function _gid(address user, address recipient, address asset, uint256 reqId) internal view returns (bytes32) {
        bytes32 domain = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("4Mica"),
                keccak256("1"),
                block.chainid,
                address(vault)
            )
        );
        return GuaranteeIds.idOf(domain, user, recipient, asset, reqId);
    }

    /// @dev A V1 request of the account of `pk` to `recipient`, signed with `pk`.
    function _request(
        uint256 pk,
        address recipient,
        address asset,
        uint256 reqId,
        uint256 amount,
        uint64 timestamp
    ) internal view returns (IClearingHouseSignedDebits.SignedRequestV1 memory r) {
        Guarantee memory g;
        g.user = vm.addr(pk);
        g.recipient = recipient;
        g.reqId = reqId;
        g.amount = amount;
        g.asset = asset;
        g.timestamp = timestamp;
        r = IClearingHouseSignedDebits.SignedRequestV1(
            recipient,
            reqId,
            amount,
            timestamp,
            _sign(pk, _digest(GuaranteeRequest.hashV1(g)))
        );
    }

    /// @dev `n` requests of `pk` in (`cycleId`, `asset`) of `amount` each, sorted by guarantee id.
    function _requests(
        uint256 pk,
        uint256 cycleId,
        address asset,
        uint256 n,
        uint256 amount
    ) internal view returns (IClearingHouseSignedDebits.SignedRequestV1[] memory rs) {
        address user = vm.addr(pk);
        uint64 start = uint64(ch.cycleDeadlines(cycleId).start);
        bytes32[] memory ids = new bytes32[](n);
        rs = new IClearingHouseSignedDebits.SignedRequestV1[](n);
        for (uint256 i = 0; i < n; ++i) {
            rs[i] = _request(pk, RECIPIENT, asset, 1_000 + i, amount, start + uint64(i % 3600));
            ids[i] = _gid(user, RECIPIENT, asset, 1_000 + i);
        }
        // Insertion sort by id (test sizes only).
        for (uint256 i = 1; i < n; ++i) {
            bytes32 id = ids[i];
            IClearingHouseSignedDebits.SignedRequestV1 memory r = rs[i];
            uint256 j = i;
            while (j > 0 && uint256(ids[j - 1]) > uint256(id)) {
                ids[j] = ids[j - 1];
                rs[j] = rs[j - 1];
                --j;
            }
            ids[j] = id;
            rs[j] = r;
        }
    }

    /// @dev Proves one signed V1 request of `amount` of the account of `pk` in the cycle, from this contract.
    function _proveOne(uint256 pk, uint256 cycleId, address asset, uint256 reqId, uint256 amount) internal {
        IClearingHouseSignedDebits.SignedRequestV1[] memory rs = new IClearingHouseSignedDebits.SignedRequestV1[](1);
        rs[0] = _request(pk, RECIPIENT, asset, reqId, amount, uint64(ch.cycleDeadlines(cycleId).start));
        ch.proveSignedRequests(cycleId, asset, vm.addr(pk), rs);
    }

    // ---------------------------------------------------------------- V2 netting

    /// @dev `g` as a commit nets it: inner bytes and the payer's signature.
    function _netted(GuaranteeV2 memory g) internal view returns (ICore4MicaSettlement.NettedGuarantee memory) {
        return ICore4MicaSettlement.NettedGuarantee(2, abi.encode(g), _payerSigV2(g));
    }

    function _one(
        ICore4MicaSettlement.NettedGuarantee memory n
    ) internal pure returns (ICore4MicaSettlement.NettedGuarantee[] memory list) {
        list = new ICore4MicaSettlement.NettedGuarantee[](1);
        list[0] = n;
    }

    function _twoPositions(
        address debtor,
        address creditor,
        uint256 amount
    ) internal pure returns (Position[] memory ps) {
        ps = new Position[](2);
        ps[0] = Position(debtor, NettingLeaf.NET_DEBTOR, amount);
        ps[1] = Position(creditor, NettingLeaf.NET_CREDITOR, amount);
    }
}
