// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IERC8004IdentityRegistry} from "../interfaces/draft-IERC8004IdentityRegistry.sol";
import {IERC8004ValidationRegistry} from "../interfaces/draft-IERC8004ValidationRegistry.sol";

/// @title ERC8004ValidationRegistry
/// @notice Test and local-demo ERC-8004 validation registry with the semantics of the v2.0.0 reference
///         implementation (not a settable stub), so the V2 decoder is tested against what it will meet:
///         - a request is stored with `response = 0`, `lastUpdate = block.timestamp` and no answer yet;
///         - only the agent's owner, approved address or operator may request, and a request hash is used once;
///         - only the named validator answers, with 0..100, as often as it likes: the last answer wins, and it may
///           lower the score (later upstream revisions forbid lowering; allowing it is the worst case for a
///           consumer that checks the result at payment time);
///         - the status of a hash that was never requested reverts.
/// @dev Reverts with custom errors where the reference reverts with strings. Unbounded arrays, as upstream.
contract ERC8004ValidationRegistry is IERC8004ValidationRegistry {
    /// @notice `validationRequest` named the zero address as validator.
    error ERC8004ValidationRegistryZeroValidator();
    /// @notice `requestHash` was already requested.
    error ERC8004ValidationRegistryRequestExists(bytes32 requestHash);
    /// @notice `caller` is neither the owner of `agentId`, nor approved for it, nor an operator of its owner.
    error ERC8004ValidationRegistryNotAuthorized(address caller, uint256 agentId);
    /// @notice `requestHash` was never requested.
    error ERC8004ValidationRegistryUnknownRequest(bytes32 requestHash);
    /// @notice `caller` answered a request addressed to `validator`.
    error ERC8004ValidationRegistryNotValidator(address caller, address validator);
    /// @notice The response is above 100.
    error ERC8004ValidationRegistryResponseOutOfRange(uint8 response);

    struct Status {
        address validatorAddress;
        uint8 response;
        bool hasResponse;
        uint256 agentId;
        bytes32 responseHash;
        string tag;
        uint256 lastUpdate;
    }

    uint8 private constant MAX_RESPONSE = 100;

    IERC8004IdentityRegistry private immutable _identityRegistry;

    /// @dev A request exists iff its `validatorAddress` is non-zero (zero validators are refused).
    mapping(bytes32 requestHash => Status) private _statuses;
    mapping(uint256 agentId => bytes32[]) private _agentValidations;
    mapping(address validator => bytes32[]) private _validatorRequests;

    constructor(IERC8004IdentityRegistry identityRegistry) {
        _identityRegistry = identityRegistry;
    }

    /// @notice The identity registry whose agents this registry validates.
    function getIdentityRegistry() external view returns (address) {
        return address(_identityRegistry);
    }

    /// @inheritdoc IERC8004ValidationRegistry
    function validationRequest(
        address validatorAddress,
        uint256 agentId,
        string calldata requestURI,
        bytes32 requestHash
    ) external {
        if (validatorAddress == address(0)) revert ERC8004ValidationRegistryZeroValidator();
        if (_statuses[requestHash].validatorAddress != address(0)) {
            revert ERC8004ValidationRegistryRequestExists(requestHash);
        }
        // ownerOf reverts (ERC721NonexistentToken) for an agent that was never registered.
        address owner = _identityRegistry.ownerOf(agentId);
        if (
            msg.sender != owner &&
            !_identityRegistry.isApprovedForAll(owner, msg.sender) &&
            _identityRegistry.getApproved(agentId) != msg.sender
        ) revert ERC8004ValidationRegistryNotAuthorized(msg.sender, agentId);

        Status storage s = _statuses[requestHash];
        s.validatorAddress = validatorAddress;
        s.agentId = agentId;
        s.lastUpdate = block.timestamp;
        _agentValidations[agentId].push(requestHash);
        _validatorRequests[validatorAddress].push(requestHash);
        emit ValidationRequest(validatorAddress, agentId, requestURI, requestHash);
    }

    /// @inheritdoc IERC8004ValidationRegistry
    function validationResponse(
        bytes32 requestHash,
        uint8 response,
        string calldata responseURI,
        bytes32 responseHash,
        string calldata tag
    ) external {
        Status storage s = _statuses[requestHash];
        address validator = s.validatorAddress;
        if (validator == address(0)) revert ERC8004ValidationRegistryUnknownRequest(requestHash);
        if (msg.sender != validator) revert ERC8004ValidationRegistryNotValidator(msg.sender, validator);
        if (response > MAX_RESPONSE) revert ERC8004ValidationRegistryResponseOutOfRange(response);

        s.response = response;
        s.responseHash = responseHash;
        s.tag = tag;
        s.lastUpdate = block.timestamp;
        s.hasResponse = true;
        emit ValidationResponse(validator, s.agentId, requestHash, response, responseURI, responseHash, tag);
    }

    /// @inheritdoc IERC8004ValidationRegistry
    function getValidationStatus(
        bytes32 requestHash
    )
        external
        view
        returns (
            address validatorAddress,
            uint256 agentId,
            uint8 response,
            bytes32 responseHash,
            string memory tag,
            uint256 lastUpdate
        )
    {
        Status storage s = _statuses[requestHash];
        if (s.validatorAddress == address(0)) revert ERC8004ValidationRegistryUnknownRequest(requestHash);
        return (s.validatorAddress, s.agentId, s.response, s.responseHash, s.tag, s.lastUpdate);
    }

    /// @inheritdoc IERC8004ValidationRegistry
    function getSummary(
        uint256 agentId,
        address[] calldata validatorAddresses,
        string calldata tag
    ) external view returns (uint64 count, uint8 avgResponse) {
        bytes32[] storage hashes = _agentValidations[agentId];
        bool anyTag = bytes(tag).length == 0;
        bytes32 tagHash = keccak256(bytes(tag));
        uint256 total;
        for (uint256 i; i < hashes.length; ++i) {
            Status storage s = _statuses[hashes[i]];
            if (!s.hasResponse) continue;
            if (!anyTag && keccak256(bytes(s.tag)) != tagHash) continue;
            if (!_contains(validatorAddresses, s.validatorAddress)) continue;
            total += s.response;
            ++count;
        }
        // The average of values in 0..100 is in 0..100, so the narrowing cast is safe.
        avgResponse = count == 0 ? 0 : uint8(total / count);
    }

    /// @inheritdoc IERC8004ValidationRegistry
    function getAgentValidations(uint256 agentId) external view returns (bytes32[] memory) {
        return _agentValidations[agentId];
    }

    /// @inheritdoc IERC8004ValidationRegistry
    function getValidatorRequests(address validatorAddress) external view returns (bytes32[] memory) {
        return _validatorRequests[validatorAddress];
    }

    /// @dev Whether `validator` is in `filter`; an empty filter matches every validator.
    function _contains(address[] calldata filter, address validator) private pure returns (bool) {
        if (filter.length == 0) return true;
        for (uint256 j; j < filter.length; ++j) {
            if (filter[j] == validator) return true;
        }
        return false;
    }
}
