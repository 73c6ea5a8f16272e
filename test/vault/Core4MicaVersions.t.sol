// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {AccessManager} from "@openzeppelin/contracts/access/manager/AccessManager.sol";

import {Core4Mica} from "../../contracts/Core4Mica.sol";
import {ICore4Mica} from "../../contracts/interfaces/ICore4Mica.sol";
import {BLS} from "../../contracts/libraries/BLS.sol";
import {GuaranteeCodec} from "../../contracts/libraries/GuaranteeCodec.sol";
import {BLSSigner} from "../utils/BLSSigner.sol";
import {vm} from "../utils/Vm.sol";
import {Core4MicaTestBase} from "./Core4MicaTestBase.sol";

contract Core4MicaVersionsTest is Core4MicaTestBase {
    // ---------------------------------------------------------------- constructor

    function test_constructor_configuresVersion1() external view {
        ICore4Mica.VersionConfig memory c = vault.versionConfig(1);
        _assertKey(c.key, operatorKey);
        vm.assertEq(c.domain, GuaranteeCodec.domainSeparator(1, block.chainid, address(vault)), "domain");
        vm.assertEq(c.domain, _v1Domain(), "domain string");
        vm.assertEq(c.decoder, address(0), "decoder");
        vm.assertTrue(c.enabled, "enabled");
    }

    function test_constructor_pinsTheV1DomainFormula() external view {
        bytes32 expected = keccak256(abi.encode("4MICA_CORE_GUARANTEE_V1", block.chainid, address(vault)));
        vm.assertEq(vault.versionConfig(1).domain, expected, "domain");
    }

    function test_constructor_revertsOnAnInvalidKey() external {
        BLS.G1Point memory infinity;
        vm.expectRevert(abi.encodeWithSelector(ICore4Mica.Core4MicaInvalidVerificationKey.selector, uint64(1)));
        new Core4Mica(address(manager), infinity, new address[](0));
    }

    function test_constructor_acceptsAnEmptyTokenList() external {
        Core4Mica bare = new Core4Mica(address(new AccessManager(address(this))), operatorKey, new address[](0));
        vm.assertTrue(bare.isAssetAllowed(ETH), "eth");
        vm.assertFalse(bare.isAssetAllowed(address(token)), "token");
    }

    function test_eip712Domain_isFourMicaV1BoundToTheVault() external view {
        (, string memory name, string memory version, uint256 chainId, address verifyingContract, , ) = vault
            .eip712Domain();
        vm.assertEq(name, "4Mica", "name");
        vm.assertEq(version, "1", "version");
        vm.assertEq(chainId, block.chainid, "chainId");
        vm.assertEq(verifyingContract, address(vault), "verifyingContract");
        vm.assertEq(vault.payerRequestDigest(keccak256("x")), _digest(keccak256("x")), "digest");
    }

    // ---------------------------------------------------------------- configureVersion

    function test_configureVersion_rotatesTheV1Key() external {
        BLS.G1Point memory fresh = BLSSigner.publicKey(OTHER_OPERATOR_SK);
        bytes32 domain = _v1Domain();
        vm.expectEmit(true, true, true, true, address(vault));
        emit ICore4Mica.VersionConfigured(1, fresh, domain, address(0), true);
        vm.prank(GOVERNOR);
        vault.configureVersion(1, fresh, domain, address(0), true);
        _assertKey(vault.versionConfig(1).key, fresh);
    }

    function test_configureVersion_configuresV2WithADecoder() external view {
        ICore4Mica.VersionConfig memory c = vault.versionConfig(2);
        vm.assertEq(c.decoder, address(decoder), "decoder");
        vm.assertEq(c.domain, _v2Domain(), "domain");
        vm.assertTrue(c.enabled, "enabled");
    }

    function test_configureVersion_disablesAVersion() external {
        BLS.G1Point memory none;
        vm.prank(GOVERNOR);
        vault.configureVersion(2, none, bytes32(0), address(0), false);
        ICore4Mica.VersionConfig memory c = vault.versionConfig(2);
        vm.assertFalse(c.enabled, "enabled");
        vm.assertEq(c.decoder, address(0), "stored as given");
    }

    function test_configureVersion_revertsForVersionZero() external {
        vm.prank(GOVERNOR);
        vm.expectRevert(abi.encodeWithSelector(ICore4Mica.Core4MicaInvalidVersion.selector, uint64(0)));
        vault.configureVersion(0, operatorKey, keccak256("d"), address(0), true);
    }

    function test_configureVersion_revertsWhenV1HasADecoder() external {
        vm.prank(GOVERNOR);
        vm.expectRevert(
            abi.encodeWithSelector(ICore4Mica.Core4MicaDecoderNotAllowed.selector, uint64(1), address(decoder))
        );
        vault.configureVersion(1, operatorKey, _v1Domain(), address(decoder), true);
    }

    function test_configureVersion_revertsWhenDisabledV1HasADecoder() external {
        vm.prank(GOVERNOR);
        vm.expectRevert(
            abi.encodeWithSelector(ICore4Mica.Core4MicaDecoderNotAllowed.selector, uint64(1), address(decoder))
        );
        vault.configureVersion(1, operatorKey, _v1Domain(), address(decoder), false);
    }

    function test_configureVersion_revertsWhenEnabledV2HasNoDecoder() external {
        vm.prank(GOVERNOR);
        vm.expectRevert(abi.encodeWithSelector(ICore4Mica.Core4MicaDecoderMissing.selector, uint64(2), address(0)));
        vault.configureVersion(2, operatorKey, _v2Domain(), address(0), true);
    }

    function test_configureVersion_revertsWhenTheDecoderHasNoCode() external {
        vm.prank(GOVERNOR);
        vm.expectRevert(abi.encodeWithSelector(ICore4Mica.Core4MicaDecoderMissing.selector, uint64(3), STRANGER));
        vault.configureVersion(3, operatorKey, keccak256("d3"), STRANGER, true);
    }

    function test_configureVersion_revertsWhenEnabledWithAZeroDomain() external {
        vm.prank(GOVERNOR);
        vm.expectRevert(abi.encodeWithSelector(ICore4Mica.Core4MicaInvalidDomain.selector, uint64(1)));
        vault.configureVersion(1, operatorKey, bytes32(0), address(0), true);
    }

    function test_configureVersion_revertsWhenEnabledWithTheInfinityKey() external {
        BLS.G1Point memory infinity;
        vm.prank(GOVERNOR);
        vm.expectRevert(abi.encodeWithSelector(ICore4Mica.Core4MicaInvalidVerificationKey.selector, uint64(2)));
        vault.configureVersion(2, infinity, _v2Domain(), address(decoder), true);
    }

    function test_configureVersion_revertsWhenEnabledWithAnOffCurveKey() external {
        BLS.G1Point memory bad = operatorKey;
        bad.y_b = bytes32(uint256(bad.y_b) ^ 1);
        vm.prank(GOVERNOR);
        vm.expectRevert(abi.encodeWithSelector(ICore4Mica.Core4MicaInvalidVerificationKey.selector, uint64(1)));
        vault.configureVersion(1, bad, _v1Domain(), address(0), true);
    }

    function test_configureVersion_revertsForAStranger() external {
        vm.prank(STRANGER);
        vm.expectRevert(_unauthorized(STRANGER));
        vault.configureVersion(1, operatorKey, _v1Domain(), address(0), true);
    }

    // ---------------------------------------------------------------- helpers

    function _assertKey(BLS.G1Point memory a, BLS.G1Point memory b) private pure {
        vm.assertEq(a.x_a, b.x_a, "x_a");
        vm.assertEq(a.x_b, b.x_b, "x_b");
        vm.assertEq(a.y_a, b.y_a, "y_a");
        vm.assertEq(a.y_b, b.y_b, "y_b");
    }
}
