// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";

import {IClearingHouseSignedDebits} from "./interfaces/IClearingHouseSignedDebits.sol";
import {ICore4MicaSettlement} from "./interfaces/ICore4MicaSettlement.sol";
import {GuaranteeIds} from "./libraries/GuaranteeIds.sol";
import {GuaranteeRequest} from "./libraries/GuaranteeRequest.sol";
import {SettlementTimings} from "./libraries/SettlementTimings.sol";

/// @title ClearingHouseSignedDebits
/// @notice The proven signed amounts that cap the ClearingHouse's seizures; see {IClearingHouseSignedDebits}.
abstract contract ClearingHouseSignedDebits is IClearingHouseSignedDebits {
    /// @dev One prover's progress for one debtor: ids proven so far are all `<= lastId`.
    struct Cursor {
        bytes32 lastId;
        uint256 v1Total;
    }

    /// @inheritdoc IClearingHouseSignedDebits
    uint256 public constant SEIZURE_MARGIN = SettlementTimings.SEIZURE_MARGIN;

    mapping(uint256 cycleId => mapping(address asset => mapping(address debtor => mapping(address prover => Cursor))))
        private _cursors;
    mapping(uint256 cycleId => mapping(address asset => mapping(address debtor => uint256))) private _v2Netted;

    /// @inheritdoc IClearingHouseSignedDebits
    function proveSignedRequests(
        uint256 cycleId,
        address asset,
        address debtor,
        SignedRequestV1[] calldata requests
    ) external returns (uint256 v1Total) {
        (uint256 start, uint256 end) = _committedCycleWindow(cycleId, asset);
        bytes32 domain = _requestDomainSeparator();
        Cursor storage cursor = _cursors[cycleId][asset][debtor][msg.sender];
        uint256 last = uint256(cursor.lastId);
        v1Total = cursor.v1Total;
        uint256 freePointer;
        // Reads the free memory pointer, to reset it after each request below.
        assembly ("memory-safe") {
            freePointer := mload(0x40)
        }
        for (uint256 i = 0; i < requests.length; ++i) {
            SignedRequestV1 calldata r = requests[i];
            bytes32 id = GuaranteeIds.idOf(domain, debtor, r.recipient, asset, r.reqId);
            if (uint256(id) <= last) revert ClearingHouseProofOutOfOrder(id, bytes32(last));
            uint256 timestamp = r.timestamp;
            if (timestamp < start || timestamp >= end) {
                revert ClearingHouseRequestOutsideCycle(cycleId, id, timestamp, start, end);
            }
            bytes32 structHash = keccak256(
                abi.encode(GuaranteeRequest.V1_TYPEHASH, debtor, r.recipient, r.reqId, r.amount, asset, r.timestamp)
            );
            bytes32 digest = MessageHashUtils.toTypedDataHash(domain, structHash);
            if (!SignatureChecker.isValidSignatureNowCalldata(debtor, digest, r.signature)) {
                revert ClearingHouseInvalidRequestSignature(debtor, id);
            }
            last = uint256(id);
            v1Total += r.amount;
            // Frees what this iteration allocated (the encodings above and an ERC-1271 call's buffers): nothing
            // allocated since `freePointer` is read after this point, so the next iteration may reuse it. Without
            // it memory grows with every request and its quadratic cost dominates at 1,000 requests.
            assembly ("memory-safe") {
                mstore(0x40, freePointer)
            }
        }
        cursor.lastId = bytes32(last);
        cursor.v1Total = v1Total;
        emit SignedRequestsProven(cycleId, asset, debtor, msg.sender, requests.length, bytes32(last), v1Total);
    }

    /// @inheritdoc IClearingHouseSignedDebits
    function signedRequestCursor(
        uint256 cycleId,
        address asset,
        address debtor,
        address prover
    ) external view returns (bytes32 lastId, uint256 v1Total) {
        Cursor storage c = _cursors[cycleId][asset][debtor][prover];
        return (c.lastId, c.v1Total);
    }

    /// @inheritdoc IClearingHouseSignedDebits
    function nettedSignedAmount(uint256 cycleId, address asset, address debtor) external view returns (uint256) {
        return _v2Netted[cycleId][asset][debtor];
    }

    /// @inheritdoc IClearingHouseSignedDebits
    function provenSignedAmount(
        uint256 cycleId,
        address asset,
        address debtor,
        address prover
    ) external view returns (uint256) {
        return _provenSigned(cycleId, asset, debtor, prover);
    }

    /// @dev The cap of a seizure from `debtor` in (`cycleId`, `asset`) with `prover`'s cursor.
    function _provenSigned(
        uint256 cycleId,
        address asset,
        address debtor,
        address prover
    ) internal view returns (uint256) {
        return _cursors[cycleId][asset][debtor][prover].v1Total + _v2Netted[cycleId][asset][debtor];
    }

    /// @dev Records what a commit netted (amounts the vault verified against the payers' signatures).
    function _recordNetted(uint256 cycleId, address asset, ICore4MicaSettlement.SignedDebit[] memory debits) internal {
        mapping(address => uint256) storage netted = _v2Netted[cycleId][asset];
        for (uint256 i = 0; i < debits.length; ++i) netted[debits[i].user] += debits[i].amount;
    }

    /// @dev `[start, end)` of a committed (cycle, asset); reverts `ClearingHouseCycleNotCommitted` otherwise.
    function _committedCycleWindow(uint256 cycleId, address asset) internal view virtual returns (uint256, uint256);

    /// @dev The vault's EIP-712 domain separator.
    function _requestDomainSeparator() internal view virtual returns (bytes32);
}
