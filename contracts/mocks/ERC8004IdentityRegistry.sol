// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {IERC8004IdentityRegistry} from "../interfaces/draft-IERC8004IdentityRegistry.sol";

/// @title ERC8004IdentityRegistry
/// @notice Test and local-demo ERC-8004 identity registry: an ERC-721 whose `register()` mints the next agent id
///         (0, 1, 2, ...) to the caller, like the reference implementation. No URIs, metadata or agent wallets.
contract ERC8004IdentityRegistry is ERC721, IERC8004IdentityRegistry {
    uint256 private _nextAgentId;

    constructor() ERC721("AgentIdentity", "AGENT") {}

    /// @inheritdoc IERC8004IdentityRegistry
    function register() external returns (uint256 agentId) {
        agentId = _nextAgentId++;
        emit Registered(agentId, "", msg.sender);
        _safeMint(msg.sender, agentId);
    }
}
