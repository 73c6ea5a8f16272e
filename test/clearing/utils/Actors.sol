// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {ICore4MicaSettlement} from "../../../contracts/interfaces/ICore4MicaSettlement.sol";

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

/// @dev A vault that reports seizing more than it sends.
contract LyingVault is ICore4MicaSettlement {
    function consumeGuarantees(bytes32[] calldata) external {}

    function seizeCollateral(address, address, uint256 amount) external pure returns (uint256) {
        return amount;
    }

    function isConsumed(bytes32) external pure returns (bool) {
        return false;
    }
}
