// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IClearingHouseSchedule} from "./IClearingHouseSchedule.sol";
import {IClearingHouseSignedDebits} from "./IClearingHouseSignedDebits.sol";
import {ICore4MicaSettlement} from "./ICore4MicaSettlement.sol";

/// @title IClearingHouse
/// @notice Per (cycle, asset) Merkle commits of net positions, net-debit payment, net-credit claims (in full when
///         the cycle is funded, pro rata once every debtor is resolved), default coverage pulled from the debtor's
///         vault collateral, and finalization that never waits for creditors (docs/protocol.md §6).
/// @dev Leaves are {NettingLeaf.hash} with `chainId = block.chainid` and `clearingHouse = address(this)`.
///      Asset `address(0)` is ETH. Pause stops {commitCycle} only. A debtor may also authorize, with one EIP-712
///      signature ({NetDebitSettlement}) under the ClearingHouse's own domain (ERC-5267 `eip712Domain()`), the
///      payment of its net debit from its vault collateral ({settleNetDebitsFromCollateral}); creditors can be paid
///      in batches ({claimNetCredits}).
interface IClearingHouse is IClearingHouseSchedule, IClearingHouseSignedDebits {
    /// @notice One debtor to mark defaulted: its net debit, the Merkle proof of its leaf, and the prover whose
    ///         cursor ({IClearingHouseSignedDebits}) caps the seizure.
    struct DefaultClaim {
        address debtor;
        uint256 amount;
        bytes32[] proof;
        address prover;
    }

    /// @notice One debtor's net debit to be paid from its vault collateral, with the debtor's EIP-712 authorization
    ///         ({netDebitSettlementDigest}: an ECDSA signature by the debtor's own key, else ERC-1271 for an account
    ///         with code). Its leaf is proven by the batch's one multiproof ({settleNetDebitsFromCollateral}).
    struct CollateralSettlement {
        address debtor;
        uint256 amount;
        bytes signature;
    }

    /// @notice One creditor's net credit, for a batched claim.
    struct CreditClaim {
        address creditor;
        uint256 amount;
        bytes32[] proof;
    }

    /// @notice The state of a (cycle, asset).
    struct CycleState {
        bool committed;
        bool finalized;
        uint32 debtorCount;
        /// @dev Debtors that paid or were marked defaulted.
        uint32 resolvedDebtors;
        bytes32 root;
        /// @dev Total net debit, equal to the total net credit.
        uint256 totalNet;
        uint256 paidIn;
        /// @dev What defaults pulled from debtors' collateral.
        uint256 covered;
        uint256 claimedOut;
        uint256 paymentDeadline;
        uint256 finalityDeadline;
        uint32 creditorCount;
        /// @dev Creditors that claimed. Once it equals `creditorCount` no claim succeeds any more; if the last
        ///      claims were one closing {claimNetCredits} batch, their creditors' flags were not written.
        uint32 claimedCreditors;
    }

    /// @notice The state of a participant in a (cycle, asset).
    /// @dev `claimed` is true for a creditor that claimed. After a closing {claimNetCredits} batch (every remaining
    ///      creditor paid at once, flags not written), it is true for every address with neither `paid` nor
    ///      `defaulted`: the view has no proof to tell a creditor from a non-participant, and neither can claim.
    struct ParticipantState {
        bool paid;
        bool defaulted;
        bool claimed;
    }

