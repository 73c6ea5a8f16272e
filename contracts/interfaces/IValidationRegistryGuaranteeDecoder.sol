// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IGuaranteeDecoder} from "./IGuaranteeDecoder.sol";

/// @title IValidationRegistryGuaranteeDecoder
/// @notice The version-2 decoder (docs/protocol.md §4.3, §4.5): a V2 guarantee carries a payer-signed validation
///         policy, and becomes payable on-chain only when a trusted ERC-8004 validation registry holds a result for
///         the policy's canonical request hash that meets it.
/// @dev {decode} checks, in order: the encoding and `version == 2` (GuaranteeCodec, which reverts
///      `GuaranteeCodecVersionMismatch(2, version)`), `1 <= minValidationScore <= 100`,
///      `validationChainId == block.chainid`, the registry is trusted, the canonical subject hash, the canonical
///      request hash, `jobHash != 0`. {checkRedeemable} runs the same checks, then reads the registry: the registry
///      has code, `getValidationStatus(requestHash)` does not revert, `lastUpdate != 0`,
///      `response >= minValidationScore`, the validator and the agent match, and the tag matches when one is
///      required. The registry is read at redemption time: a validator that lowers its answer later blocks it.
interface IValidationRegistryGuaranteeDecoder is IGuaranteeDecoder {
    /// @notice `minValidationScore` is outside 1..100. A minimum of 0 is refused because an unanswered request
    ///         of the reference registry reads as a response of 0.
    error V2DecoderInvalidMinValidationScore(uint8 minValidationScore);

    /// @notice The policy names validation chain `actual`; this chain is `expected`.
    error V2DecoderValidationChainIdMismatch(uint256 expected, uint256 actual);

    /// @notice The policy names a registry that governance has not allowed.
    error V2DecoderUntrustedRegistry(address registry);

    /// @notice The carried `validationSubjectHash` (`actual`) is not the canonical one of the base fields
    ///         (`expected`).
    error V2DecoderSubjectHashMismatch(bytes32 expected, bytes32 actual);

    /// @notice The carried `validationRequestHash` (`actual`) is not the canonical one of the policy (`expected`).
    error V2DecoderRequestHashMismatch(bytes32 expected, bytes32 actual);

    /// @notice The policy's `jobHash` is zero.
    error V2DecoderZeroJobHash();

    /// @notice The registry could not be read for `requestHash`: it has no code, or `getValidationStatus` reverted
    ///         (the reference registry reverts for a hash that was never requested).
    error V2DecoderValidationLookupFailed(address registry, bytes32 requestHash);

    /// @notice The registry reports no update for `requestHash` (`lastUpdate == 0`).
    /// @dev The reference registry stamps `lastUpdate` at request time, so against it this error never fires:
    ///      a request that was made but not answered reads as response 0 and fails with
    ///      {V2DecoderValidationScoreTooLow} instead (safe because the minimum is at least 1). It stays for
    ///      registries that leave `lastUpdate` at 0 until the first answer.
    error V2DecoderValidationPending(bytes32 requestHash);

    /// @notice The registry's `response` is below the policy's `minValidationScore` (includes "requested but not
    ///         answered yet", which reads as 0).
    error V2DecoderValidationScoreTooLow(uint8 response, uint8 minValidationScore);

    /// @notice The request in the registry names validator `actual`; the policy requires `expected`.
    error V2DecoderValidatorMismatch(address expected, address actual);

    /// @notice The request in the registry is for agent `actual`; the policy requires `expected`.
    error V2DecoderAgentMismatch(uint256 expected, uint256 actual);

    /// @notice The answer's tag hashes to `actual`; the policy requires the tag hashing to `expected`.
    error V2DecoderTagMismatch(bytes32 expected, bytes32 actual);

    /// @notice The zero address cannot be a registry.
    error V2DecoderZeroRegistry();

    /// @notice Emitted when governance allows (`trusted`) or disallows a validation registry, and for each registry
    ///         given to the constructor.
    event TrustedRegistrySet(address indexed registry, bool trusted);

    /// @notice Allows or disallows `registry` as the validation registry of V2 policies.
    /// @dev Restricted (governance). Disallowing a registry makes pending V2 guarantees that name it unredeemable
    ///      on route B until it is allowed again.
    function setTrustedRegistry(address registry, bool trusted) external;

    /// @notice Whether `registry` may be named by a V2 policy.
    function isTrustedRegistry(address registry) external view returns (bool);
}
