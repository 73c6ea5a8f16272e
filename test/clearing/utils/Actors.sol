// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {ICore4MicaSettlement} from "../../../contracts/interfaces/ICore4MicaSettlement.sol";

/// @dev A smart-contract wallet that accepts every signature (ERC-1271): etched at the fixture's debtors, so that
///      any V1 request proves as theirs. The ECDSA path is tested with real keys in ClearingHouse.signedDebits.t.sol.
contract AcceptAllWallet {
    function isValidSignature(bytes32, bytes calldata) external pure returns (bytes4) {
        return 0x1626ba7e;
    }

    receive() external payable {}
}

/// @dev A creditor contract that refuses ETH.
contract RejectingCreditor {
    error RejectingCreditorNoEther();

    receive() external payable {
        revert RejectingCreditorNoEther();
    }
}

/// @dev A creditor that tries to re-enter the ClearingHouse when paid, records the outcome and keeps the ETH.
contract ReentrantCreditor {
    address public target;
    bytes public reentry;
    bool public reentered;
    bytes public reentryError;

    function arm(address target_, bytes calldata reentry_) external {
        target = target_;
        reentry = reentry_;
    }

    receive() external payable {
        (bool ok, bytes memory err) = target.call(reentry);
        reentered = ok;
        reentryError = err;
    }
}

/// @dev A vault that reports seizing (or settling from collateral) more than it sends.
contract LyingVault is ICore4MicaSettlement {
    uint64 public guaranteeExpiry = 21 days;
    uint64 public withdrawalDelay = 22 days;
    uint64 public synchronizationDelay = 6 hours;

    function consumeNettedGuarantees(
        uint256,
        address,
        uint256,
        NettedGuarantee[] calldata
    ) external pure returns (SignedDebit[] memory) {
        return new SignedDebit[](0);
    }

    function requestDomainSeparator() external pure returns (bytes32) {
        return keccak256("lying");
    }

    function seizeCollateral(address, address, uint256 amount) external pure returns (uint256) {
        return amount;
    }

    function isConsumed(bytes32) external pure returns (bool) {
        return false;
    }

    /// @dev When set, {settleFromCollateral} reports half of each amount as settled.
    bool public halves;

    function setHalves(bool halves_) external {
        halves = halves_;
    }

    /// @dev Reports settling every amount in full (or half of it), sends nothing.
    function settleFromCollateral(
        address,
        address[] calldata,
        uint256[] calldata amounts
    ) external view returns (uint256 total, uint256[] memory settled) {
        settled = amounts;
        for (uint256 i = 0; i < amounts.length; ++i) {
            if (halves) settled[i] = amounts[i] / 2;
            total += settled[i];
        }
    }
}