    /// @notice The vault address is zero.
    error ClearingHouseInvalidVault(address vault);
    /// @notice `commitCycle` called at `timestamp`, outside the cycle's window `[opensAt, closesAt]`.
    error ClearingHouseOutsideCommitWindow(uint256 cycleId, uint256 timestamp, uint256 opensAt, uint256 closesAt);
    /// @notice The (cycle, asset) is already committed.
    error ClearingHouseCycleAlreadyCommitted(uint256 cycleId, address asset);
    /// @notice Total net debit and total net credit differ.
    error ClearingHouseUnbalancedTotals(uint256 totalNetDebit, uint256 totalNetCredit);
    /// @notice Counts inconsistent with the total: it must be zero exactly when both counts are zero.
    error ClearingHouseInconsistentCounts(uint256 totalNet, uint32 debtorCount, uint32 creditorCount);
    /// @notice The root must be non-zero for a non-empty commit and zero for an empty one.
    error ClearingHouseInvalidRoot(bytes32 root, uint256 totalNet);
    /// @notice The (cycle, asset) has no commit.
    error ClearingHouseCycleNotCommitted(uint256 cycleId, address asset);
    /// @notice The payment deadline has passed.
    error ClearingHousePaymentWindowClosed(uint256 cycleId, address asset, uint256 paymentDeadline);
    /// @notice Defaults can be marked only after the payment deadline.
    error ClearingHousePaymentWindowOpen(uint256 cycleId, address asset, uint256 paymentDeadline);
    /// @notice The debtor already paid or was marked defaulted.
    error ClearingHouseDebtorAlreadyResolved(uint256 cycleId, address asset, address debtor);
    /// @notice The creditor already claimed.
    error ClearingHouseCreditAlreadyClaimed(uint256 cycleId, address asset, address creditor);
    /// @notice The leaf (participant, role, amount) is not in the (cycle, asset)'s tree.
    error ClearingHouseInvalidProof(uint256 cycleId, address asset, address participant, uint8 role, uint256 amount);
    /// @notice Every one of the commit's `debtorCount` debtors is already resolved: the tree holds more debtor
    ///         leaves than the commit declared.
    error ClearingHouseTooManyDebtors(uint256 cycleId, address asset, uint32 debtorCount);
    /// @notice The payment received differs from the net debit (ETH value, or ERC-20 balance change).
    error ClearingHouseIncorrectPayment(uint256 expected, uint256 received);
    /// @notice ETH sent where none is expected (an ERC-20 payment, or not from the vault).
    error ClearingHouseUnexpectedEther(address sender, uint256 value);
    /// @notice `markDefaulted` with an empty list.
    error ClearingHouseNoDefaultClaims(uint256 cycleId, address asset);
    /// @notice The vault reported seizing `reported` of `requested` but the ClearingHouse received `received`.
    error ClearingHouseSeizureMismatch(address debtor, uint256 requested, uint256 reported, uint256 received);
    /// @notice The cycle is short (`funded < totalNet`) and some debtor is still unresolved: claims wait.
    error ClearingHouseCycleNotFunded(uint256 cycleId, address asset, uint256 funded, uint256 totalNet);
    /// @notice The payout exceeds what the cycle still holds (a tree inconsistent with its totals).
    error ClearingHouseInsufficientCycleFunds(uint256 cycleId, address asset, uint256 payout, uint256 available);
    /// @notice Sending ETH to `to` failed.
    error ClearingHouseEtherTransferFailed(address to, uint256 amount);
    /// @notice The finality deadline has not passed.
    error ClearingHouseFinalityPending(uint256 cycleId, address asset, uint256 finalityDeadline);
    /// @notice Some debtors neither paid nor were marked defaulted.
    error ClearingHouseDebtorsUnresolved(uint256 cycleId, address asset, uint32 resolved, uint32 debtorCount);
    /// @notice The (cycle, asset) is already finalized.
    error ClearingHouseCycleAlreadyFinalized(uint256 cycleId, address asset);
    /// @notice `signature` is not `debtor`'s authorization to settle `amount` of (`cycleId`, `asset`) from its
    ///         collateral (neither an ECDSA signature by `debtor`'s key nor, for an account with code, accepted by
    ///         its ERC-1271 `isValidSignature`).
    error ClearingHouseInvalidSettlementSignature(uint256 cycleId, address asset, address debtor, uint256 amount);
    /// @notice The creditors of a {claimNetCredits} batch must strictly increase (no duplicates, none zero): `next`
    ///         follows `previous`.
    error ClearingHouseUnsortedBatch(address previous, address next);
    /// @notice The multiproof of a {settleNetDebitsFromCollateral} batch does not prove every listed NET_DEBTOR leaf
    ///         (in the given order) against the root of (`cycleId`, `asset`), or is malformed.
    error ClearingHouseInvalidMultiproof(uint256 cycleId, address asset);
    /// @notice A batch call with an empty list.
    error ClearingHouseEmptyBatch(uint256 cycleId, address asset);
    /// @notice Every one of the commit's `creditorCount` creditors already claimed: the tree holds more creditor
    ///         leaves than the commit declared.
    error ClearingHouseTooManyCreditors(uint256 cycleId, address asset, uint32 creditorCount);
    /// @notice The vault's report of a collateral settlement disagrees with itself or with what arrived: a debtor's
    ///         settled amount `reported` that is neither 0 nor its net debit `expected`, or a batch total `reported`
    ///         against the sum `expected` of the settled net debits; `received` is what the ClearingHouse received.
    error ClearingHouseCollateralSettlementMismatch(uint256 expected, uint256 reported, uint256 received);

