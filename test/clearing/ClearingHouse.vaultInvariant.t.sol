// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {ClearingHouse} from "../../contracts/ClearingHouse.sol";
import {Core4Mica} from "../../contracts/Core4Mica.sol";
import {IClearingHouse} from "../../contracts/interfaces/IClearingHouse.sol";
import {IClearingHouseSignedDebits} from "../../contracts/interfaces/IClearingHouseSignedDebits.sol";
import {ICore4MicaSettlement} from "../../contracts/interfaces/ICore4MicaSettlement.sol";
import {CycleSchedule} from "../../contracts/libraries/CycleSchedule.sol";
import {GuaranteeIds} from "../../contracts/libraries/GuaranteeIds.sol";
import {GuaranteeRequest} from "../../contracts/libraries/GuaranteeRequest.sol";
import {Guarantee, GuaranteeV2} from "../../contracts/libraries/GuaranteeTypes.sol";
import {NettingLeaf} from "../../contracts/libraries/NettingLeaf.sol";
import {vm} from "../utils/Vm.sol";
import {ClearingHouseVaultFixture} from "./utils/ClearingHouseVaultFixture.sol";
import {MerkleHelper} from "./utils/MerkleHelper.sol";

/// @dev A hostile operator against the real vault and ClearingHouse: it commits arbitrary trees (any debtor, any
///      amount, the attacker as creditor) and arbitrary V2 lists (payer-signed ones mixed with forged ones), while
///      payers deposit, sign V1 and V2 requests and withdraw, debtors pay or authorize a settlement from collateral
///      (which the operator submits, or replaces by a forged one), keepers prove and default, creditors claim
///      (single or batched). ETH only. Ghosts record what each payer signed per cycle and every movement of
///      collateral.
contract HostileOperatorHandler {
    uint256 internal constant PAYERS = 3;
    address internal constant OPERATOR = address(0x09E7A7);
    address internal constant ATTACKER = address(0xA77AC);
    address internal constant RECIPIENT = address(0xBEEF);

    struct Leaf {
        address participant;
        uint8 role;
        uint256 amount;
    }

    ClearingHouse public immutable ch;
    Core4Mica public immutable vault;
    uint256[PAYERS] internal keys;
    address[PAYERS] public payers;

    uint256[] public committedCycles;
    mapping(uint256 cycleId => Leaf[]) internal _leaves;
    mapping(uint256 cycleId => bytes32[]) internal _trees;

    /// @dev Signed V1 requests per (cycle, payer), not yet proven.
    mapping(uint256 cycleId => mapping(uint256 p => IClearingHouseSignedDebits.SignedRequestV1[])) internal _v1;
    mapping(uint256 cycleId => mapping(uint256 p => bool)) public proven;
    /// @dev Signed V2 guarantees not yet netted.
    ICore4MicaSettlement.NettedGuarantee[] internal _pendingV2;
    uint256 internal _nonce;

    mapping(uint256 cycleId => mapping(address payer => uint256)) public ghostSigned;
    mapping(uint256 cycleId => mapping(address payer => uint256)) public ghostSeized;
    mapping(address payer => uint256) public ghostDeposited;
    mapping(address payer => uint256) public ghostWithdrawn;
    mapping(address payer => uint256) public ghostSeizedTotal;
    uint256 public ghostPaidIn;
    uint256 public ghostSeizedIn;
    uint256 public ghostClaimedOut;
    bytes32[] public forgedIds;
    bool public forgedAccepted;
    /// @dev The debtor's authorization per cycle (of its leaf amount), once it gave one.
    mapping(uint256 cycleId => bytes) internal _authorizations;
    mapping(uint256 cycleId => mapping(address payer => uint256)) public ghostAuthorized;
    mapping(uint256 cycleId => mapping(address payer => uint256)) public ghostSettled;
    mapping(address payer => uint256) public ghostSettledTotal;
    uint256 public ghostSettledIn;
    bool public forgedSettlementAccepted;
    uint256 public calls;

    constructor(ClearingHouse ch_, Core4Mica vault_, uint256[PAYERS] memory keys_) {
        ch = ch_;
        vault = vault_;
        keys = keys_;
        for (uint256 i = 0; i < PAYERS; ++i) payers[i] = vm.addr(keys_[i]);
    }

    function committedCount() external view returns (uint256) {
        return committedCycles.length;
    }

    function forgedCount() external view returns (uint256) {
        return forgedIds.length;
    }

    // ---------------------------------------------------------------- payers

    function deposit(uint256 who, uint256 amount) external {
        ++calls;
        address p = payers[who % PAYERS];
        amount = 1 + (amount % 5 ether);
        vm.deal(p, amount);
        vm.prank(p);
        vault.deposit{value: amount}(address(0), amount);
        ghostDeposited[p] += amount;
    }

    function signV1(uint256 who, uint256 amount) external {
        ++calls;
        uint256 i = who % PAYERS;
        amount = 1 + (amount % 2 ether);
        uint256 cycleId = ch.currentCycle();
        if (proven[cycleId][i]) return;
        uint256 reqId = ++_nonce;
        Guarantee memory g;
        g.user = payers[i];
        g.recipient = RECIPIENT;
        g.reqId = reqId;
        g.amount = amount;
        g.timestamp = uint64(block.timestamp);
        bytes32 digest = vault.payerRequestDigest(GuaranteeRequest.hashV1(g));
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(keys[i], digest);
        _v1[cycleId][i].push(
            IClearingHouseSignedDebits.SignedRequestV1(RECIPIENT, reqId, amount, g.timestamp, abi.encodePacked(r, s, v))
        );
        ghostSigned[cycleId][payers[i]] += amount;
    }

    function signV2(uint256 who, uint256 amount) external {
        ++calls;
        if (_pendingV2.length >= 4) return;
        uint256 i = who % PAYERS;
        GuaranteeV2 memory g = _v2(payers[i], 1 + (amount % 2 ether), ++_nonce);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(keys[i], vault.payerRequestDigest(GuaranteeRequest.hashV2(g)));
        _pendingV2.push(ICore4MicaSettlement.NettedGuarantee(2, abi.encode(g), abi.encodePacked(r, s, v)));
    }

    function requestWithdrawal(uint256 who, uint256 amount) external {
        ++calls;
        address p = payers[who % PAYERS];
        uint256 available = vault.collateral(p, address(0));
        if (available == 0) return;
        vm.prank(p);
        vault.requestWithdrawal(address(0), 1 + (amount % available));
    }

    function finalizeWithdrawal(uint256 who) external {
        ++calls;
        address p = payers[who % PAYERS];
        uint256 before = p.balance;
        vm.prank(p);
        try vault.finalizeWithdrawal(address(0)) returns (uint256 paid) {
            require(p.balance == before + paid, "paid to the payer itself");
            ghostWithdrawn[p] += paid;
        } catch {}
    }

    // ---------------------------------------------------------------- the hostile operator

    /// @dev Commits the current cycle with an arbitrary tree: a random payer owes a random amount (unrelated to
    ///      what it signed), split between the attacker and the recipient; first tries with a forged V2 guarantee
    ///      (the payer never signed it), which must revert, then with the signed pending ones.
    function commit(uint256 seed) external {
        ++calls;
        if (committedCycles.length >= 6) return;
        uint256 cycleId = ch.currentCycle();
        CycleSchedule.Deadlines memory d = ch.cycleDeadlines(cycleId);
        vm.warp(d.resolutionCutoff + (seed % 10 minutes));

        address debtor = payers[seed % PAYERS];
        uint256 amount = 1 + ((seed >> 8) % 8 ether);
        uint256 toAttacker = (seed >> 80) % (amount + 1);
        Leaf[] storage ls = _leaves[cycleId];
        ls.push(Leaf(debtor, NettingLeaf.NET_DEBTOR, amount));
        uint32 creditors = 1;
        if (toAttacker == amount || toAttacker == 0) {
            ls.push(Leaf(ATTACKER, NettingLeaf.NET_CREDITOR, amount));
        } else {
            ls.push(Leaf(ATTACKER, NettingLeaf.NET_CREDITOR, toAttacker));
            ls.push(Leaf(RECIPIENT, NettingLeaf.NET_CREDITOR, amount - toAttacker));
            creditors = 2;
        }
        bytes32[] memory hashes = new bytes32[](ls.length);
        for (uint256 i = 0; i < ls.length; ++i) {
            hashes[i] = NettingLeaf.hash(
                block.chainid,
                address(ch),
                cycleId,
                address(0),
                ls[i].participant,
                ls[i].role,
                ls[i].amount
            );
        }
        bytes32[] memory tree = MerkleHelper.build(hashes);
        _trees[cycleId] = tree;

        // A forged V2 guarantee in a signed payer's name: the commit must refuse it.
        GuaranteeV2 memory forged = _v2(debtor, amount, ++_nonce);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(0xBAD, vault.payerRequestDigest(GuaranteeRequest.hashV2(forged)));
        ICore4MicaSettlement.NettedGuarantee[] memory withForged = new ICore4MicaSettlement.NettedGuarantee[](1);
        withForged[0] = ICore4MicaSettlement.NettedGuarantee(2, abi.encode(forged), abi.encodePacked(r, s, v));
        forgedIds.push(GuaranteeIds.idOf(vault.requestDomainSeparator(), debtor, RECIPIENT, address(0), forged.reqId));
        vm.prank(OPERATOR);
        try ch.commitCycle(cycleId, address(0), tree[0], amount, amount, 1, creditors, 0, withForged) {
            forgedAccepted = true;
            return;
        } catch {}

        uint256 n = _pendingV2.length;
        ICore4MicaSettlement.NettedGuarantee[] memory v2 = new ICore4MicaSettlement.NettedGuarantee[](n);
        for (uint256 i = 0; i < n; ++i) v2[i] = _pendingV2[i];
        vm.prank(OPERATOR);
        try ch.commitCycle(cycleId, address(0), tree[0], amount, amount, 1, creditors, 0, v2) {
            delete _pendingV2;
            committedCycles.push(cycleId);
        } catch {
            delete _leaves[cycleId];
        }
    }

    // ---------------------------------------------------------------- keepers, debtors, creditors

    function prove(uint256 which, uint256 who) external {
        ++calls;
        if (committedCycles.length == 0) return;
        uint256 cycleId = committedCycles[which % committedCycles.length];
        uint256 i = who % PAYERS;
        if (proven[cycleId][i]) return;
        proven[cycleId][i] = true;
        IClearingHouseSignedDebits.SignedRequestV1[] storage all = _v1[cycleId][i];
        uint256 n = all.length;
        if (n == 0) return;
        bytes32 domain = vault.requestDomainSeparator();
        IClearingHouseSignedDebits.SignedRequestV1[] memory rs = new IClearingHouseSignedDebits.SignedRequestV1[](n);
        bytes32[] memory ids = new bytes32[](n);
        for (uint256 k = 0; k < n; ++k) {
            rs[k] = all[k];
            ids[k] = GuaranteeIds.idOf(domain, payers[i], rs[k].recipient, address(0), rs[k].reqId);
        }
        for (uint256 a = 1; a < n; ++a) {
            for (uint256 b = a; b > 0 && uint256(ids[b - 1]) > uint256(ids[b]); --b) {
                (ids[b - 1], ids[b]) = (ids[b], ids[b - 1]);
                (rs[b - 1], rs[b]) = (rs[b], rs[b - 1]);
            }
        }
        ch.proveSignedRequests(cycleId, address(0), payers[i], rs);
    }

    function pay(uint256 which) external {
        ++calls;
        if (committedCycles.length == 0) return;
        uint256 cycleId = committedCycles[which % committedCycles.length];
        Leaf memory l = _leaves[cycleId][0];
        vm.deal(address(this), l.amount);
        try ch.payNetDebit{value: l.amount}(cycleId, address(0), l.participant, l.amount, _proofOf(cycleId, 0)) {
            ghostPaidIn += l.amount;
        } catch {}
    }

    function markDefaulted(uint256 which, uint256 delay) external {
        ++calls;
        if (committedCycles.length == 0) return;
        uint256 cycleId = committedCycles[which % committedCycles.length];
        uint256 deadline = ch.getCycle(cycleId, address(0)).paymentDeadline;
        if (block.timestamp <= deadline) vm.warp(deadline + 1 + (delay % 2 hours));
        Leaf memory l = _leaves[cycleId][0];
        IClearingHouse.DefaultClaim[] memory claims = new IClearingHouse.DefaultClaim[](1);
        claims[0] = IClearingHouse.DefaultClaim(l.participant, l.amount, _proofOf(cycleId, 0), address(this));
        uint256 before = vault.collateral(l.participant, address(0));
        try ch.markDefaulted(cycleId, address(0), claims) {
            uint256 seized = before - vault.collateral(l.participant, address(0));
            ghostSeized[cycleId][l.participant] += seized;
            ghostSeizedTotal[l.participant] += seized;
            ghostSeizedIn += seized;
        } catch {}
    }

    function claim(uint256 which, uint256 leafSeed) external {
        ++calls;
        if (committedCycles.length == 0) return;
        uint256 cycleId = committedCycles[which % committedCycles.length];
        Leaf[] storage ls = _leaves[cycleId];
        uint256 k = 1 + (leafSeed % (ls.length - 1));
        Leaf memory l = ls[k];
        uint256 before = l.participant.balance;
        try ch.claimNetCredit(cycleId, address(0), l.participant, l.amount, _proofOf(cycleId, k)) returns (
            uint256 paid
        ) {
            require(l.participant.balance == before + paid, "paid to the creditor");
            ghostClaimedOut += paid;
        } catch {}
    }

    /// @dev The debtor of a committed cycle authorizes paying its net debit (its leaf amount) from collateral.
    function authorize(uint256 which) external {
        ++calls;
        if (committedCycles.length == 0) return;
        uint256 cycleId = committedCycles[which % committedCycles.length];
        Leaf memory l = _leaves[cycleId][0];
        uint256 k = _keyIndex(l.participant);
        bytes32 digest = ch.netDebitSettlementDigest(cycleId, address(0), l.participant, l.amount);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(keys[k], digest);
        _authorizations[cycleId] = abi.encodePacked(r, s, v);
        ghostAuthorized[cycleId][l.participant] = l.amount;
    }

    /// @dev The operator submits the debtor's settlement: with its authorization, or (`forge`) with a signature of
    ///      its own making (another key, or the debtor's signature of another cycle), which must never pass.
    function settle(uint256 which, uint256 forge) external {
        ++calls;
        if (committedCycles.length == 0) return;
        uint256 cycleId = committedCycles[which % committedCycles.length];
        Leaf memory l = _leaves[cycleId][0];
        bytes memory sig = _authorizations[cycleId];
        bool forged = forge % 3 != 0;
        if (forged) {
            uint256 otherCycle = cycleId + 1 + (forge % 5);
            bytes32 digest =
                forge % 3 == 1
                    ? ch.netDebitSettlementDigest(cycleId, address(0), l.participant, l.amount)
                    : ch.netDebitSettlementDigest(otherCycle, address(0), l.participant, l.amount);
            (uint8 v, bytes32 r, bytes32 s) = vm.sign(forge % 3 == 1 ? 0xBAD : keys[_keyIndex(l.participant)], digest);
            sig = abi.encodePacked(r, s, v);
        } else if (sig.length == 0) {
            return;
        }
        IClearingHouse.CollateralSettlement[] memory list = new IClearingHouse.CollateralSettlement[](1);
        list[0] = IClearingHouse.CollateralSettlement(l.participant, l.amount, sig);
        // A one-leaf multiproof: the leaf's path as proof hashes, every flag false.
        bytes32[] memory proof = _proofOf(cycleId, 0);
        bool[] memory flags = new bool[](proof.length);
        uint256 before = vault.collateral(l.participant, address(0));
        vm.prank(OPERATOR);
        try ch.settleNetDebitsFromCollateral(cycleId, address(0), list, proof, flags) returns (uint256 settled) {
            if (forged) forgedSettlementAccepted = true;
            uint256 taken = before - vault.collateral(l.participant, address(0));
            require(taken == settled, "settled = what the vault lost");
            ghostSettled[cycleId][l.participant] += taken;
            ghostSettledTotal[l.participant] += taken;
            ghostSettledIn += taken;
        } catch {}
    }

    /// @dev Every creditor of a committed cycle in one batch (leaves 1.., at most two, put in address order).
    function claimBatch(uint256 which) external {
        ++calls;
        if (committedCycles.length == 0) return;
        uint256 cycleId = committedCycles[which % committedCycles.length];
        Leaf[] storage ls = _leaves[cycleId];
        IClearingHouse.CreditClaim[] memory list = new IClearingHouse.CreditClaim[](ls.length - 1);
        for (uint256 k = 1; k < ls.length; ++k) {
            list[k - 1] = IClearingHouse.CreditClaim(ls[k].participant, ls[k].amount, _proofOf(cycleId, k));
        }
        if (list.length == 2 && list[0].creditor > list[1].creditor) (list[0], list[1]) = (list[1], list[0]);
        try ch.claimNetCredits(cycleId, address(0), list) returns (uint256 paid) {
            ghostClaimedOut += paid;
        } catch {}
    }

    function warp(uint256 dt) external {
        ++calls;
        vm.warp(block.timestamp + (dt % 3 days));
    }

    // ---------------------------------------------------------------- helpers

    function _keyIndex(address p) internal view returns (uint256 k) {
        while (payers[k] != p) ++k;
    }

    function _proofOf(uint256 cycleId, uint256 k) internal view returns (bytes32[] memory) {
        Leaf memory l = _leaves[cycleId][k];
        bytes32 h = NettingLeaf.hash(block.chainid, address(ch), cycleId, address(0), l.participant, l.role, l.amount);
        return MerkleHelper.proof(_trees[cycleId], h);
    }

    function _v2(address user, uint256 amount, uint256 reqId) internal view returns (GuaranteeV2 memory g) {
        g.version = 2;
        g.user = user;
        g.recipient = RECIPIENT;
        g.reqId = reqId;
        g.amount = amount;
        g.timestamp = uint64(block.timestamp);
        g.validationRegistry = address(0x7E61);
        g.validationChainId = uint64(block.chainid);
        g.minValidationScore = 80;
        g.jobHash = keccak256("job");
    }

    receive() external payable {}
}

