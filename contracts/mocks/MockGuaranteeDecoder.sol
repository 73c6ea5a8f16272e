// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IGuaranteeDecoder} from "../interfaces/IGuaranteeDecoder.sol";
import {GuaranteeCodec} from "../libraries/GuaranteeCodec.sol";
import {GuaranteeRequest} from "../libraries/GuaranteeRequest.sol";
import {Guarantee, GuaranteeV2} from "../libraries/GuaranteeTypes.sol";

/// @title MockGuaranteeDecoder
/// @notice TEST ONLY. Decodes V2 inner bytes like the real decoder but answers `checkRedeemable` from a switch, so
///         vault tests exercise route B without an ERC-8004 registry.
contract MockGuaranteeDecoder is IGuaranteeDecoder {
    /// @notice The switch is off.
    error MockGuaranteeDecoderNotRedeemable();

    bool private _redeemable = true;

    /// @notice Sets what `checkRedeemable` answers.
    function setRedeemable(bool redeemable) external {
        _redeemable = redeemable;
    }

    /// @inheritdoc IGuaranteeDecoder
    function decode(bytes calldata inner) external pure returns (Guarantee memory, bytes32) {
        GuaranteeV2 memory g = GuaranteeCodec.decodeV2(inner);
        return (GuaranteeCodec.toGuarantee(g), GuaranteeRequest.hashV2(g));
    }

    /// @inheritdoc IGuaranteeDecoder
    function checkRedeemable(bytes calldata) external view {
        if (!_redeemable) revert MockGuaranteeDecoderNotRedeemable();
    }
}