    /// @notice The net positions of (`cycleId`, `asset`) were committed.
    /// @param batchHash The hash of the netted guarantees (docs/protocol.md §6), for audit.
    /// @param v2GuaranteeCount How many V2+ guarantees the commit netted (their ids consumed in the vault).
    event CycleCommitted(
        uint256 indexed cycleId,
        address indexed asset,
        bytes32 root,
        uint256 totalNet,
        uint32 debtorCount,
        uint32 creditorCount,
        bytes32 batchHash,
        uint256 v2GuaranteeCount
    );
    /// @notice `debtor`'s net debit was paid in full by `payer`.
    event NetDebitPaid(
        uint256 indexed cycleId,
        address indexed asset,
        address indexed debtor,
        address payer,
        uint256 amount
    );
    /// @notice `debtor` did not pay by the payment deadline; `covered` was pulled from its collateral.
    event DebtorDefaulted(
        uint256 indexed cycleId,
        address indexed asset,
        address indexed debtor,
        uint256 netDebit,
        uint256 covered,
        uint256 shortfall
    );
    /// @notice `creditor` was paid `paid` of its net credit `netCredit` (less only when the cycle is short).
    event NetCreditClaimed(
        uint256 indexed cycleId,
        address indexed asset,
        address indexed creditor,
        uint256 netCredit,
        uint256 paid
    );
    /// @notice `debtor`'s collateral `available` did not cover its net debit `amount`: nothing was taken and the
    ///         debtor stays unresolved (it can still pay, or be marked defaulted after the deadline).
    event NetDebitSettlementSkipped(
        uint256 indexed cycleId,
        address indexed asset,
        address indexed debtor,
        uint256 amount,
        uint256 available
    );
    /// @notice Every debtor is resolved and the finality deadline passed.
    event CycleFinalized(uint256 indexed cycleId, address indexed asset, uint256 paidIn, uint256 covered);

