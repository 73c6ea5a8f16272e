// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
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
import {NettingLeaf} from "./libraries/NettingLeaf.sol";
import {SettlementTimings} from "./libraries/SettlementTimings.sol";

/// @title ClearingHouse
/// @notice Settlement cycles of netted guarantees (docs/protocol.md §6). Unlike upstream's unmerged ClearingHouse:
///         any number of debtors can default in a cycle; defaults are covered by pulling the debtor's collateral
///         from the vault (never operator-sent funds); short cycles pay creditors pro rata; finalization never
///         waits for creditors; commits must balance.
/// @dev Each (cycle, asset) is a separate pot: a creditor is paid only from what its own cycle received, so no
///      cycle can draw on another's funds even under an inconsistent tree. A seizure never exceeds what the debtor
///      signed in the cycle ({ClearingHouseSignedDebits}), and a commit consumes only ids of payer-signed, payable
///      guarantees (checked by the vault), so the operator's root allocates money but cannot create a debt.
contract ClearingHouse is
    IClearingHouse,
    ClearingHouseSchedule,
    ClearingHouseSignedDebits,
    ReentrancyGuardTransient,
    Pausable
{
    using SafeERC20 for IERC20;
    using SafeCast for uint256;

    /// @dev Laid out so that pay and claim touch three cycle slots (root, fixed terms, running totals).
    ///      uint112 amounts hold any real token supply (5.2e33 base units); commits refuse larger totals.
    ///      The running-totals slot counts *unresolved* debtors down from `debtorCount`, so the commit makes it
    ///      non-zero and the first payment of a cycle costs a 2.9k rewrite instead of a 20k fresh write.
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
        // Written by defaults only.
        uint112 covered;
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
    ) AccessManaged(authority) ClearingHouseSchedule(genesis, params) {
        if (vault_ == address(0)) revert ClearingHouseInvalidVault(vault_);
        _vault = ICore4MicaSettlement(vault_);
        _checkSettlementTimings(params);
    }

    /// @dev ETH arrives by `payNetDebit` (as value) or from the vault when it covers a default.
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
        mapping(address => uint8) storage flags = _flags[cycleId][asset];
        uint8 f = flags[creditor];
        if (f & CLAIMED != 0) revert ClearingHouseCreditAlreadyClaimed(cycleId, asset, creditor);
        _verify(c.root, cycleId, asset, creditor, NettingLeaf.NET_CREDITOR, amount, proof);

        uint256 funded = c.funded;
        uint256 totalNet = c.totalNet;
        if (funded >= totalNet) {
            paid = amount;
        } else if (c.unresolvedDebtors == 0) {
            // Every debtor is resolved, so `funded` is final: each creditor gets the same fraction of its credit.
            paid = Math.mulDiv(amount, funded, totalNet);
        } else {
            revert ClearingHouseCycleNotFunded(cycleId, asset, funded, totalNet);
        }
        uint256 available = funded - c.claimedOut;
        if (paid > available) revert ClearingHouseInsufficientCycleFunds(cycleId, asset, paid, available);

        flags[creditor] = f | CLAIMED;
        // Cannot exceed `funded`, a uint112.
        c.claimedOut = uint112(c.claimedOut + paid);
        emit NetCreditClaimed(cycleId, asset, creditor, amount, paid);
        _send(asset, creditor, paid);
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
                finalityDeadline: c.finalityDeadline
            });
    }

    /// @inheritdoc IClearingHouse
    function getParticipant(
        uint256 cycleId,
        address asset,
        address participant
    ) external view returns (ParticipantState memory) {
        uint8 f = _flags[cycleId][asset][participant];
        return ParticipantState({paid: f & PAID != 0, defaulted: f & DEFAULTED != 0, claimed: f & CLAIMED != 0});
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
        if (!MerkleProof.verifyCalldata(proof, root, leaf)) {
            revert ClearingHouseInvalidProof(cycleId, asset, participant, role, amount);
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
