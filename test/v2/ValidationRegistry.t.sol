// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IERC721Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {ERC8004IdentityRegistry} from "../../contracts/mocks/ERC8004IdentityRegistry.sol";
import {ERC8004ValidationRegistry} from "../../contracts/mocks/ERC8004ValidationRegistry.sol";
import {IERC8004IdentityRegistry} from "../../contracts/interfaces/draft-IERC8004IdentityRegistry.sol";
import {IERC8004ValidationRegistry} from "../../contracts/interfaces/draft-IERC8004ValidationRegistry.sol";
import {vm} from "../utils/Vm.sol";

/// @dev The mock registries behave like the ERC-8004 v2.0.0 reference; these tests pin that behaviour.
contract ValidationRegistryTest {
    ERC8004IdentityRegistry internal identity;
    ERC8004ValidationRegistry internal registry;

    address internal constant AGENT_OWNER = address(0xA11CE);
    address internal constant VALIDATOR = address(0xBA11);
    address internal constant STRANGER = address(0x5757);
    address internal constant OPERATOR = address(0x0BE7);
    bytes32 internal constant REQUEST_HASH = keccak256("request");

    uint256 internal agentId;

    function setUp() external {
        identity = new ERC8004IdentityRegistry();
        registry = new ERC8004ValidationRegistry(identity);
        vm.prank(STRANGER);
        identity.register(); // agent 0 belongs to someone else, so the agent under test has a non-zero id
        vm.prank(AGENT_OWNER);
        agentId = identity.register();
        vm.warp(1_000_000);
    }

    function _request() internal {
        vm.prank(AGENT_OWNER);
        registry.validationRequest(VALIDATOR, agentId, "ipfs://request", REQUEST_HASH);
    }

    function _respond(uint8 response, bytes32 responseHash, string memory tag) internal {
        vm.prank(VALIDATOR);
        registry.validationResponse(REQUEST_HASH, response, "ipfs://response", responseHash, tag);
    }

    function _assertStatus(
        bytes32 requestHash,
        uint8 response,
        bytes32 responseHash,
        string memory tag,
        uint256 lastUpdate
    ) internal view {
        (address v, uint256 a, uint8 r, bytes32 rh, string memory t, uint256 lu) = registry.getValidationStatus(
            requestHash
        );
        vm.assertEq(v, VALIDATOR, "validator");
        vm.assertEq(a, agentId, "agentId");
        vm.assertEq(r, response, "response");
        vm.assertEq(rh, responseHash, "responseHash");
        vm.assertEq(t, tag, "tag");
        vm.assertEq(lu, lastUpdate, "lastUpdate");
    }

    // ---- identity registry ----

    function test_register_mintsSequentialIdsToTheCaller() external {
        vm.assertEq(agentId, 1, "second agent id");
        vm.assertEq(identity.ownerOf(0), STRANGER, "owner of 0");
        vm.assertEq(identity.ownerOf(1), AGENT_OWNER, "owner of 1");
        vm.expectEmit(true, true, false, true, address(identity));
        emit IERC8004IdentityRegistry.Registered(2, "", OPERATOR);
        vm.prank(OPERATOR);
        vm.assertEq(identity.register(), 2, "third agent id");
        vm.assertEq(identity.balanceOf(OPERATOR), 1, "balance");
    }

    function test_getIdentityRegistry_returnsTheConstructorArgument() external view {
        vm.assertEq(registry.getIdentityRegistry(), address(identity), "identity registry");
    }

    // ---- validationRequest ----

    function test_validationRequest_storesAPendingStatusStampedAtRequestTime() external {
        vm.expectEmit(true, true, true, true, address(registry));
        emit IERC8004ValidationRegistry.ValidationRequest(VALIDATOR, agentId, "ipfs://request", REQUEST_HASH);
        _request();
        // lastUpdate is set at request time although nothing was answered: "lastUpdate != 0" means "requested".
        _assertStatus(REQUEST_HASH, 0, bytes32(0), "", 1_000_000);
        bytes32[] memory byAgent = registry.getAgentValidations(agentId);
        bytes32[] memory byValidator = registry.getValidatorRequests(VALIDATOR);
        vm.assertEq(byAgent.length, 1, "agent list length");
        vm.assertEq(byAgent[0], REQUEST_HASH, "agent list");
        vm.assertEq(byValidator.length, 1, "validator list length");
        vm.assertEq(byValidator[0], REQUEST_HASH, "validator list");
    }

    function test_validationRequest_byTokenApprovedAddress() external {
        vm.prank(AGENT_OWNER);
        identity.approve(STRANGER, agentId);
        vm.prank(STRANGER);
        registry.validationRequest(VALIDATOR, agentId, "", REQUEST_HASH);
        _assertStatus(REQUEST_HASH, 0, bytes32(0), "", 1_000_000);
    }

    function test_validationRequest_byOperatorOfTheOwner() external {
        vm.prank(AGENT_OWNER);
        identity.setApprovalForAll(OPERATOR, true);
        vm.prank(OPERATOR);
        registry.validationRequest(VALIDATOR, agentId, "", REQUEST_HASH);
        _assertStatus(REQUEST_HASH, 0, bytes32(0), "", 1_000_000);
    }

    function test_validationRequest_byNewOwnerAfterTransfer() external {
        vm.prank(AGENT_OWNER);
        identity.transferFrom(AGENT_OWNER, OPERATOR, agentId);
        vm.expectRevert(
            abi.encodeWithSelector(
                ERC8004ValidationRegistry.ERC8004ValidationRegistryNotAuthorized.selector,
                AGENT_OWNER,
                agentId
            )
        );
        _request();
        vm.prank(OPERATOR);
        registry.validationRequest(VALIDATOR, agentId, "", REQUEST_HASH);
        _assertStatus(REQUEST_HASH, 0, bytes32(0), "", 1_000_000);
    }

    function test_validationRequest_revertsWhenValidatorIsZero() external {
        vm.expectRevert(
            abi.encodeWithSelector(ERC8004ValidationRegistry.ERC8004ValidationRegistryZeroValidator.selector)
        );
        vm.prank(AGENT_OWNER);
        registry.validationRequest(address(0), agentId, "", REQUEST_HASH);
    }

    function test_validationRequest_revertsWhenHashExists() external {
        _request();
        vm.expectRevert(
            abi.encodeWithSelector(
                ERC8004ValidationRegistry.ERC8004ValidationRegistryRequestExists.selector,
                REQUEST_HASH
            )
        );
        _request();
    }

    function test_validationRequest_revertsWhenHashExistsForAnotherAgent() external {
        _request();
        vm.expectRevert(
            abi.encodeWithSelector(
                ERC8004ValidationRegistry.ERC8004ValidationRegistryRequestExists.selector,
                REQUEST_HASH
            )
        );
        vm.prank(STRANGER);
        registry.validationRequest(STRANGER, 0, "", REQUEST_HASH);
    }

    function test_validationRequest_revertsWhenCallerIsNotAuthorized() external {
        vm.expectRevert(
            abi.encodeWithSelector(
                ERC8004ValidationRegistry.ERC8004ValidationRegistryNotAuthorized.selector,
                STRANGER,
                agentId
            )
        );
        vm.prank(STRANGER);
        registry.validationRequest(VALIDATOR, agentId, "", REQUEST_HASH);
    }

    function test_validationRequest_revertsWhenAgentDoesNotExist() external {
        vm.expectRevert(abi.encodeWithSelector(IERC721Errors.ERC721NonexistentToken.selector, 7));
        vm.prank(AGENT_OWNER);
        registry.validationRequest(VALIDATOR, 7, "", REQUEST_HASH);
    }

    // ---- validationResponse ----

    function test_validationResponse_recordsTheAnswerAndStampsIt() external {
        _request();
        vm.warp(1_000_500);
        vm.expectEmit(true, true, true, true, address(registry));
        emit IERC8004ValidationRegistry.ValidationResponse(
            VALIDATOR,
            agentId,
            REQUEST_HASH,
            87,
            "ipfs://response",
            bytes32(uint256(0xE1)),
            "hard-finality"
        );
        _respond(87, bytes32(uint256(0xE1)), "hard-finality");
        _assertStatus(REQUEST_HASH, 87, bytes32(uint256(0xE1)), "hard-finality", 1_000_500);
    }

    function test_validationResponse_mayBeRepeatedAndTheLastAnswerWins() external {
        _request();
        vm.warp(1_000_100);
        _respond(60, bytes32(uint256(1)), "soft-finality");
        _assertStatus(REQUEST_HASH, 60, bytes32(uint256(1)), "soft-finality", 1_000_100);
        vm.warp(1_000_200);
        _respond(95, bytes32(uint256(2)), "hard-finality");
        _assertStatus(REQUEST_HASH, 95, bytes32(uint256(2)), "hard-finality", 1_000_200);
        // A validator may also lower its answer (the worst case for a consumer checking at payment time).
        vm.warp(1_000_300);
        _respond(10, bytes32(0), "");
        _assertStatus(REQUEST_HASH, 10, bytes32(0), "", 1_000_300);
    }

    function test_validationResponse_acceptsTheBounds() external {
        _request();
        _respond(0, bytes32(0), "");
        _assertStatus(REQUEST_HASH, 0, bytes32(0), "", 1_000_000);
        _respond(100, bytes32(0), "");
        _assertStatus(REQUEST_HASH, 100, bytes32(0), "", 1_000_000);
    }

    function test_validationResponse_revertsWhenRequestIsUnknown() external {
        vm.expectRevert(
            abi.encodeWithSelector(
                ERC8004ValidationRegistry.ERC8004ValidationRegistryUnknownRequest.selector,
                REQUEST_HASH
            )
        );
        _respond(50, bytes32(0), "");
    }

    function test_validationResponse_revertsWhenCallerIsNotTheValidator() external {
        _request();
        vm.expectRevert(
            abi.encodeWithSelector(
                ERC8004ValidationRegistry.ERC8004ValidationRegistryNotValidator.selector,
                AGENT_OWNER,
                VALIDATOR
            )
        );
        vm.prank(AGENT_OWNER);
        registry.validationResponse(REQUEST_HASH, 100, "", bytes32(0), "");
    }

    function testFuzz_validationResponse_revertsWhenResponseAbove100(uint8 response) external {
        response = uint8(bound(response, 101, 255));
        _request();
        vm.expectRevert(
            abi.encodeWithSelector(
                ERC8004ValidationRegistry.ERC8004ValidationRegistryResponseOutOfRange.selector,
                response
            )
        );
        _respond(response, bytes32(0), "");
    }

    // ---- getValidationStatus ----

    function test_getValidationStatus_revertsWhenRequestIsUnknown() external {
        vm.expectRevert(
            abi.encodeWithSelector(
                ERC8004ValidationRegistry.ERC8004ValidationRegistryUnknownRequest.selector,
                REQUEST_HASH
            )
        );
        registry.getValidationStatus(REQUEST_HASH);
    }

    // ---- getSummary ----

    function test_getSummary_countsOnlyAnsweredRequestsAndFilters() external {
        bytes32 second = keccak256("second");
        bytes32 third = keccak256("third");
        _request();
        vm.startPrank(AGENT_OWNER);
        registry.validationRequest(VALIDATOR, agentId, "", second);
        registry.validationRequest(OPERATOR, agentId, "", third);
        vm.stopPrank();
        address[] memory any = new address[](0);

        (uint64 count, uint8 avg) = registry.getSummary(agentId, any, "");
        vm.assertEq(count, 0, "pending requests are not counted");
        vm.assertEq(avg, 0, "no average");

        _respond(90, bytes32(0), "a");
        vm.prank(OPERATOR);
        registry.validationResponse(third, 61, "", bytes32(0), "b");
        (count, avg) = registry.getSummary(agentId, any, "");
        vm.assertEq(count, 2, "both answers");
        vm.assertEq(avg, 75, "rounded-down average");

        (count, avg) = registry.getSummary(agentId, any, "b");
        vm.assertEq(count, 1, "tag filter");
        vm.assertEq(avg, 61, "tag filter average");

        address[] memory only = new address[](1);
        only[0] = VALIDATOR;
        (count, avg) = registry.getSummary(agentId, only, "");
        vm.assertEq(count, 1, "validator filter");
        vm.assertEq(avg, 90, "validator filter average");

        (count, ) = registry.getSummary(agentId, only, "b");
        vm.assertEq(count, 0, "both filters");
    }

    function bound(uint256 x, uint256 lo, uint256 hi) internal pure returns (uint256) {
        return lo + (x % (hi - lo + 1));
    }
}
