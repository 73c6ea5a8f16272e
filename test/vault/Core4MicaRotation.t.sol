// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {AccessManager} from "@openzeppelin/contracts/access/manager/AccessManager.sol";

import {Core4Mica} from "../../contracts/Core4Mica.sol";
import {ICore4Mica} from "../../contracts/interfaces/ICore4Mica.sol";
import {ICore4MicaSettlement} from "../../contracts/interfaces/ICore4MicaSettlement.sol";
import {BLS} from "../../contracts/libraries/BLS.sol";
import {GuaranteeCodec} from "../../contracts/libraries/GuaranteeCodec.sol";
import {Guarantee, GuaranteeV2} from "../../contracts/libraries/GuaranteeTypes.sol";
import {BLSSigner} from "../utils/BLSSigner.sol";
import {vm, vmc} from "../utils/Vm.sol";
import {Core4MicaTestBase} from "./Core4MicaTestBase.sol";

/// @dev One payer signature pays once (issue 7, attack 3), and what a key or domain rotation does to outstanding
///      certificates (docs/protocol.md §5.2): the id is made of payer-signed fields only, so a certificate of another
///      domain, key, cycle or version for the same signed request has the same id.
contract Core4MicaRotationTest is Core4MicaTestBase {
    uint64 internal constant TS = T0 + 1 hours;
    bytes32 internal constant ROTATED_DOMAIN = keccak256("rotated V2 domain");

    function setUp() public override {
        super.setUp();
        _depositEth(payer, 10 ether);
        vm.warp(TS + GRACE);
    }

    function _rotateDomain() internal {
        vm.prank(GOVERNOR);
        vault.configureVersion(2, operatorKey, ROTATED_DOMAIN, address(decoder), true);
    }

    function _rotateKey() internal {
        // The key is computed first: a prank applies to the next call, and BLSSigner calls a precompile.
        BLS.G1Point memory rotated = BLSSigner.publicKey(OTHER_OPERATOR_SK);
        vm.prank(GOVERNOR);
        vault.configureVersion(2, rotated, _v2Domain(), address(decoder), true);
    }

    // ---------------------------------------------------------------- attack 3: replay after a rotation

    /// @dev The attack as reproduced on main: pay, rotate the domain (same key), re-certify the same signed request
    ///      under the new domain and pay again with the same payer signature. Now the second payment is refused.
    function test_attack3_aDomainRotationDoesNotLetOnePayerSignaturePayTwice() external {
        GuaranteeV2 memory g = _v2(ETH, 2 ether, 1, TS);
        bytes memory payerSig = _payerSigV2(g);
        bytes memory cert = _envelopeV2(g);
        bytes32 id = vault.remunerate(cert, _bls(cert), payerSig);

        _rotateDomain();
        g.domain = ROTATED_DOMAIN;
        bytes memory recertified = _envelopeV2(g);
        BLS.G2Point memory sig = _bls(recertified);
        vm.expectRevert(abi.encodeWithSelector(ICore4Mica.Core4MicaGuaranteeAlreadyConsumed.selector, id));
        vault.remunerate(recertified, sig, payerSig);
        vm.assertEq(vault.collateral(payer, ETH), 8 ether, "paid once");
        vm.assertEq(RECIPIENT.balance, 2 ether, "recipient paid once");
    }

    function test_attack3_aKeyRotationDoesNotLetOnePayerSignaturePayTwice() external {
        GuaranteeV2 memory g = _v2(ETH, 2 ether, 1, TS);
        bytes memory payerSig = _payerSigV2(g);
        bytes memory cert = _envelopeV2(g);
        bytes32 id = vault.remunerate(cert, _bls(cert), payerSig);

        _rotateKey();
        BLS.G2Point memory newKeySig = BLSSigner.sign(cert, OTHER_OPERATOR_SK);
        vm.expectRevert(abi.encodeWithSelector(ICore4Mica.Core4MicaGuaranteeAlreadyConsumed.selector, id));
        vault.remunerate(cert, newKeySig, payerSig);
        vm.assertEq(vault.collateral(payer, ETH), 8 ether, "paid once");
    }

    function test_attack3_aRotationDoesNotLetTheBatchPayTwice() external {
        GuaranteeV2 memory g = _v2(ETH, 2 ether, 1, TS);
        bytes memory payerSig = _payerSigV2(g);
        bytes memory cert = _envelopeV2(g);
        bytes32 id = vault.remunerate(cert, _bls(cert), payerSig);

        _rotateDomain();
        g.domain = ROTATED_DOMAIN;
        bytes[] memory certs = new bytes[](1);
        certs[0] = _envelopeV2(g);
        bytes[] memory payerSigs = new bytes[](1);
        payerSigs[0] = payerSig;
        BLS.G2Point memory sig = _bls(certs[0]);
        vm.expectRevert(abi.encodeWithSelector(ICore4Mica.Core4MicaGuaranteeAlreadyConsumed.selector, id));
        vault.remunerateBatch(certs, sig, payerSigs);
    }

    /// @dev The same (user, recipient, asset, reqId) under another version is the same id: a V1 fallback certificate
    ///      cannot pay a request the payer already had paid as V2 (Core refuses to issue both; this is the backstop).
    function test_attack3_anotherVersionOfTheSameRequestIsTheSameId() external {
        GuaranteeV2 memory g = _v2(ETH, 2 ether, 1, TS);
        bytes memory cert = _envelopeV2(g);
        bytes32 id = vault.remunerate(cert, _bls(cert), _payerSigV2(g));

        Guarantee memory v1 = _v1(ETH, 2 ether, 1, TS);
        _missCycle(v1, TS + 2 days);
        bytes memory v1Cert = _envelopeV1(v1);
        BLS.G2Point memory sig = _bls(v1Cert);
        bytes memory v1PayerSig = _payerSigV1(v1);
        vm.expectRevert(abi.encodeWithSelector(ICore4Mica.Core4MicaGuaranteeAlreadyConsumed.selector, id));
        vault.remunerate(v1Cert, sig, v1PayerSig);
    }

    /// @dev Across contracts and chains the payer's EIP-712 domain differs, so does the id (and the payer signature
    ///      for one vault does not verify at the other: test_remunerate_revertsWithAPayerSignatureForAnotherVault).
    function test_guaranteeIdOf_isBoundToTheVaultAndTheChain() external {
        Core4Mica second = new Core4Mica(address(new AccessManager(address(this))), operatorKey, new address[](0));
        bytes32 here = vault.guaranteeIdOf(payer, RECIPIENT, ETH, 1);
        vm.assertTrue(second.guaranteeIdOf(payer, RECIPIENT, ETH, 1) != here, "another vault, another id");
        vm.assertEq(here, _id(payer, RECIPIENT, ETH, 1), "formula");
        vmc.chainId(block.chainid + 1);
        vm.assertTrue(vault.guaranteeIdOf(payer, RECIPIENT, ETH, 1) != here, "another chain, another id");
    }

    // ---------------------------------------------------------------- outstanding certificates after a rotation

    /// @dev docs/protocol.md §5.2: after a domain rotation an outstanding certificate no longer verifies on-chain
    ///      (`Core4MicaDomainMismatch`); Core re-certifies the same request under the new domain on request, with the
    ///      same payer signature and the same id, and that certificate pays, once.
    function test_rotation_anOutstandingCertificateIsReCertifiedAfterADomainRotation() external {
        GuaranteeV2 memory g = _v2(ETH, 2 ether, 1, TS);
        bytes memory payerSig = _payerSigV2(g);
        bytes memory old = _envelopeV2(g);
        BLS.G2Point memory oldSig = _bls(old);
        bytes32 id = _id(g);

        _rotateDomain();
        vm.expectRevert(
            abi.encodeWithSelector(ICore4Mica.Core4MicaDomainMismatch.selector, uint64(2), ROTATED_DOMAIN, _v2Domain())
        );
        vault.remunerate(old, oldSig, payerSig);

        g.domain = ROTATED_DOMAIN;
        bytes memory recertified = _envelopeV2(g);
        BLS.G2Point memory newSig = _bls(recertified);
        vm.assertEq(vault.remunerate(recertified, newSig, payerSig), id, "same id");
        vm.assertEq(RECIPIENT.balance, 2 ether, "paid");
        vm.expectRevert(abi.encodeWithSelector(ICore4Mica.Core4MicaGuaranteeAlreadyConsumed.selector, id));
        vault.remunerate(recertified, newSig, payerSig);
    }

    /// @dev After a key rotation the old signature no longer verifies (`Core4MicaInvalidCertificateSignature`); the
    ///      same certificate bytes signed with the new key pay under the same id.
    function test_rotation_anOutstandingCertificateIsReSignedAfterAKeyRotation() external {
        GuaranteeV2 memory g = _v2(ETH, 2 ether, 1, TS);
        bytes memory payerSig = _payerSigV2(g);
        bytes memory cert = _envelopeV2(g);
        BLS.G2Point memory oldSig = _bls(cert);

        _rotateKey();
        vm.expectRevert(abi.encodeWithSelector(ICore4Mica.Core4MicaInvalidCertificateSignature.selector, uint64(2)));
        vault.remunerate(cert, oldSig, payerSig);

        vm.assertEq(vault.remunerate(cert, BLSSigner.sign(cert, OTHER_OPERATOR_SK), payerSig), _id(g), "same id");
        vm.assertEq(RECIPIENT.balance, 2 ether, "paid");
    }

    /// @dev A netted (consumed) id stays consumed across a rotation: a re-certified certificate cannot take the route
    ///      the netting already paid.
    function test_rotation_aNettedGuaranteeStaysPaidAfterARotation() external {
        GuaranteeV2 memory g = _v2(ETH, 2 ether, 1, TS);
        ICore4MicaSettlement.NettedGuarantee[] memory netted = new ICore4MicaSettlement.NettedGuarantee[](1);
        netted[0] = ICore4MicaSettlement.NettedGuarantee(2, abi.encode(g), _payerSigV2(g));
        vm.prank(address(house));
        vault.consumeNettedGuarantees(g.cycleId, ETH, TS, netted);

        _rotateDomain();
        g.domain = ROTATED_DOMAIN;
        bytes memory recertified = _envelopeV2(g);
        BLS.G2Point memory sig = _bls(recertified);
        bytes memory payerSig = _payerSigV2(g);
        vm.expectRevert(abi.encodeWithSelector(ICore4Mica.Core4MicaGuaranteeAlreadyConsumed.selector, _id(g)));
        vault.remunerate(recertified, sig, payerSig);
        vm.assertEq(vault.collateral(payer, ETH), 10 ether, "collateral kept");
    }

    function test_rotation_theV1DomainFormulaIsUnchanged() external view {
        vm.assertEq(
            vault.versionConfig(1).domain,
            GuaranteeCodec.domainSeparator(1, block.chainid, address(vault)),
            "v1"
        );
    }
}
