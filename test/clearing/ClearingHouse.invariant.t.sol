// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {ClearingHouse} from "../../contracts/ClearingHouse.sol";
import {IClearingHouse} from "../../contracts/interfaces/IClearingHouse.sol";
import {IClearingHouseSignedDebits} from "../../contracts/interfaces/IClearingHouseSignedDebits.sol";
import {ICore4MicaSettlement} from "../../contracts/interfaces/ICore4MicaSettlement.sol";
import {CycleSchedule} from "../../contracts/libraries/CycleSchedule.sol";
import {NettingLeaf} from "../../contracts/libraries/NettingLeaf.sol";
import {MockCore4MicaSettlement} from "../../contracts/mocks/MockCore4MicaSettlement.sol";
import {vm} from "../utils/Vm.sol";
import {ClearingHouseFixture} from "./utils/ClearingHouseFixture.sol";
import {MerkleHelper} from "./utils/MerkleHelper.sol";
import {SettlementBatch, SettlementBatches} from "./utils/SettlementBatch.sol";
import {AcceptAllWallet} from "./utils/Actors.sol";
import {MockERC20} from "../../contracts/mocks/MockERC20.sol";

/// @dev Drives random cycles through a ClearingHouse: commits (ETH or token, 1-3 debtors and creditors, some
///      with a tree that overstates credits), payments, settlements from collateral (any subset of the debtors in
///      one batch), deposits, defaults, claims (single, and batches of any subset of the creditors), finalization
///      and time. Keeps ghost totals of what moved.
contract ClearingHouseHandler {
    struct Leaf {
        address participant;
        uint8 role;
        uint256 amount;
    }

    struct Committed {
        uint256 cycleId;
        address asset;
    }

    ClearingHouse public immutable ch;
    MockCore4MicaSettlement public immutable vault;
    MockERC20 public immutable token;

    address[3] public debtors = [address(0xD1), address(0xD2), address(0xD3)];
    address[3] public creditors = [address(0xC1), address(0xC2), address(0xC3)];

    Committed[] public committed;
    mapping(bytes32 key => Leaf[]) private _leaves;
    mapping(bytes32 key => bytes32[]) private _trees;

    mapping(bytes32 key => uint256) public ghostIn;
    mapping(bytes32 key => uint256) public ghostOut;
    mapping(bytes32 key => mapping(address participant => uint256)) public ghostSettlements;
    mapping(address creditor => mapping(address asset => uint256)) public ghostReceived;
    mapping(bytes32 key => uint256) public ghostFromCollateral;
    mapping(bytes32 key => uint256) public ghostPaid;
    mapping(address asset => uint256) public ghostDeposited;
    mapping(address asset => uint256) public ghostVaultOut;
    uint256 public calls;

    constructor(ClearingHouse ch_, MockCore4MicaSettlement vault_, MockERC20 token_) {
        ch = ch_;
        vault = vault_;
        token = token_;
    }

    function committedCount() external view returns (uint256) {
        return committed.length;
    }

    function key(uint256 cycleId, address asset) public pure returns (bytes32) {
        return keccak256(abi.encode(cycleId, asset));
    }

    // Actions ---------------------------------------------------------------------------------------------------

    function commit(uint256 seed, bool useToken, bool overstate) external {
        ++calls;
        if (committed.length >= 8) return;
        uint256 cycleId = ch.currentCycle();
        address asset = useToken ? address(token) : address(0);
        if (ch.getCycle(cycleId, asset).committed) ++cycleId;
        if (ch.getCycle(cycleId, asset).committed) return;
        CycleSchedule.Deadlines memory d = ch.cycleDeadlines(cycleId);
        vm.warp(d.resolutionCutoff + (seed % 60));

        bytes32 k = key(cycleId, asset);
        uint256 nd = 1 + (seed % 3);
        uint256 nc = 1 + ((seed >> 8) % 3);
        uint256 total = 0;
        for (uint256 i = 0; i < nd; ++i) {
            uint256 a = 1 + ((seed >> (16 + 24 * i)) % 1e6);
            _leaves[k].push(Leaf(debtors[i], NettingLeaf.NET_DEBTOR, a));
            total += a;
        }
        // Creditors split `total` (the last takes the rest); an overstated tree doubles every credit leaf.
        uint256 left = total;
        for (uint256 i = 0; i < nc; ++i) {
            uint256 a = i + 1 == nc ? left : (left > nc - i ? 1 + ((seed >> (100 + 20 * i)) % (left - (nc - i))) : 1);
            if (a > left) a = left;
            if (a == 0) return; // too little to split: skip this commit
            left -= a;
            _leaves[k].push(Leaf(creditors[i], NettingLeaf.NET_CREDITOR, overstate ? 2 * a : a));
        }
        bytes32[] memory hashes = new bytes32[](_leaves[k].length);
        for (uint256 i = 0; i < hashes.length; ++i) {
            Leaf memory l = _leaves[k][i];
            hashes[i] = NettingLeaf.hash(block.chainid, address(ch), cycleId, asset, l.participant, l.role, l.amount);
        }
        bytes32[] memory tree = MerkleHelper.build(hashes);
        _trees[k] = tree;
        ch.commitCycle(
            cycleId,
            asset,
            tree[0],
            total,
            total,
            uint32(nd),
            uint32(nc),
            0,
            new ICore4MicaSettlement.NettedGuarantee[](0)
        );
        committed.push(Committed(cycleId, asset));
        // Each debtor proves (as an accept-all ERC-1271 wallet) one signed request of its net debit.
        for (uint256 i = 0; i < nd; ++i) {
            Leaf memory l = _leaves[k][i];
            if (l.participant.code.length == 0) vm.etch(l.participant, type(AcceptAllWallet).runtimeCode);
            IClearingHouseSignedDebits.SignedRequestV1[] memory rs = new IClearingHouseSignedDebits.SignedRequestV1[](
                1
            );
            rs[0] = IClearingHouseSignedDebits.SignedRequestV1(address(0xBEEF), 1, l.amount, uint64(d.start), "");
            ch.proveSignedRequests(cycleId, asset, l.participant, rs);
        }
    }

    function pay(uint256 which, uint256 who) external {
        ++calls;
        (bool ok, Committed memory c, Leaf memory l, bytes32[] memory proof) = _pick(
            which,
            who,
            NettingLeaf.NET_DEBTOR
        );
        if (!ok) return;
        bytes32 k = key(c.cycleId, c.asset);
        uint256 value = 0;
        if (c.asset == address(0)) {
            vm.deal(l.participant, l.amount);
            value = l.amount;
        } else {
            token.mint(l.participant, l.amount);
            vm.prank(l.participant);
            token.approve(address(ch), l.amount);
        }
        vm.prank(l.participant);
        try ch.payNetDebit{value: value}(c.cycleId, c.asset, l.participant, l.amount, proof) {
            ghostIn[k] += l.amount;
            ghostPaid[k] += l.amount;
            ++ghostSettlements[k][l.participant];
        } catch {}
    }

    function deposit(uint256 who, uint256 amount, bool useToken) external {
        ++calls;
        address user = debtors[who % 3];
        amount = amount % 2e6;
        if (useToken) {
            token.mint(address(this), amount);
            token.approve(address(vault), amount);
            vault.deposit(user, address(token), amount);
        } else {
            vm.deal(address(this), amount);
            vault.deposit{value: amount}(user, address(0), amount);
        }
        ghostDeposited[useToken ? address(token) : address(0)] += amount;
    }

    /// @dev One `settleNetDebitsFromCollateral` batch of the debtors of a committed cycle selected by `mask`, in the
    ///      order of its multiproof. The debtors are accept-all wallets, so any signature passes (ERC-1271, after
    ///      the empty signature fails ECDSA).
    function settle(uint256 which, uint8 mask) external {
        ++calls;
        if (committed.length == 0) return;
        Committed memory c = committed[which % committed.length];
        bytes32 k = key(c.cycleId, c.asset);
        Leaf[] storage ls = _leaves[k];
        uint256 n = 0;
        for (uint256 i = 0; i < ls.length; ++i) if (ls[i].role == NettingLeaf.NET_DEBTOR && mask & (1 << i) != 0) ++n;
        IClearingHouse.CollateralSettlement[] memory list = new IClearingHouse.CollateralSettlement[](n);
        uint256[] memory before = new uint256[](n);
        uint256 j = 0;
        for (uint256 i = 0; i < ls.length; ++i) {
            Leaf memory l = ls[i];
            if (l.role != NettingLeaf.NET_DEBTOR || mask & (1 << i) == 0) continue;
            list[j++] = IClearingHouse.CollateralSettlement(l.participant, l.amount, "");
        }
        // The multiproof orders the batch; the balances are recorded in that order.
        SettlementBatch memory b = SettlementBatches.build(address(ch), _trees[k], c.cycleId, c.asset, list);
        list = b.settlements;
        for (uint256 i = 0; i < n; ++i) before[i] = vault.collateral(list[i].debtor, c.asset);
        try ch.settleNetDebitsFromCollateral(c.cycleId, c.asset, list, b.proof, b.proofFlags) returns (
            uint256 settled
        ) {
            uint256 taken = 0;
            for (uint256 i = 0; i < n; ++i) {
                uint256 delta = before[i] - vault.collateral(list[i].debtor, c.asset);
                require(delta == 0 || delta == list[i].amount, "all or nothing per debtor");
                if (delta != 0) ++ghostSettlements[k][list[i].debtor];
                taken += delta;
            }
            require(taken == settled, "settled = what the vault lost");
            ghostIn[k] += taken;
            ghostFromCollateral[k] += taken;
            ghostVaultOut[c.asset] += taken;
        } catch {}
    }

    /// @dev One `claimNetCredits` batch of the creditors of a committed cycle selected by `mask` (leaf order).
    function claimBatch(uint256 which, uint8 mask) external {
        ++calls;
        if (committed.length == 0) return;
        Committed memory c = committed[which % committed.length];
        bytes32 k = key(c.cycleId, c.asset);
        Leaf[] storage ls = _leaves[k];
        uint256 n = 0;
        for (uint256 i = 0; i < ls.length; ++i) if (ls[i].role == NettingLeaf.NET_CREDITOR && mask & (1 << i) != 0) ++n;
        IClearingHouse.CreditClaim[] memory list = new IClearingHouse.CreditClaim[](n);
        uint256[] memory before = new uint256[](n);
        uint256 j = 0;
        for (uint256 i = 0; i < ls.length; ++i) {
            Leaf memory l = ls[i];
            if (l.role != NettingLeaf.NET_CREDITOR || mask & (1 << i) == 0) continue;
            bytes32 h = NettingLeaf.hash(
                block.chainid,
                address(ch),
                c.cycleId,
                c.asset,
                l.participant,
                l.role,
                l.amount
            );
            list[j] = IClearingHouse.CreditClaim(l.participant, l.amount, MerkleHelper.proof(_trees[k], h));
            before[j++] = _balanceOf(l.participant, c.asset);
        }
        try ch.claimNetCredits(c.cycleId, c.asset, list) returns (uint256 paid) {
            uint256 received = 0;
            for (uint256 i = 0; i < n; ++i) {
                uint256 delta = _balanceOf(list[i].creditor, c.asset) - before[i];
                ghostReceived[list[i].creditor][c.asset] += delta;
                ++ghostSettlements[k][list[i].creditor];
                received += delta;
            }
            require(received == paid, "paid = what the creditors received");
            ghostOut[k] += paid;
        } catch {}
    }

    function _balanceOf(address who, address asset) internal view returns (uint256) {
        return asset == address(0) ? who.balance : token.balanceOf(who);
    }

    function markDefaulted(uint256 which, uint256 who) external {
        ++calls;
        (bool ok, Committed memory c, Leaf memory l, bytes32[] memory proof) = _pick(
            which,
            who,
            NettingLeaf.NET_DEBTOR
        );
        if (!ok) return;
        bytes32 k = key(c.cycleId, c.asset);
        uint256 before = vault.collateral(l.participant, c.asset);
        IClearingHouse.DefaultClaim[] memory claims = new IClearingHouse.DefaultClaim[](1);
        claims[0] = IClearingHouse.DefaultClaim(l.participant, l.amount, proof, address(this));
        try ch.markDefaulted(c.cycleId, c.asset, claims) {
            ghostIn[k] += before - vault.collateral(l.participant, c.asset);
            ghostVaultOut[c.asset] += before - vault.collateral(l.participant, c.asset);
            ++ghostSettlements[k][l.participant];
        } catch {}
    }

    function claim(uint256 which, uint256 who) external {
        ++calls;
        (bool ok, Committed memory c, Leaf memory l, bytes32[] memory proof) = _pick(
            which,
            who,
            NettingLeaf.NET_CREDITOR
        );
        if (!ok) return;
        bytes32 k = key(c.cycleId, c.asset);
        try ch.claimNetCredit(c.cycleId, c.asset, l.participant, l.amount, proof) returns (uint256 paid) {
            ghostOut[k] += paid;
            ghostReceived[l.participant][c.asset] += paid;
            ++ghostSettlements[k][l.participant];
        } catch {}
    }

    function finalize(uint256 which) external {
        ++calls;
        if (committed.length == 0) return;
        Committed memory c = committed[which % committed.length];
        try ch.finalizeCycle(c.cycleId, c.asset) {} catch {}
    }

    function warp(uint256 dt) external {
        ++calls;
        vm.warp(block.timestamp + (dt % 3 hours));
    }

    function _pick(
        uint256 which,
        uint256 who,
        uint8 role
    ) internal view returns (bool ok, Committed memory c, Leaf memory l, bytes32[] memory proof) {
        if (committed.length == 0) return (false, c, l, proof);
        c = committed[which % committed.length];
        bytes32 k = key(c.cycleId, c.asset);
        Leaf[] storage ls = _leaves[k];
        uint256 n = ls.length;
        for (uint256 i = 0; i < n; ++i) {
            Leaf memory candidate = ls[(who + i) % n];
            if (candidate.role == role) {
                l = candidate;
                bytes32 h = NettingLeaf.hash(
                    block.chainid,
                    address(ch),
                    c.cycleId,
                    c.asset,
                    l.participant,
                    role,
                    l.amount
                );
                return (true, c, l, MerkleHelper.proof(_trees[k], h));
            }
        }
    }

    receive() external payable {}
}

