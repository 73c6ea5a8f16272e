// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {vm} from "../../utils/Vm.sol";

/// @dev Test helpers for NetDebitSettlement authorizations: the EIP-712 digest computed here from the definitions
///      (not by the contract), ECDSA signing, and keys whose addresses strictly increase (batches are sorted).
library SettlementSigning {
    function digest(
        address house,
        uint256 cycleId,
        address asset,
        address debtor,
        uint256 amount
    ) internal view returns (bytes32) {
        bytes32 domain = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("4Mica ClearingHouse"),
                keccak256("1"),
                block.chainid,
                house
            )
        );
        bytes32 structHash = keccak256(
            abi.encode(
                keccak256("NetDebitSettlement(uint256 cycleId,address asset,address debtor,uint256 amount)"),
                cycleId,
                asset,
                debtor,
                amount
            )
        );
        return keccak256(abi.encodePacked(hex"1901", domain, structHash));
    }

    function sign(uint256 pk, bytes32 hash) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(pk, hash);
        return abi.encodePacked(r, s, v);
    }

    /// @dev `n` private keys derived from `seed` whose addresses strictly increase (insertion sort: test sizes).
    function sortedKeys(uint256 n, uint256 seed) internal pure returns (uint256[] memory pks) {
        pks = new uint256[](n);
        address[] memory addrs = new address[](n);
        for (uint256 i = 0; i < n; ++i) {
            pks[i] = (uint256(keccak256(abi.encode(seed, i))) % 2 ** 160) + 1;
            addrs[i] = vm.addr(pks[i]);
        }
        for (uint256 i = 1; i < n; ++i) {
            uint256 x = pks[i];
            address ax = addrs[i];
            uint256 j = i;
            while (j > 0 && addrs[j - 1] > ax) {
                pks[j] = pks[j - 1];
                addrs[j] = addrs[j - 1];
                --j;
            }
            pks[j] = x;
            addrs[j] = ax;
        }
    }
}
