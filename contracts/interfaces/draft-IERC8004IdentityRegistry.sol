// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";

/// @title IERC8004IdentityRegistry (draft)
/// @notice The part of the ERC-8004 identity registry that 4Mica and the validation registry use: an agent is an
///         ERC-721 token whose id is the `agentId`. Its owner, an address approved for the token (`getApproved`) or
///         an operator of the owner (`isApprovedForAll`) acts for the agent.
/// @dev ERC-8004 is a draft; this follows the reference implementation (IdentityRegistry 1.1.0), whose ids start at 0.
interface IERC8004IdentityRegistry is IERC721 {
    /// @notice Emitted when `owner` registers agent `agentId` (with an empty `agentURI` for {register}).
    event Registered(uint256 indexed agentId, string agentURI, address indexed owner);

    /// @notice Mints the next agent id to the caller.
    /// @return agentId The new agent's id.
    function register() external returns (uint256 agentId);
}