    /// @notice Commits the net positions of (`cycleId`, `asset`). Restricted (OPERATOR); not while paused.
    /// @dev Only inside `[resolutionCutoff, commitDeadline]` of the cycle, once per (cycle, asset). The totals must
    ///      be equal, and zero exactly when both counts are zero; the root non-zero exactly when the commit is not
    ///      empty. Nets `v2Guarantees` (route A): the vault consumes each one's id only if it is payer-signed and
    ///      payable now ({ICore4MicaSettlement-consumeNettedGuarantees}), and each one's amount counts towards its
    ///      payer's provable signed amount of this (cycle, asset). An empty list consumes nothing.
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
    ) external;

    /// @notice Pays `debtor`'s net debit `amount` in full. Anyone may pay for the debtor, until the payment
    ///         deadline, once. ETH: `msg.value == amount`. ERC-20: no value, and exactly `amount` pulled from the
    ///         caller (fee-on-transfer tokens are refused).
    function payNetDebit(
        uint256 cycleId,
        address asset,
        address debtor,
        uint256 amount,
        bytes32[] calldata proof
    ) external payable;

    /// @notice Pays each listed debtor's net debit from its collateral in the vault, on the debtor's EIP-712
    ///         authorization of that exact amount ({netDebitSettlementDigest}). Anyone may submit; no approval or
    ///         transfer by the debtor. Skips (event {NetDebitSettlementSkipped}, no revert) a debtor whose collateral
    ///         no longer covers `amount`: it stays unresolved. Reverts the whole batch on an empty list, a repeated or
    ///         already resolved debtor, a bad signature, a multiproof that does not prove every entry's leaf, more
    ///         entries than unresolved debtors, or after the payment deadline. Not gated by pause.
    /// @dev The entries' NET_DEBTOR leaves are proven all at once by one OpenZeppelin multiproof (`proof`,
    ///      `proofFlags`; `MerkleProof.multiProofVerifyCalldata`): the entries must come in the order the
    ///      OpenZeppelin merkle-tree library's `getMultiProof` returns their leaves (tree index descending), so the
    ///      caller orders them. A signature is checked as ECDSA by the debtor's key first, then, for an account with
    ///      code, ERC-1271. Per settled debtor one event, {NetDebitPaid} with payer = the vault (no other
    ///      {NetDebitPaid} has the vault as payer); the debtor is resolved (PAID) and `funded` grows by its amount.
    ///      The vault debits each covered debtor exactly its amount (a pending withdrawal is capped at what remains)
    ///      and sends the total in one transfer, which the ClearingHouse checks against its own balance.
    /// @return settled The total paid from collateral into the cycle.
    function settleNetDebitsFromCollateral(
        uint256 cycleId,
        address asset,
        CollateralSettlement[] calldata settlements,
        bytes32[] calldata proof,
        bool[] calldata proofFlags
    ) external returns (uint256 settled);

    /// @notice Marks unpaid debtors defaulted after the payment deadline and pulls
    ///         `min(netDebit, proven signed amount, collateral)` of each from the vault into the cycle, the proven
    ///         signed amount being `provenSignedAmount(cycleId, asset, debtor, claim.prover)`. Anyone; any number of
    ///         debtors per call and per cycle. Until `paymentDeadline + SEIZURE_MARGIN` the proven amount must cover
    ///         the net debit (`ClearingHouseSignedAmountTooLow`), so nobody can resolve a debtor cheaply before the
    ///         keepers' proofs are in; afterwards a debtor is resolved whatever was proven.
    function markDefaulted(uint256 cycleId, address asset, DefaultClaim[] calldata claims) external;

    /// @notice Pays `creditor` (whoever calls): in full once the cycle is funded (`paidIn + covered >= totalNet`);
    ///         otherwise, once every debtor is resolved, `amount * (paidIn + covered) / totalNet` rounded down.
    ///         Once per creditor, and at most `creditorCount` claims per (cycle, asset)
    ///         (`ClearingHouseTooManyCreditors`).
    /// @return paid What was sent to the creditor.
    function claimNetCredit(
        uint256 cycleId,
        address asset,
        address creditor,
        uint256 amount,
        bytes32[] calldata proof
    ) external returns (uint256 paid);

    /// @notice Pays each listed creditor its net credit, to the creditor's own address, by the rule of
    ///         {claimNetCredit} (in full when funded, pro rata once every debtor is resolved). Anyone may call.
    ///         Reverts the whole batch on an empty list, creditors not strictly increasing, or any claim that
    ///         {claimNetCredit} would refuse.
    /// @dev A batch that pays every remaining creditor (its length equals `creditorCount - claimedCreditors`)
    ///      does not write the creditors' claimed flags: afterwards no claim can succeed (a creditor of the tree
    ///      gets `ClearingHouseCreditAlreadyClaimed`), see {ParticipantState}.
    /// @return paid The total sent to the creditors.
    function claimNetCredits(
        uint256 cycleId,
        address asset,
        CreditClaim[] calldata claims
    ) external returns (uint256 paid);

    /// @notice Finalizes (`cycleId`, `asset`) after its finality deadline once every debtor is resolved. Anyone.
    ///         Never waits for creditors: they can still claim afterwards.
    function finalizeCycle(uint256 cycleId, address asset) external;

    /// @notice Pauses commits. Restricted (GUARDIAN).
    function pause() external;

    /// @notice Unpauses commits. Restricted (GOVERNANCE).
    function unpause() external;

    /// @notice The vault that consumes netted guarantee ids, covers defaults and defines the payers' EIP-712 domain.
    function vault() external view returns (address);

    /// @notice The state of (`cycleId`, `asset`).
    function getCycle(uint256 cycleId, address asset) external view returns (CycleState memory);

    /// @notice The state of `participant` in (`cycleId`, `asset`).
    function getParticipant(
        uint256 cycleId,
        address asset,
        address participant
    ) external view returns (ParticipantState memory);

    /// @notice The EIP-712 digest `debtor` signs to authorize {settleNetDebitsFromCollateral} of `amount` of
    ///         (`cycleId`, `asset`) (type {NetDebitSettlement}, domain `{name: "4Mica ClearingHouse", version: "1",
    ///         chainId, verifyingContract: this}`).
    function netDebitSettlementDigest(
        uint256 cycleId,
        address asset,
        address debtor,
        uint256 amount
    ) external view returns (bytes32);

    /// @notice The leaf of a net position in this ClearingHouse on this chain (see {NettingLeaf}).
    function leafOf(
        uint256 cycleId,
        address asset,
        address participant,
        uint8 role,
        uint256 amount
    ) external view returns (bytes32);
}
