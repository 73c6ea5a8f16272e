// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";

import {ClearingHouseSchedule} from "./ClearingHouseSchedule.sol";
import {ClearingHouseSignedDebits} from "./ClearingHouseSignedDebits.sol";
import {IClearingHouse} from "./interfaces/IClearingHouse.sol";
import {IClearingHouseOracle} from "./interfaces/IClearingHouseOracle.sol";
import {ICore4MicaCollateral} from "./interfaces/ICore4MicaCollateral.sol";
import {ICore4MicaSettlement} from "./interfaces/ICore4MicaSettlement.sol";
import {CycleSchedule} from "./libraries/CycleSchedule.sol";
import {NetDebitSettlement} from "./libraries/NetDebitSettlement.sol";
import {NettingLeaf} from "./libraries/NettingLeaf.sol";
import {SortedPairProof} from "./libraries/SortedPairProof.sol";
import {SettlementTimings} from "./libraries/SettlementTimings.sol";

/// @title ClearingHouse
/// @notice Settlement cycles of netted guarantees (docs/protocol.md §6). Unlike upstream's unmerged ClearingHouse:
///         any number of debtors can default in a cycle; defaults are covered by pulling the debtor's collateral
///         from the vault (never operator-sent funds); short cycles pay creditors pro rata; finalization never
///         waits for creditors; commits must balance. Debtors can also pay from their vault collateral on an EIP-712
///         authorization, many per transaction, and creditors be paid many per transaction.
/// @dev Each (cycle, asset) is a separate pot: a creditor is paid only from what its own cycle received, so no
///      cycle can draw on another's funds even under an inconsistent tree. A seizure never exceeds what the debtor
///      signed in the cycle ({ClearingHouseSignedDebits}), and a commit consumes only ids of payer-signed, payable
///      guarantees (checked by the vault), so the operator's root allocates money but cannot create a debt.
contract ClearingHouse is
    IClearingHouse,
    ClearingHouseSchedule,
    ClearingHouseSignedDebits,
    ReentrancyGuardTransient,
    Pausable,
    EIP712
{
    using SafeERC20 for IERC20;
    using SafeCast for uint256;

    /// @dev Laid out so that a payment touches three cycle slots (root, fixed terms, running totals) and a claim
    ///      four (plus the creditor counts). uint112 amounts hold any real token supply (5.2e33 base units); commits
    ///      refuse larger totals. The running totals count *unresolved* debtors and *unclaimed* creditors down from
    ///      the commit's counts, so the commit makes their slots non-zero and the first payment or claim of a cycle
    ///      costs a 2.9k rewrite instead of a 20k fresh write.
    struct Cycle {
        bytes32 root;
        // Fixed at commit (except `finalized`).
        uint112 totalNet;
        uint48 paymentDeadline;
        uint48 finalityDeadline;
        uint32 debtorCount;
        bool committed;
        bool finalized;
        // Running totals. `funded` = paid in + covered by defaults.
        uint112 funded;
        uint112 claimedOut;
        uint32 unresolvedDebtors;
        // Written by defaults (`covered`) and claims (the rest; `creditorCount` at commit).
        uint112 covered;
        uint32 creditorCount;
        uint32 unclaimedCreditors;
        // Set by a closing {claimNetCredits} batch, which writes no per-creditor CLAIMED flag.
        bool claimedByClosingBatch;
    }

    /// @dev The payout terms of a (cycle, asset), read once per claim call and written back once.
    struct Payout {
        bytes32 root;
        uint256 funded;
        uint256 totalNet;
        uint256 claimedOut;
        uint32 unclaimedCreditors;
        uint32 creditorCount;
        bool claimedByClosingBatch;
        // Some debtor is unresolved: claims can be paid only in full, i.e. only if `funded >= totalNet`.
        bool debtorsUnresolved;
    }

    uint8 private constant PAID = 1;
    uint8 private constant DEFAULTED = 2;
    uint8 private constant CLAIMED = 4;

    ICore4MicaSettlement private immutable _vault;

    mapping(uint256 cycleId => mapping(address asset => Cycle)) private _cycles;
    mapping(uint256 cycleId => mapping(address asset => mapping(address participant => uint8 flags))) private _flags;

    /// @param authority The AccessManager.
    /// @param vault_ The Core4Mica vault.
    /// @param genesis Start of cycle 0 (deployment time rounded down to a cycle boundary).
    /// @param params Phase lengths of the genesis segment (seeds' defaults: 24 h, 6 h, 15 min, 2 h, 2 h).
    constructor(
        address authority,
        address vault_,
        uint48 genesis,
        CycleSchedule.Params memory params
    ) AccessManaged(authority) ClearingHouseSchedule(genesis, params) EIP712("4Mica ClearingHouse", "1") {
        if (vault_ == address(0)) revert ClearingHouseInvalidVault(vault_);
        _vault = ICore4MicaSettlement(vault_);
        _checkSettlementTimings(params);
    }

    /// @dev ETH arrives by `payNetDebit` (as value) or from the vault when it covers a default or settles debits
    ///      from collateral.
    receive() external payable {
        if (msg.sender != address(_vault)) revert ClearingHouseUnexpectedEther(msg.sender, msg.value);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Commit

    /// @inheritdoc IClearingHouse
    function commitCycle(
        uint256 cycleId,
        address asset,
        bytes32 root,
        uint256 totalNetDebit,
        uint256 totalNetCredit,
        uint32 debtorCount,
        uint32 creditorCount,
        bytes32 batchHash,
        ICore4MicaSettlement.NettedGuarantee[] calldata v2Guarantees
    ) external restricted whenNotPaused {
        CycleSchedule.Deadlines memory d = _deadlines(cycleId);
        if (block.timestamp < d.resolutionCutoff || block.timestamp > d.commitDeadline) {
            revert ClearingHouseOutsideCommitWindow(cycleId, block.timestamp, d.resolutionCutoff, d.commitDeadline);
        }
        Cycle storage c = _cycles[cycleId][asset];
        if (c.committed) revert ClearingHouseCycleAlreadyCommitted(cycleId, asset);
        if (totalNetDebit != totalNetCredit) revert ClearingHouseUnbalancedTotals(totalNetDebit, totalNetCredit);
        bool empty = totalNetDebit == 0;
        if (empty != (debtorCount == 0) || empty != (creditorCount == 0)) {
            revert ClearingHouseInconsistentCounts(totalNetDebit, debtorCount, creditorCount);
        }
        if (empty != (root == bytes32(0))) revert ClearingHouseInvalidRoot(root, totalNetDebit);

        c.root = root;
        c.totalNet = totalNetDebit.toUint112();
        c.paymentDeadline = d.paymentDeadline.toUint48();
        c.finalityDeadline = d.finalityDeadline.toUint48();
        c.debtorCount = debtorCount;
        c.committed = true;
        c.unresolvedDebtors = debtorCount;
        c.creditorCount = creditorCount;
        c.unclaimedCreditors = creditorCount;
        emit CycleCommitted(
            cycleId,
            asset,
            root,
            totalNetDebit,
            debtorCount,
            creditorCount,
            batchHash,
            v2Guarantees.length
        );

        if (v2Guarantees.length != 0) {
            uint256 seizableUntil = d.paymentDeadline + SEIZURE_MARGIN;
            _recordNetted(cycleId, asset, _vault.consumeNettedGuarantees(cycleId, asset, seizableUntil, v2Guarantees));
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Debtors

    /// @inheritdoc IClearingHouse
    function payNetDebit(
        uint256 cycleId,
        address asset,
        address debtor,
        uint256 amount,
        bytes32[] calldata proof
    ) external payable nonReentrant {
        Cycle storage c = _committedCycle(cycleId, asset);
        if (block.timestamp > c.paymentDeadline) {
            revert ClearingHousePaymentWindowClosed(cycleId, asset, c.paymentDeadline);
        }
        _resolveDebtor(c, cycleId, asset, debtor, amount, proof, PAID);
        c.funded = (c.funded + amount).toUint112();
        emit NetDebitPaid(cycleId, asset, debtor, msg.sender, amount);
        _collect(asset, amount);
    }

    /// @inheritdoc IClearingHouse
    /// @dev Checks, then effects, then the one vault call: every listed debtor is first resolved (PAID) as if it
    ///      would be settled (its flag written as it is checked, so that a repeated entry reverts), the one
    ///      multiproof of all their leaves is verified, and only then is the vault called; after the vault's
    ///      report, the rare skipped ones are un-resolved again (flag cleared, counted unresolved) and only then
    ///      are the events of each debtor emitted, when its outcome is known.
    function settleNetDebitsFromCollateral(
        uint256 cycleId,
        address asset,
        CollateralSettlement[] calldata settlements,
        bytes32[] calldata proof,
        bool[] calldata proofFlags
    ) external nonReentrant returns (uint256 settled) {
        Cycle storage c = _committedCycle(cycleId, asset);
        if (block.timestamp > c.paymentDeadline) {
            revert ClearingHousePaymentWindowClosed(cycleId, asset, c.paymentDeadline);
        }
        uint256 n = settlements.length;
        if (n == 0) revert ClearingHouseEmptyBatch(cycleId, asset);
        (address[] memory debtors, uint256[] memory amounts, bytes32[] memory leaves) = _checkSettlements(
            cycleId,
            asset,
            settlements
        );
        // Distinct unresolved debtors (each flag checked), but the tree may hold more debtor leaves than declared.
        uint32 unresolved = c.unresolvedDebtors;
        if (n > unresolved) revert ClearingHouseTooManyDebtors(cycleId, asset, c.debtorCount);
        _verifyMultiproof(c.root, cycleId, asset, leaves, proof, proofFlags);
        // `n <= unresolved`, checked above.
        unchecked {
            c.unresolvedDebtors = unresolved - uint32(n);
        }

        uint256 before = _balance(asset);
        (uint256 reported, uint256[] memory taken) = _vault.settleFromCollateral(asset, debtors, amounts);
        uint256 received = _balance(asset) - before;

        uint32 skipped;
        (settled, skipped) = _recordSettlements(cycleId, asset, debtors, amounts, taken, received);
        if (reported != settled || received != settled) {
            revert ClearingHouseCollateralSettlementMismatch(settled, reported, received);
        }
        c.funded = (c.funded + settled).toUint112();
        // `skipped` debtors were counted resolved above, so this restores at most `debtorCount`.
        if (skipped != 0) c.unresolvedDebtors += skipped;
    }

    /// @inheritdoc IClearingHouse
    function markDefaulted(uint256 cycleId, address asset, DefaultClaim[] calldata claims) external nonReentrant {
        Cycle storage c = _committedCycle(cycleId, asset);
        if (block.timestamp <= c.paymentDeadline) {
            revert ClearingHousePaymentWindowOpen(cycleId, asset, c.paymentDeadline);
        }
        if (claims.length == 0) revert ClearingHouseNoDefaultClaims(cycleId, asset);
        bool inMargin = block.timestamp <= uint256(c.paymentDeadline) + SEIZURE_MARGIN;
        for (uint256 i = 0; i < claims.length; ++i) {
            DefaultClaim calldata claim = claims[i];
            _resolveDebtor(c, cycleId, asset, claim.debtor, claim.amount, claim.proof, DEFAULTED);
            uint256 cap = _provenSigned(cycleId, asset, claim.debtor, claim.prover);
            if (cap >= claim.amount) {
                cap = claim.amount;
            } else if (inMargin) {
                revert ClearingHouseSignedAmountTooLow(cycleId, asset, claim.debtor, claim.prover, cap, claim.amount);
            }
            uint256 seized = cap == 0 ? 0 : _seize(claim.debtor, asset, cap);
            c.funded = (c.funded + seized).toUint112();
            c.covered = (c.covered + seized).toUint112();
            // `seized <= cap <= claim.amount` is checked by `_seize`.
            emit DebtorDefaulted(cycleId, asset, claim.debtor, claim.amount, seized, claim.amount - seized);
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Creditors and finality

    /// @inheritdoc IClearingHouse
    function claimNetCredit(
        uint256 cycleId,
        address asset,
        address creditor,
        uint256 amount,
        bytes32[] calldata proof
    ) external nonReentrant returns (uint256 paid) {
        Cycle storage c = _committedCycle(cycleId, asset);
        Payout memory p = _openPayout(c);
        paid = _claimCredit(p, cycleId, asset, creditor, amount, proof, true);
        _closePayout(c, p, false);
        _send(asset, creditor, paid);
    }

    /// @inheritdoc IClearingHouse
    /// @dev Checks and effects for every creditor first (flags, events, totals), then the transfers.
    function claimNetCredits(
        uint256 cycleId,
        address asset,
        CreditClaim[] calldata claims
    ) external nonReentrant returns (uint256 paid) {
        Cycle storage c = _committedCycle(cycleId, asset);
        uint256 n = claims.length;
        if (n == 0) revert ClearingHouseEmptyBatch(cycleId, asset);
        Payout memory p = _openPayout(c);
        // Pays every remaining creditor: then no claim can follow (`unclaimedCreditors` ends at 0), so the
        // per-creditor flags need not be written (docs/audit.md). Strict ordering rules out repeats within it.
        bool closing = n == p.unclaimedCreditors;
        uint256[] memory payouts = new uint256[](n);
        address previous = address(0);
        for (uint256 i = 0; i < n; ++i) {
            CreditClaim calldata claim = claims[i];
            if (claim.creditor <= previous) revert ClearingHouseUnsortedBatch(previous, claim.creditor);
            previous = claim.creditor;
            payouts[i] = _claimCredit(p, cycleId, asset, claim.creditor, claim.amount, claim.proof, !closing);
            // Cannot overflow: the payouts sum to at most `funded`, a uint112 (checked per claim).
            unchecked {
                paid += payouts[i];
            }
        }
        _closePayout(c, p, closing);
        for (uint256 i = 0; i < n; ++i) {
            _send(asset, claims[i].creditor, payouts[i]);
        }
    }

    /// @inheritdoc IClearingHouse
    function finalizeCycle(uint256 cycleId, address asset) external {
        Cycle storage c = _committedCycle(cycleId, asset);
        if (c.finalized) revert ClearingHouseCycleAlreadyFinalized(cycleId, asset);
        if (block.timestamp <= c.finalityDeadline) {
            revert ClearingHouseFinalityPending(cycleId, asset, c.finalityDeadline);
        }
        if (c.unresolvedDebtors != 0) {
            revert ClearingHouseDebtorsUnresolved(cycleId, asset, c.debtorCount - c.unresolvedDebtors, c.debtorCount);
        }
        c.finalized = true;
        emit CycleFinalized(cycleId, asset, c.funded - c.covered, c.covered);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Pause

    /// @inheritdoc IClearingHouse
    function pause() external restricted {
        _pause();
    }

    /// @inheritdoc IClearingHouse
    function unpause() external restricted {
        _unpause();
    }

    // ------------------------------------------------------------------------------------------------------------
    // Views

    /// @inheritdoc IClearingHouse
    function vault() external view returns (address) {
        return address(_vault);
    }

    /// @inheritdoc IClearingHouse
    function getCycle(uint256 cycleId, address asset) external view returns (CycleState memory) {
        Cycle storage c = _cycles[cycleId][asset];
        return
            CycleState({
                committed: c.committed,
                finalized: c.finalized,
                debtorCount: c.debtorCount,
                resolvedDebtors: c.debtorCount - c.unresolvedDebtors,
                root: c.root,
                totalNet: c.totalNet,
                paidIn: c.funded - c.covered,
                covered: c.covered,
                claimedOut: c.claimedOut,
                paymentDeadline: c.paymentDeadline,
                finalityDeadline: c.finalityDeadline,
                creditorCount: c.creditorCount,
                claimedCreditors: c.creditorCount - c.unclaimedCreditors
            });
    }

    /// @inheritdoc IClearingHouse
    function getParticipant(
        uint256 cycleId,
        address asset,
        address participant
    ) external view returns (ParticipantState memory) {
        uint8 f = _flags[cycleId][asset][participant];
        // See {ParticipantState}: a closing batch wrote no CLAIMED flag.
        bool claimed =
            f & CLAIMED != 0 || (_cycles[cycleId][asset].claimedByClosingBatch && f & (PAID | DEFAULTED) == 0);
        return ParticipantState({paid: f & PAID != 0, defaulted: f & DEFAULTED != 0, claimed: claimed});
    }

    /// @inheritdoc IClearingHouse
    function netDebitSettlementDigest(
        uint256 cycleId,
        address asset,
        address debtor,
        uint256 amount
    ) external view returns (bytes32) {
        return _netDebitSettlementDigest(cycleId, asset, debtor, amount);
    }

    /// @inheritdoc IClearingHouse
    function leafOf(
        uint256 cycleId,
        address asset,
        address participant,
        uint8 role,
        uint256 amount
    ) external view returns (bytes32) {
        return NettingLeaf.hash(block.chainid, address(this), cycleId, asset, participant, role, amount);
    }

    /// @inheritdoc IClearingHouseOracle
    function v1FallbackOpensAt(uint256 cycleId, address asset) external view returns (uint64) {
        if (_cycles[cycleId][asset].committed) return 0;
        CycleSchedule.Deadlines memory d = _deadlines(cycleId);
        if (block.timestamp <= d.commitDeadline) return 0;
        return d.finalityDeadline.toUint64();
    }

    // ------------------------------------------------------------------------------------------------------------
    // Internals

    function _committedCycle(uint256 cycleId, address asset) private view returns (Cycle storage c) {
        c = _cycles[cycleId][asset];
        if (!c.committed) revert ClearingHouseCycleNotCommitted(cycleId, asset);
    }

    /// @dev See {ClearingHouseSignedDebits}.
    function _committedCycleWindow(uint256 cycleId, address asset) internal view override returns (uint256, uint256) {
        _committedCycle(cycleId, asset);
        CycleSchedule.Deadlines memory d = _deadlines(cycleId);
        return (d.start, d.end);
    }

    /// @dev See {ClearingHouseSignedDebits}.
    function _requestDomainSeparator() internal view override returns (bytes32) {
        return _vault.requestDomainSeparator();
    }

    /// @dev See {ClearingHouseSchedule}: the shared timing invariant against the vault's current timings.
    function _checkSettlementTimings(CycleSchedule.Params memory params) internal view override {
        ICore4MicaCollateral timings = ICore4MicaCollateral(address(_vault));
        SettlementTimings.check(
            params,
            timings.guaranteeExpiry(),
            timings.withdrawalDelay(),
            timings.synchronizationDelay()
        );
    }

    /// @dev Checks that `debtor` is unresolved and its leaf is in the tree, then records `flag` (PAID or DEFAULTED).
    function _resolveDebtor(
        Cycle storage c,
        uint256 cycleId,
        address asset,
        address debtor,
        uint256 amount,
        bytes32[] calldata proof,
        uint8 flag
    ) private {
        mapping(address => uint8) storage flags = _flags[cycleId][asset];
        uint8 f = flags[debtor];
        if (f & (PAID | DEFAULTED) != 0) revert ClearingHouseDebtorAlreadyResolved(cycleId, asset, debtor);
        _verify(c.root, cycleId, asset, debtor, NettingLeaf.NET_DEBTOR, amount, proof);
        uint32 unresolved = c.unresolvedDebtors;
        if (unresolved == 0) revert ClearingHouseTooManyDebtors(cycleId, asset, c.debtorCount);
        flags[debtor] = f | flag;
        // Non-zero, checked just above.
        unchecked {
            c.unresolvedDebtors = unresolved - 1;
        }
    }

    /// @dev The per-entry checks of {settleNetDebitsFromCollateral}: each debtor unresolved, then flagged PAID (so a
    ///      repeated entry reverts), its signature, and its NET_DEBTOR leaf; returns the debtors, amounts and leaves.
    function _checkSettlements(
        uint256 cycleId,
        address asset,
        CollateralSettlement[] calldata settlements
    ) private returns (address[] memory debtors, uint256[] memory amounts, bytes32[] memory leaves) {
        uint256 n = settlements.length;
        debtors = new address[](n);
        amounts = new uint256[](n);
        leaves = new bytes32[](n);
        mapping(address => uint8) storage flags = _flags[cycleId][asset];
        for (uint256 i = 0; i < n; ++i) {
            CollateralSettlement calldata s = settlements[i];
            address debtor = s.debtor;
            uint256 amount = s.amount;
            uint8 f = flags[debtor];
            if (f & (PAID | DEFAULTED) != 0) revert ClearingHouseDebtorAlreadyResolved(cycleId, asset, debtor);
            flags[debtor] = f | PAID;
            if (!_isSettlementSigned(debtor, _netDebitSettlementDigest(cycleId, asset, debtor, amount), s.signature)) {
                revert ClearingHouseInvalidSettlementSignature(cycleId, asset, debtor, amount);
            }
            leaves[i] = NettingLeaf.hash(
                block.chainid,
                address(this),
                cycleId,
                asset,
                debtor,
                NettingLeaf.NET_DEBTOR,
                amount
            );
            debtors[i] = debtor;
            amounts[i] = amount;
        }
    }

    /// @dev The second pass of {settleNetDebitsFromCollateral}, after the vault's report `taken`: the event of each
    ///      settled debtor, or the skip of a debtor the vault did not debit (PAID flag cleared, event). Returns the
    ///      total settled and the number skipped; reverts on a report that is neither 0 nor the debtor's amount.
    function _recordSettlements(
        uint256 cycleId,
        address asset,
        address[] memory debtors,
        uint256[] memory amounts,
        uint256[] memory taken,
        uint256 received
    ) private returns (uint256 settled, uint32 skipped) {
        mapping(address => uint8) storage flags = _flags[cycleId][asset];
        for (uint256 i = 0; i < debtors.length; ++i) {
            address debtor = debtors[i];
            uint256 amount = amounts[i];
            if (taken[i] == amount) {
                settled += amount;
                emit NetDebitPaid(cycleId, asset, debtor, address(_vault), amount);
            } else if (taken[i] == 0) {
                flags[debtor] &= ~PAID;
                ++skipped;
                uint256 available = ICore4MicaCollateral(address(_vault)).collateral(debtor, asset);
                emit NetDebitSettlementSkipped(cycleId, asset, debtor, amount, available);
            } else {
                revert ClearingHouseCollateralSettlementMismatch(amount, taken[i], received);
            }
        }
    }

    /// @dev The payout terms of `c` (see {Payout}).
    function _openPayout(Cycle storage c) private view returns (Payout memory p) {
        p.root = c.root;
        p.funded = c.funded;
        p.totalNet = c.totalNet;
        p.claimedOut = c.claimedOut;
        p.unclaimedCreditors = c.unclaimedCreditors;
        p.creditorCount = c.creditorCount;
        p.claimedByClosingBatch = c.claimedByClosingBatch;
        p.debtorsUnresolved = c.unresolvedDebtors != 0;
    }

    /// @dev Checks one creditor's claim against `p` and records it: `p`'s totals, the CLAIMED flag (if `writeFlag`)
    ///      and the event. Returns what the creditor is to be sent; the caller writes `p` back ({_closePayout}) and
    ///      sends. Shared by {claimNetCredit} and {claimNetCredits}.
    function _claimCredit(
        Payout memory p,
        uint256 cycleId,
        address asset,
        address creditor,
        uint256 amount,
        bytes32[] calldata proof,
        bool writeFlag
    ) private returns (uint256 paid) {
        mapping(address => uint8) storage flags = _flags[cycleId][asset];
        uint8 f = flags[creditor];
        if (f & CLAIMED != 0) revert ClearingHouseCreditAlreadyClaimed(cycleId, asset, creditor);
        _verify(p.root, cycleId, asset, creditor, NettingLeaf.NET_CREDITOR, amount, proof);
        if (p.unclaimedCreditors == 0) {
            // After a closing batch, the creditors of the tree have no flag: refused as already claimed.
            if (p.claimedByClosingBatch) revert ClearingHouseCreditAlreadyClaimed(cycleId, asset, creditor);
            revert ClearingHouseTooManyCreditors(cycleId, asset, p.creditorCount);
        }

        if (p.funded >= p.totalNet) {
            paid = amount;
        } else if (!p.debtorsUnresolved) {
            // Every debtor is resolved, so `funded` is final: each creditor gets the same fraction of its credit.
            paid = Math.mulDiv(amount, p.funded, p.totalNet);
        } else {
            revert ClearingHouseCycleNotFunded(cycleId, asset, p.funded, p.totalNet);
        }
        uint256 available = p.funded - p.claimedOut;
        if (paid > available) revert ClearingHouseInsufficientCycleFunds(cycleId, asset, paid, available);

        if (writeFlag) flags[creditor] = f | CLAIMED;
        // `paid <= available` and `unclaimedCreditors != 0` were checked just above.
        unchecked {
            p.claimedOut += paid;
            --p.unclaimedCreditors;
        }
        emit NetCreditClaimed(cycleId, asset, creditor, amount, paid);
    }

    /// @dev Writes back what claims changed in `p`; `closing` records a closing batch (see {claimNetCredits}).
    function _closePayout(Cycle storage c, Payout memory p, bool closing) private {
        // Cannot exceed `funded`, a uint112.
        c.claimedOut = uint112(p.claimedOut);
        c.unclaimedCreditors = p.unclaimedCreditors;
        if (closing) c.claimedByClosingBatch = true;
    }

    function _netDebitSettlementDigest(
        uint256 cycleId,
        address asset,
        address debtor,
        uint256 amount
    ) private view returns (bytes32) {
        return _hashTypedDataV4(NetDebitSettlement.hash(cycleId, asset, debtor, amount));
    }

    function _verify(
        bytes32 root,
        uint256 cycleId,
        address asset,
        address participant,
        uint8 role,
        uint256 amount,
        bytes32[] calldata proof
    ) private view {
        bytes32 leaf = NettingLeaf.hash(block.chainid, address(this), cycleId, asset, participant, role, amount);
        if (!SortedPairProof.verifyCalldata(proof, root, leaf)) {
            revert ClearingHouseInvalidProof(cycleId, asset, participant, role, amount);
        }
    }

    /// @dev `debtor`'s authorization of `digest`: an ECDSA signature by its own key first (an EOA, or an EIP-7702
    ///      delegated EOA), else, for an account with code, ERC-1271. Recovering first spares the EXTCODESIZE of
    ///      every EOA debtor.
    function _isSettlementSigned(address debtor, bytes32 digest, bytes calldata signature) private view returns (bool) {
        (address recovered, ECDSA.RecoverError err, ) = ECDSA.tryRecoverCalldata(digest, signature);
        if (err == ECDSA.RecoverError.NoError && recovered == debtor) return true;
        return
            debtor.code.length != 0 && SignatureChecker.isValidERC1271SignatureNowCalldata(debtor, digest, signature);
    }

    /// @dev Checks that `leaves` are all in the tree of `root` at once (OpenZeppelin multiproof, the leaves in the
    ///      order the OpenZeppelin merkle-tree library's `getMultiProof` returns). The shape is checked first (as many
    ///      `false` flags as proof hashes, `leaves + proof = flags + 1`), so that a malformed multiproof reverts with
    ///      the same error as a wrong one and OpenZeppelin's own checks never fire.
    function _verifyMultiproof(
        bytes32 root,
        uint256 cycleId,
        address asset,
        bytes32[] memory leaves,
        bytes32[] calldata proof,
        bool[] calldata proofFlags
    ) private pure {
        uint256 flagCount = proofFlags.length;
        bool wellFormed = leaves.length + proof.length == flagCount + 1;
        if (wellFormed) {
            uint256 fromProof = 0;
            for (uint256 i = 0; i < flagCount; ++i) {
                if (!proofFlags[i]) ++fromProof;
            }
            wellFormed = fromProof == proof.length;
        }
        if (!wellFormed || !MerkleProof.multiProofVerifyCalldata(proof, proofFlags, root, leaves)) {
            revert ClearingHouseInvalidMultiproof(cycleId, asset);
        }
    }

    /// @dev Takes exactly `amount` from the caller: ETH as value, an ERC-20 by pull, measured by balance change.
    function _collect(address asset, uint256 amount) private {
        if (asset == address(0)) {
            if (msg.value != amount) revert ClearingHouseIncorrectPayment(amount, msg.value);
            return;
        }
        if (msg.value != 0) revert ClearingHouseUnexpectedEther(msg.sender, msg.value);
        uint256 before = IERC20(asset).balanceOf(address(this));
        IERC20(asset).safeTransferFrom(msg.sender, address(this), amount);
        uint256 received = IERC20(asset).balanceOf(address(this)) - before;
        if (received != amount) revert ClearingHouseIncorrectPayment(amount, received);
    }

    /// @dev Pulls up to `amount` of `debtor`'s collateral from the vault; trusts the vault's report only as far
    ///      as the ClearingHouse's own balance confirms it.
    function _seize(address debtor, address asset, uint256 amount) private returns (uint256 seized) {
        uint256 before = _balance(asset);
        seized = _vault.seizeCollateral(debtor, asset, amount);
        uint256 received = _balance(asset) - before;
        if (seized > amount || received != seized) {
            revert ClearingHouseSeizureMismatch(debtor, amount, seized, received);
        }
    }

    function _send(address asset, address to, uint256 amount) private {
        if (amount == 0) return;
        if (asset == address(0)) {
            (bool ok, ) = to.call{value: amount}("");
            if (!ok) revert ClearingHouseEtherTransferFailed(to, amount);
        } else {
            IERC20(asset).safeTransfer(to, amount);
        }
    }

    function _balance(address asset) private view returns (uint256) {
        return asset == address(0) ? address(this).balance : IERC20(asset).balanceOf(address(this));
    }
}
