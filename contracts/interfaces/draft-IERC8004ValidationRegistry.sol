// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title IERC8004ValidationRegistry (draft)
/// @notice The ERC-8004 validation registry, v2.0.0 ABI (string tags, `responseHash` in the status).
/// @dev ERC-8004 is a draft. Semantics of the reference implementation that a consumer must know:
///      - `validationRequest` stores the request with `response = 0` and `lastUpdate = block.timestamp`, so
///        `lastUpdate != 0` means "requested", not "answered"; an unanswered request reads as a response of 0.
///      - `getValidationStatus` reverts for a hash that was never requested.
///      - the validator may answer again at any time, which replaces the response, its hash and the tag.
interface IERC8004ValidationRegistry {
    /// @notice Emitted when the agent's owner (or an approved address or operator) asks `validatorAddress` to
    ///         validate the work identified by `requestHash`.
    event ValidationRequest(
        address indexed validatorAddress,
        uint256 indexed agentId,
        string requestURI,
        bytes32 indexed requestHash
    );

    /// @notice Emitted on each answer of the validator to `requestHash`.
    event ValidationResponse(
        address indexed validatorAddress,
        uint256 indexed agentId,
        bytes32 indexed requestHash,
        uint8 response,
        string responseURI,
        bytes32 responseHash,
        string tag
    );

    /// @notice Asks `validatorAddress` to validate the work of agent `agentId` identified by `requestHash`.
    /// @dev Only the agent's owner, an address approved for it or an operator of its owner may call it;
    ///      `requestHash` must never have been requested before; `validatorAddress` must be non-zero.
    function validationRequest(
        address validatorAddress,
        uint256 agentId,
        string calldata requestURI,
        bytes32 requestHash
    ) external;

    /// @notice The validator's answer to `requestHash`: `response` in 0..100, with an optional evidence URI and
    ///         hash and a free-form `tag`. Only the validator named in the request may call it; it may call it
    ///         again, and the last answer wins.
    function validationResponse(
        bytes32 requestHash,
        uint8 response,
        string calldata responseURI,
        bytes32 responseHash,
        string calldata tag
    ) external;

    /// @notice The current status of `requestHash`. Reverts if it was never requested.
    /// @return validatorAddress The validator named in the request.
    /// @return agentId The agent whose work is validated.
    /// @return response The last response, 0 while unanswered.
    /// @return responseHash The last response's evidence hash (may be zero).
    /// @return tag The last response's tag ("" while unanswered).
    /// @return lastUpdate The time of the request, then of the last response.
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
        );

    /// @notice Count and average response of the answered requests of `agentId`, optionally filtered by
    ///         validators (empty list: any) and by tag (empty: any). Unanswered requests are not counted.
    function getSummary(
        uint256 agentId,
        address[] calldata validatorAddresses,
        string calldata tag
    ) external view returns (uint64 count, uint8 avgResponse);

    /// @notice Every request hash made for `agentId`, in request order.
    function getAgentValidations(uint256 agentId) external view returns (bytes32[] memory requestHashes);

    /// @notice Every request hash addressed to `validatorAddress`, in request order.
    function getValidatorRequests(address validatorAddress) external view returns (bytes32[] memory requestHashes);
}
