// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {Guarantee} from "../libraries/GuaranteeTypes.sol";

/// @title IGuaranteeDecoder
/// @notice Decodes the inner certificate bytes of one guarantee version (2 and later) for Core4Mica.
interface IGuaranteeDecoder {
    /// @notice Decodes `inner` and checks the policy fields that do not depend on chain state.
    /// @param inner The `inner` bytes of the envelope `abi.encode(uint64 version, bytes inner)`.
    /// @return guarantee The base guarantee fields.
    /// @return requestStructHash The EIP-712 struct hash of the payer's request, checked by the vault
    ///         against the payer's signature under the vault's EIP-712 domain.
    function decode(bytes calldata inner) external view returns (Guarantee memory guarantee, bytes32 requestStructHash);

    /// @notice Reverts unless the guarantee may be paid now (for V2: the registry result matches the policy).
    /// @param inner The same bytes as given to {decode}.
    function checkRedeemable(bytes calldata inner) external view;
}