contract ClearingHouseHostileOperatorInvariantTest is ClearingHouseVaultFixture {
    struct FuzzSelector {
        address addr;
        bytes4[] selectors;
    }

    HostileOperatorHandler internal handler;

    function setUp() public override {
        super.setUp();
        handler = new HostileOperatorHandler(ch, vault, [PAYER_PK, OTHER_PK, uint256(0xC0C0)]);
        manager.grantRole(OPERATOR_ROLE, address(handler), 0);
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    function targetSelectors() public view returns (FuzzSelector[] memory targets) {
        bytes4[] memory s = new bytes4[](14);
        s[0] = HostileOperatorHandler.deposit.selector;
        s[1] = HostileOperatorHandler.signV1.selector;
        s[2] = HostileOperatorHandler.signV2.selector;
        s[3] = HostileOperatorHandler.requestWithdrawal.selector;
        s[4] = HostileOperatorHandler.finalizeWithdrawal.selector;
        s[5] = HostileOperatorHandler.commit.selector;
        s[6] = HostileOperatorHandler.prove.selector;
        s[7] = HostileOperatorHandler.pay.selector;
        s[8] = HostileOperatorHandler.markDefaulted.selector;
        s[9] = HostileOperatorHandler.claim.selector;
        s[10] = HostileOperatorHandler.warp.selector;
        s[11] = HostileOperatorHandler.authorize.selector;
        s[12] = HostileOperatorHandler.settle.selector;
        s[13] = HostileOperatorHandler.claimBatch.selector;
        targets = new FuzzSelector[](1);
        targets[0] = FuzzSelector(address(handler), s);
    }

    /// @dev A payer's collateral only decreases by withdrawals to itself, seizures and settlements it authorized
    ///      (no remunerations here).
    function invariant_collateralLeavesOnlyByWithdrawalSeizureOrSettlement() external view {
        for (uint256 i = 0; i < 3; ++i) {
            address p = handler.payers(i);
            require(
                vault.collateral(p, ETH) +
                    handler.ghostWithdrawn(p) +
                    handler.ghostSeizedTotal(p) +
                    handler.ghostSettledTotal(p) ==
                    handler.ghostDeposited(p),
                "collateral = deposits - withdrawals - seizures - settlements"
            );
        }
    }

    /// @dev A settlement from collateral takes exactly what the payer authorized for that cycle (its leaf amount),
    ///      once, or nothing; no forged or replayed authorization is ever accepted.
    function invariant_settlementsTakeExactlyWhatThePayerAuthorized() external view {
        require(!handler.forgedSettlementAccepted(), "a forged or replayed authorization was accepted");
        uint256 n = handler.committedCount();
        for (uint256 c = 0; c < n; ++c) {
            uint256 cycleId = handler.committedCycles(c);
            for (uint256 i = 0; i < 3; ++i) {
                address p = handler.payers(i);
                uint256 settled = handler.ghostSettled(cycleId, p);
                require(settled == 0 || settled == handler.ghostAuthorized(cycleId, p), "settled = authorized");
            }
        }
    }

    /// @dev No seizure exceeds what the payer signed in that cycle: its V1 requests of the cycle plus the V2
    ///      guarantees the cycle's commit netted (which the vault checked against the payer's signature).
    function invariant_seizuresNeverExceedWhatThePayerSigned() external view {
        uint256 n = handler.committedCount();
        for (uint256 c = 0; c < n; ++c) {
            uint256 cycleId = handler.committedCycles(c);
            for (uint256 i = 0; i < 3; ++i) {
                address p = handler.payers(i);
                uint256 signed = handler.ghostSigned(cycleId, p) + ch.nettedSignedAmount(cycleId, ETH, p);
                require(handler.ghostSeized(cycleId, p) <= signed, "seized <= signed in the cycle");
            }
        }
    }

    /// @dev The ClearingHouse never pays out more than it received, and holds exactly the difference.
    function invariant_clearingHousePaysOutAtMostWhatItReceived() external view {
        uint256 received = handler.ghostPaidIn() + handler.ghostSeizedIn() + handler.ghostSettledIn();
        require(handler.ghostClaimedOut() <= received, "out <= in");
        require(address(ch).balance == received - handler.ghostClaimedOut(), "holds the difference");
    }

    /// @dev No commit with a forged V2 guarantee was accepted, and no forged id was ever consumed.
    function invariant_noForgedIdIsConsumed() external view {
        require(!handler.forgedAccepted(), "a commit with a forged V2 guarantee was accepted");
        uint256 n = handler.forgedCount();
        for (uint256 i = 0; i < n; ++i) require(!vault.isConsumed(handler.forgedIds(i)), "forged id consumed");
    }
}
