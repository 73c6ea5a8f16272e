// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";
import {IGuaranteeDecoder} from "./interfaces/IGuaranteeDecoder.sol";
import {IValidationRegistryGuaranteeDecoder} from "./interfaces/IValidationRegistryGuaranteeDecoder.sol";
import {IERC8004ValidationRegistry} from "./interfaces/draft-IERC8004ValidationRegistry.sol";
import {GuaranteeCodec} from "./libraries/GuaranteeCodec.sol";
import {GuaranteeRequest} from "./libraries/GuaranteeRequest.sol";
import {Guarantee, GuaranteeV2} from "./libraries/GuaranteeTypes.sol";
import {ValidationHashes} from "./libraries/ValidationHashes.sol";

/// @title ValidationRegistryGuaranteeDecoder
/// @notice Decoder of version-2 guarantees for Core4Mica; see {IValidationRegistryGuaranteeDecoder}.
contract ValidationRegistryGuaranteeDecoder is IValidationRegistryGuaranteeDecoder, AccessManaged {
    uint8 private constant MAX_SCORE = 100;

    mapping(address registry => bool) private _trusted;

    /// @param authority The AccessManager; `setTrustedRegistry` should be granted to governance.
    /// @param initialRegistries Registries trusted from the start (none may be zero).
    constructor(address authority, address[] memory initialRegistries) AccessManaged(authority) {
        for (uint256 i; i < initialRegistries.length; ++i) {
            _setTrustedRegistry(initialRegistries[i], true);
        }
    }

    /// @inheritdoc IValidationRegistryGuaranteeDecoder
    function setTrustedRegistry(address registry, bool trusted) external restricted {
        _setTrustedRegistry(registry, trusted);
    }

    /// @inheritdoc IValidationRegistryGuaranteeDecoder
    function isTrustedRegistry(address registry) external view returns (bool) {
        return _trusted[registry];
    }

    /// @inheritdoc IGuaranteeDecoder
    function decode(
        bytes calldata inner
    ) external view returns (Guarantee memory guarantee, bytes32 requestStructHash) {
        GuaranteeV2 memory g = _decodeChecked(inner);
        return (GuaranteeCodec.toGuarantee(g), GuaranteeRequest.hashV2(g));
    }

    /// @inheritdoc IGuaranteeDecoder
    function checkRedeemable(bytes calldata inner) external view {
        GuaranteeV2 memory g = _decodeChecked(inner);
        address registry = g.validationRegistry;
        bytes32 requestHash = g.validationRequestHash;
        // Under viaIR, try/catch does not catch the ABI decoding of the empty return data of a call to an
        // account without code: that reverts in this frame with empty data. Refuse it first.
        if (registry.code.length == 0) revert V2DecoderValidationLookupFailed(registry, requestHash);

        try IERC8004ValidationRegistry(registry).getValidationStatus(requestHash) returns (
            address validatorAddress,
            uint256 agentId,
            uint8 response,
            bytes32 /* responseHash: any value, zero included, is accepted */,
            string memory tag,
            uint256 lastUpdate
        ) {
            if (lastUpdate == 0) revert V2DecoderValidationPending(requestHash);
            if (response < g.minValidationScore) revert V2DecoderValidationScoreTooLow(response, g.minValidationScore);
            if (validatorAddress != g.validatorAddress) {
                revert V2DecoderValidatorMismatch(g.validatorAddress, validatorAddress);
            }
            if (agentId != g.validatorAgentId) revert V2DecoderAgentMismatch(g.validatorAgentId, agentId);
            if (bytes(g.requiredValidationTag).length != 0) {
                bytes32 expected = keccak256(bytes(g.requiredValidationTag));
                bytes32 actual = keccak256(bytes(tag));
                if (actual != expected) revert V2DecoderTagMismatch(expected, actual);
            }
        } catch {
            revert V2DecoderValidationLookupFailed(registry, requestHash);
        }
    }

    /// @dev Decodes `inner` (GuaranteeCodec also requires `version == 2`) and checks the static policy, in the
    ///      order documented in {IValidationRegistryGuaranteeDecoder}.
    function _decodeChecked(bytes calldata inner) private view returns (GuaranteeV2 memory g) {
        g = GuaranteeCodec.decodeV2(inner);
        if (g.minValidationScore == 0 || g.minValidationScore > MAX_SCORE) {
            revert V2DecoderInvalidMinValidationScore(g.minValidationScore);
        }
        if (g.validationChainId != block.chainid) {
            revert V2DecoderValidationChainIdMismatch(block.chainid, g.validationChainId);
        }
        if (!_trusted[g.validationRegistry]) revert V2DecoderUntrustedRegistry(g.validationRegistry);
        bytes32 subjectHash = ValidationHashes.subjectHash(g);
        if (g.validationSubjectHash != subjectHash) {
            revert V2DecoderSubjectHashMismatch(subjectHash, g.validationSubjectHash);
        }
        // Over the subject hash just checked, so the request hash binds the base fields too.
        bytes32 requestHash = ValidationHashes.requestHash(g);
        if (g.validationRequestHash != requestHash) {
            revert V2DecoderRequestHashMismatch(requestHash, g.validationRequestHash);
        }
        if (g.jobHash == bytes32(0)) revert V2DecoderZeroJobHash();
    }

    function _setTrustedRegistry(address registry, bool trusted) private {
        if (registry == address(0)) revert V2DecoderZeroRegistry();
        _trusted[registry] = trusted;
        emit TrustedRegistrySet(registry, trusted);
    }
}
