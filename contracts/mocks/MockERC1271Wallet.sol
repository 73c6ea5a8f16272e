// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

/// @title MockERC1271Wallet
/// @notice TEST ONLY. A smart-contract wallet that approves a digest when the signature is the owner EOA's ECDSA
///         signature of that digest (ERC-1271).
contract MockERC1271Wallet is IERC1271 {
    address private immutable _owner;

    constructor(address owner_) {
        _owner = owner_;
    }

    /// @inheritdoc IERC1271
    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        (address signer, ECDSA.RecoverError err, ) = ECDSA.tryRecover(hash, signature);
        if (err == ECDSA.RecoverError.NoError && signer == _owner) return IERC1271.isValidSignature.selector;
        return 0xffffffff;
    }

    /// @notice Forwards a call from the owner (to deposit, request a withdrawal, ...).
    function execute(address target, uint256 value, bytes calldata data) external payable returns (bytes memory) {
        require(msg.sender == _owner, "not owner"); // solhint-disable-line gas-custom-errors
        (bool ok, bytes memory ret) = target.call{value: value}(data);
        if (!ok) {
            // Bubble the revert reason up unchanged.
            assembly ("memory-safe") {
                revert(add(ret, 0x20), mload(ret))
            }
        }
        return ret;
    }

    /// @dev Accepts withdrawals.
    receive() external payable {}
}