contract ClearingHouseInvariantTest is ClearingHouseFixture {
    struct FuzzSelector {
        address addr;
        bytes4[] selectors;
    }

    ClearingHouseHandler internal handler;

    function setUp() public override {
        super.setUp();
        handler = new ClearingHouseHandler(ch, vault, token);
        manager.grantRole(OPERATOR_ROLE, address(handler), 0);
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    function targetSelectors() public view returns (FuzzSelector[] memory targets) {
        bytes4[] memory selectors = new bytes4[](9);
        selectors[0] = ClearingHouseHandler.commit.selector;
        selectors[1] = ClearingHouseHandler.pay.selector;
        selectors[2] = ClearingHouseHandler.deposit.selector;
        selectors[3] = ClearingHouseHandler.markDefaulted.selector;
        selectors[4] = ClearingHouseHandler.claim.selector;
        selectors[5] = ClearingHouseHandler.finalize.selector;
        selectors[6] = ClearingHouseHandler.warp.selector;
        selectors[7] = ClearingHouseHandler.settle.selector;
        selectors[8] = ClearingHouseHandler.claimBatch.selector;
        targets = new FuzzSelector[](1);
        targets[0] = FuzzSelector(address(handler), selectors);
    }

    /// @dev Per (cycle, asset): paid out never exceeds paid in plus covered, and the contract's view agrees with
    ///      what actually moved.
    function invariant_paidOutNeverExceedsPaidInPlusCovered() external view {
        uint256 n = handler.committedCount();
        for (uint256 i = 0; i < n; ++i) {
            (uint256 cycleId, address asset) = handler.committed(i);
            IClearingHouse.CycleState memory s = ch.getCycle(cycleId, asset);
            bytes32 k = handler.key(cycleId, asset);
            require(s.claimedOut <= s.paidIn + s.covered, "out <= in");
            require(s.paidIn + s.covered == handler.ghostIn(k), "in matches what moved");
            require(s.claimedOut == handler.ghostOut(k), "out matches what moved");
        }
    }

    /// @dev Each cycle's creditors are paid only from that cycle: the ClearingHouse holds exactly the sum over
    ///      (cycle, asset) of what came in minus what went out, per asset.
    function invariant_cyclesNeverTouchEachOthersFunds() external view {
        uint256 n = handler.committedCount();
        uint256 eth = 0;
        uint256 tok = 0;
        for (uint256 i = 0; i < n; ++i) {
            (uint256 cycleId, address asset) = handler.committed(i);
            IClearingHouse.CycleState memory s = ch.getCycle(cycleId, asset);
            uint256 held = s.paidIn + s.covered - s.claimedOut;
            if (asset == ETH) eth += held;
            else tok += held;
        }
        require(address(ch).balance == eth, "ETH held == sum of per-cycle balances");
        require(token.balanceOf(address(ch)) == tok, "token held == sum of per-cycle balances");
    }

    /// @dev Nobody is settled twice in a cycle: one payment or default per debtor, one claim per creditor.
    function invariant_nothingIsPaidTwice() external view {
        uint256 n = handler.committedCount();
        for (uint256 i = 0; i < n; ++i) {
            (uint256 cycleId, address asset) = handler.committed(i);
            bytes32 k = handler.key(cycleId, asset);
            for (uint256 j = 0; j < 3; ++j) {
                require(handler.ghostSettlements(k, handler.debtors(j)) <= 1, "debtor once");
                require(handler.ghostSettlements(k, handler.creditors(j)) <= 1, "creditor once");
            }
        }
    }

    /// @dev The vault's collateral (over every user and asset) decreases by exactly what the ClearingHouse received
    ///      from it (seizures and settlements from collateral), and what was settled from collateral is counted in
    ///      `paidIn`: `funded == paid in by payNetDebit + covered + settled from collateral`.
    function invariant_vaultLosesExactlyWhatTheClearingHouseReceived() external view {
        for (uint256 a = 0; a < 2; ++a) {
            address asset = a == 0 ? ETH : address(token);
            uint256 sum = 0;
            for (uint256 j = 0; j < 3; ++j) sum += vault.collateral(handler.debtors(j), asset);
            require(sum + handler.ghostVaultOut(asset) == handler.ghostDeposited(asset), "collateral = deposits - out");
        }
        uint256 n = handler.committedCount();
        for (uint256 i = 0; i < n; ++i) {
            (uint256 cycleId, address asset) = handler.committed(i);
            bytes32 k = handler.key(cycleId, asset);
            IClearingHouse.CycleState memory s = ch.getCycle(cycleId, asset);
            require(s.paidIn == handler.ghostPaid(k) + handler.ghostFromCollateral(k), "paidIn = paid + settled");
        }
    }

    /// @dev The counts follow the flags: `resolvedDebtors` is the number of debtors paid, settled or defaulted,
    ///      `claimedCreditors` the number of creditors paid (single or batched), never above `creditorCount`, and
    ///      every claimed creditor reads `claimed` (flag, or derived after a closing batch).
    function invariant_countsMatchWhoWasSettled() external view {
        uint256 n = handler.committedCount();
        for (uint256 i = 0; i < n; ++i) {
            (uint256 cycleId, address asset) = handler.committed(i);
            bytes32 k = handler.key(cycleId, asset);
            IClearingHouse.CycleState memory s = ch.getCycle(cycleId, asset);
            uint256 resolved = 0;
            uint256 claimed = 0;
            for (uint256 j = 0; j < 3; ++j) {
                resolved += handler.ghostSettlements(k, handler.debtors(j));
                uint256 times = handler.ghostSettlements(k, handler.creditors(j));
                claimed += times;
                if (times != 0) require(ch.getParticipant(cycleId, asset, handler.creditors(j)).claimed, "claimed");
            }
            require(s.resolvedDebtors == resolved, "resolvedDebtors");
            require(s.claimedCreditors == claimed && s.claimedCreditors <= s.creditorCount, "claimedCreditors");
        }
    }
}
