// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title NettingLeaf
/// @notice The Merkle leaf of one net position of a (cycle, asset) commit (docs/protocol.md §6):
///         `keccak256(bytes.concat(keccak256(abi.encode(chainId, clearingHouse, cycleId, asset, participant,
///         role, amount))))`, which is OpenZeppelin `StandardMerkleTree`'s leaf over the types
///         `["uint256","address","uint256","address","address","uint8","uint256"]`.
library NettingLeaf {
    /// @notice The participant owes `amount` to the cycle.
    uint8 internal constant NET_DEBTOR = 0;
    /// @notice The cycle owes `amount` to the participant.
    uint8 internal constant NET_CREDITOR = 1;

    /// @notice The leaf of a net position.
    /// @dev Equal to `keccak256(bytes.concat(keccak256(abi.encode(...))))` over the seven values (pinned by
    ///      test/vectors/netting.json); assembly only to skip the memory allocation of `abi.encode`.
    function hash(
        uint256 chainId,
        address clearingHouse,
        uint256 cycleId,
        address asset,
        address participant,
        uint8 role,
        uint256 amount
    ) internal pure returns (bytes32 leaf) {
        // Writes seven words at the free memory pointer without advancing it (scratch use, nothing is read back
        // later) and one word in the scratch space at 0x00. Narrow types are masked, so dirty high bits can never
        // change the encoding.
        assembly ("memory-safe") {
            let p := mload(0x40)
            let addrMask := 0xffffffffffffffffffffffffffffffffffffffff
            mstore(p, chainId)
            mstore(add(p, 0x20), and(clearingHouse, addrMask))
            mstore(add(p, 0x40), cycleId)
            mstore(add(p, 0x60), and(asset, addrMask))
            mstore(add(p, 0x80), and(participant, addrMask))
            mstore(add(p, 0xa0), and(role, 0xff))
            mstore(add(p, 0xc0), amount)
            mstore(0x00, keccak256(p, 0xe0))
            leaf := keccak256(0x00, 0x20)
        }
    }
}
