// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";
import {Guarantee, GuaranteeV2} from "./GuaranteeTypes.sol";

/// @title GuaranteeCodec
/// @notice The certificate's bytes (docs/protocol.md §2, §4.2): the envelope `abi.encode(uint64 version, bytes inner)`,
///         the V1 and V2 inner encodings and the per-version certificate domain. The guarantee id is not derived
///         from the certificate but from the payer's signed request ({GuaranteeIds}).
/// @dev Decoders accept only the canonical ABI encoding (the one `abi.encode` and viem produce): fixed offsets,
///      exact lengths, clean high bits and zero padding. The envelope is what the operator BLS-signs, so one
///      guarantee has exactly one byte string, and every malformed input reverts with a custom error instead of a
///      bare `abi.decode` revert.
library GuaranteeCodec {
    /// @notice The input is shorter than the smallest well-formed encoding.
    error GuaranteeCodecTooShort(uint256 minimum, uint256 actual);
    /// @notice The input length differs from the one its own length words imply.
    error GuaranteeCodecInvalidLength(uint256 expected, uint256 actual);
    /// @notice A length word points past the end of the input.
    error GuaranteeCodecLengthOutOfBounds(uint256 declared, uint256 available);
    /// @notice An offset word is not the canonical one.
    error GuaranteeCodecInvalidOffset(uint256 expected, uint256 actual);
    /// @notice The word at byte `position` does not fit its type (dirty high bits).
    error GuaranteeCodecFieldOutOfRange(uint256 position, uint256 word);
    /// @notice The padding after a dynamic value is not zero.
    error GuaranteeCodecNonZeroPadding(uint256 lastWord);
    /// @notice The inner `version` field is not the version being decoded.
    error GuaranteeCodecVersionMismatch(uint64 expected, uint64 actual);

    /// @dev Version word, offset word, length word.
    uint256 private constant ENVELOPE_HEAD = 96;
    uint256 private constant V1_LENGTH = 9 * 32;
    /// @dev Offset word of the dynamic tuple, then its 18 head words.
    uint256 private constant V2_TUPLE_OFFSET = 0x20;
    uint256 private constant V2_TAG_OFFSET = 18 * 32;
    uint256 private constant V2_TAG_LENGTH_POSITION = 32 + V2_TAG_OFFSET;
    uint256 private constant V2_TAG_DATA_POSITION = V2_TAG_LENGTH_POSITION + 32;

    // ---------------------------------------------------------------- envelope

    /// @notice Splits an envelope into its version and inner bytes (a slice of `envelope`, no copy).
    function decodeEnvelope(bytes calldata envelope) internal pure returns (uint64 version, bytes calldata inner) {
        if (envelope.length < ENVELOPE_HEAD) revert GuaranteeCodecTooShort(ENVELOPE_HEAD, envelope.length);
        version = _uint64At(envelope, 0);
        uint256 offset = _wordAt(envelope, 32);
        if (offset != 64) revert GuaranteeCodecInvalidOffset(64, offset);
        uint256 innerLength = _wordAt(envelope, 64);
        _checkTail(envelope, ENVELOPE_HEAD, innerLength);
        inner = envelope[ENVELOPE_HEAD:ENVELOPE_HEAD + innerLength];
    }

    /// @notice `abi.encode(version, inner)`.
    function encodeEnvelope(uint64 version, bytes memory inner) internal pure returns (bytes memory) {
        return abi.encode(version, inner);
    }

    // ---------------------------------------------------------------- V1

    /// @notice Decodes `abi.encode(Guarantee)` and requires its `version` to be 1.
    function decodeV1(bytes calldata inner) internal pure returns (Guarantee memory g) {
        if (inner.length != V1_LENGTH) revert GuaranteeCodecInvalidLength(V1_LENGTH, inner.length);
        g.domain = bytes32(_wordAt(inner, 0));
        g.cycleId = _wordAt(inner, 32);
        g.version = _uint64At(inner, 64);
        g.user = _addressAt(inner, 96);
        g.recipient = _addressAt(inner, 128);
        g.reqId = _wordAt(inner, 160);
        g.amount = _wordAt(inner, 192);
        g.asset = _addressAt(inner, 224);
        g.timestamp = _uint64At(inner, 256);
        if (g.version != 1) revert GuaranteeCodecVersionMismatch(1, g.version);
    }

    /// @notice `abi.encode(g)`: the V1 inner bytes.
    function encodeV1(Guarantee memory g) internal pure returns (bytes memory) {
        return abi.encode(g);
    }

    // ---------------------------------------------------------------- V2

    /// @notice Decodes `abi.encode(GuaranteeV2)` and requires its `version` to be 2.
    function decodeV2(bytes calldata inner) internal pure returns (GuaranteeV2 memory g) {
        if (inner.length < V2_TAG_DATA_POSITION) revert GuaranteeCodecTooShort(V2_TAG_DATA_POSITION, inner.length);
        uint256 offset = _wordAt(inner, 0);
        if (offset != V2_TUPLE_OFFSET) revert GuaranteeCodecInvalidOffset(V2_TUPLE_OFFSET, offset);
        // Head words are at 32 + 32 * i (the tuple starts after its offset word).
        offset = _wordAt(inner, 32 + 17 * 32);
        if (offset != V2_TAG_OFFSET) revert GuaranteeCodecInvalidOffset(V2_TAG_OFFSET, offset);
        uint256 tagLength = _wordAt(inner, V2_TAG_LENGTH_POSITION);
        _checkTail(inner, V2_TAG_DATA_POSITION, tagLength);

        g.domain = bytes32(_wordAt(inner, 32));
        g.cycleId = _wordAt(inner, 64);
        g.version = _uint64At(inner, 96);
        g.user = _addressAt(inner, 128);
        g.recipient = _addressAt(inner, 160);
        g.reqId = _wordAt(inner, 192);
        g.amount = _wordAt(inner, 224);
        g.asset = _addressAt(inner, 256);
        g.timestamp = _uint64At(inner, 288);
        g.validationRegistry = _addressAt(inner, 320);
        g.validationRequestHash = bytes32(_wordAt(inner, 352));
        g.validationChainId = _uint64At(inner, 384);
        g.validatorAddress = _addressAt(inner, 416);
        g.validatorAgentId = _wordAt(inner, 448);
        g.minValidationScore = _uint8At(inner, 480);
        g.validationSubjectHash = bytes32(_wordAt(inner, 512));
        g.jobHash = bytes32(_wordAt(inner, 544));
        g.requiredValidationTag = string(inner[V2_TAG_DATA_POSITION:V2_TAG_DATA_POSITION + tagLength]);
        if (g.version != 2) revert GuaranteeCodecVersionMismatch(2, g.version);
    }

    /// @notice `abi.encode(g)`: the V2 inner bytes (a dynamic tuple, so they start with the 0x20 offset word).
    function encodeV2(GuaranteeV2 memory g) internal pure returns (bytes memory) {
        return abi.encode(g);
    }

    /// @notice The base fields of a V2 certificate.
    function toGuarantee(GuaranteeV2 memory g) internal pure returns (Guarantee memory) {
        return
            Guarantee({
                domain: g.domain,
                cycleId: g.cycleId,
                version: g.version,
                user: g.user,
                recipient: g.recipient,
                reqId: g.reqId,
                amount: g.amount,
                asset: g.asset,
                timestamp: g.timestamp
            });
    }

    // ---------------------------------------------------------------- identifiers

    /// @notice `keccak256(abi.encode("4MICA_CORE_GUARANTEE_V<version>", chainId, core4Mica))`.
    function domainSeparator(uint64 version, uint256 chainId, address core4Mica) internal pure returns (bytes32) {
        string memory tag = string.concat("4MICA_CORE_GUARANTEE_V", Strings.toString(version));
        return keccak256(abi.encode(tag, chainId, core4Mica));
    }

    // ---------------------------------------------------------------- word access

    /// @dev Checks that `data` ends exactly with `length` bytes at `start`, zero-padded to a word.
    function _checkTail(bytes calldata data, uint256 start, uint256 length) private pure {
        uint256 available = data.length - start; // callers checked data.length >= start
        if (length > available) revert GuaranteeCodecLengthOutOfBounds(length, available);
        // Cannot overflow: length <= calldata size.
        uint256 expected = start + ((length + 31) & ~uint256(31));
        if (data.length != expected) revert GuaranteeCodecInvalidLength(expected, data.length);
        uint256 used = length % 32;
        if (used != 0) {
            uint256 last = _wordAt(data, data.length - 32);
            if (last & ((1 << ((32 - used) * 8)) - 1) != 0) revert GuaranteeCodecNonZeroPadding(last);
        }
    }

    /// @dev The word at byte `position`; callers check `position + 32 <= data.length`.
    function _wordAt(bytes calldata data, uint256 position) private pure returns (uint256 word) {
        // Reads inside `data` by the caller's length check; calldataload cannot fail.
        assembly ("memory-safe") {
            word := calldataload(add(data.offset, position))
        }
    }

    function _addressAt(bytes calldata data, uint256 position) private pure returns (address) {
        uint256 word = _wordAt(data, position);
        if (word > type(uint160).max) revert GuaranteeCodecFieldOutOfRange(position, word);
        return address(uint160(word));
    }

    function _uint64At(bytes calldata data, uint256 position) private pure returns (uint64) {
        uint256 word = _wordAt(data, position);
        if (word > type(uint64).max) revert GuaranteeCodecFieldOutOfRange(position, word);
        return uint64(word);
    }

    function _uint8At(bytes calldata data, uint256 position) private pure returns (uint8) {
        uint256 word = _wordAt(data, position);
        if (word > type(uint8).max) revert GuaranteeCodecFieldOutOfRange(position, word);
        return uint8(word);
    }
}
