// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {AccessManager} from "@openzeppelin/contracts/access/manager/AccessManager.sol";

import {Core4Mica} from "../../contracts/Core4Mica.sol";
import {ICore4Mica} from "../../contracts/interfaces/ICore4Mica.sol";
import {BLS} from "../../contracts/libraries/BLS.sol";
import {GuaranteeCodec} from "../../contracts/libraries/GuaranteeCodec.sol";
import {Guarantee} from "../../contracts/libraries/GuaranteeTypes.sol";
import {vm} from "../utils/Vm.sol";
import {Core4MicaTestBase} from "./Core4MicaTestBase.sol";

/// @dev The V1 liveness fallback: redeemable from the ClearingHouse's opening time when the (cycle, asset) missed
///      its commit, until the guarantee expires; the certificate's cycle must contain its timestamp.
contract Core4MicaRemunerateV1Test is Core4MicaTestBase {
    uint64 internal constant TS = T0 + 1 hours; // cycle 0
    /// @dev The cycle's finality deadline with the default schedule: end + 6 h + 15 min + 2 h + 2 h.
    uint64 internal constant OPENS_AT = T0 + 1 days + 6 hours + 15 minutes + 4 hours;

    function setUp() public override {
        super.setUp();
        _depositEth(payer, 10 ether);
        _depositToken(payer, 1_000e6);
        vm.warp(OPENS_AT);
    }

    function _remunerate(Guarantee memory g) internal returns (bytes32) {
        bytes memory cert = _envelopeV1(g);
        return vault.remunerate(cert, _bls(cert), _payerSigV1(g));
    }

    function _expectRemunerateRevert(Guarantee memory g, bytes memory err) internal {
        bytes memory cert = _envelopeV1(g);
        BLS.G2Point memory sig = _bls(cert);
        bytes memory payerSig = _payerSigV1(g);
        vm.expectRevert(err);
        vault.remunerate(cert, sig, payerSig);
    }

    function test_remunerate_v1PaysWhenTheCycleWasMissed() external {
        Guarantee memory g = _v1(ETH, 1 ether, 1, TS);
        _missCycle(g, OPENS_AT);
        bytes32 id = _id(g);
        bytes memory cert = _envelopeV1(g);
        BLS.G2Point memory sig = _bls(cert);
        bytes memory payerSig = _payerSigV1(g);
        vm.expectEmit(true, true, true, true, address(vault));
        emit ICore4Mica.GuaranteeRemunerated(id, payer, RECIPIENT, ETH, 1 ether, 1);
        vm.prank(STRANGER);
        bytes32 returned = vault.remunerate(cert, sig, payerSig);
        vm.assertEq(returned, id, "id");
        vm.assertEq(RECIPIENT.balance, 1 ether, "recipient");
        vm.assertEq(vault.collateral(payer, ETH), 9 ether, "collateral");
        vm.assertTrue(vault.isConsumed(id), "consumed");
    }

    function test_remunerate_v1PaysErc20() external {
        Guarantee memory g = _v1(address(token), 100e6, 1, TS);
        _missCycle(g, OPENS_AT);
        _remunerate(g);
        vm.assertEq(token.balanceOf(RECIPIENT), 100e6, "recipient");
    }

    function test_remunerate_v1IgnoresTheRouteBGrace() external {
        // The fallback opens at the cycle's finality deadline, long before timestamp + grace.
        Guarantee memory g = _v1(ETH, 1 ether, 1, TS);
        _missCycle(g, OPENS_AT);
        vm.assertTrue(block.timestamp < TS + GRACE, "before grace");
        _remunerate(g);
        vm.assertEq(RECIPIENT.balance, 1 ether, "recipient");
    }

    function test_remunerate_v1DoesNotCallAnyDecoder() external {
        // Disable V2 entirely: V1 does not depend on it.
        BLS.G1Point memory none;
        vm.prank(GOVERNOR);
        vault.configureVersion(2, none, bytes32(0), address(0), false);
        Guarantee memory g = _v1(ETH, 1 ether, 1, TS);
        _missCycle(g, OPENS_AT);
        _remunerate(g);
        vm.assertEq(RECIPIENT.balance, 1 ether, "recipient");
    }

    function test_remunerate_v1RevertsWhenTheCycleWasNotMissed() external {
        Guarantee memory g = _v1(ETH, 1 ether, 1, TS);
        _expectRemunerateRevert(
            g,
            abi.encodeWithSelector(ICore4Mica.Core4MicaV1FallbackNotOpen.selector, uint256(0), ETH)
        );
    }

    function test_remunerate_v1RevertsWhenAnotherAssetMissed() external {
        Guarantee memory g = _v1(ETH, 1 ether, 1, TS);
        house.setV1FallbackOpensAt(0, address(token), OPENS_AT);
        _expectRemunerateRevert(
            g,
            abi.encodeWithSelector(ICore4Mica.Core4MicaV1FallbackNotOpen.selector, uint256(0), ETH)
        );
    }

    function test_remunerate_v1RevertsBeforeTheFallbackOpens() external {
        Guarantee memory g = _v1(ETH, 1 ether, 1, TS);
        _missCycle(g, OPENS_AT + 1);
        _expectRemunerateRevert(
            g,
            abi.encodeWithSelector(ICore4Mica.Core4MicaRemunerationNotOpen.selector, uint256(OPENS_AT + 1))
        );
    }

    function test_remunerate_v1RevertsAtExpiry() external {
        Guarantee memory g = _v1(ETH, 1 ether, 1, TS);
        _missCycle(g, OPENS_AT);
        vm.warp(TS + EXPIRY);
        _expectRemunerateRevert(
            g,
            abi.encodeWithSelector(ICore4Mica.Core4MicaGuaranteeExpired.selector, uint256(TS + EXPIRY))
        );
    }

    function test_remunerate_v1RevertsWhenTheCycleDoesNotContainTheTimestamp() external {
        Guarantee memory g = _v1(ETH, 1 ether, 1, TS);
        g.cycleId = 1; // TS lies in cycle 0
        house.setV1FallbackOpensAt(1, ETH, OPENS_AT);
        _expectRemunerateRevert(
            g,
            abi.encodeWithSelector(ICore4Mica.Core4MicaCycleMismatch.selector, uint256(1), uint256(0))
        );
    }

    function test_remunerate_v1RevertsWithoutAClearingHouse() external {
        // A fresh vault whose ClearingHouse was never set.
        Core4Mica fresh = new Core4Mica(address(new AccessManager(address(this))), operatorKey, new address[](0));
        vault = fresh;
        _depositEth(payer, 1 ether);
        Guarantee memory g = _v1(ETH, 1 ether, 1, TS);
        _expectRemunerateRevert(g, abi.encodeWithSelector(ICore4Mica.Core4MicaClearingHouseNotSet.selector));
    }

    function test_remunerate_v1RevertsWhenTheInnerVersionIsNot1() external {
        Guarantee memory g = _v1(ETH, 1 ether, 1, TS);
        g.version = 2;
        _missCycle(g, OPENS_AT);
        _expectRemunerateRevert(
            g,
            abi.encodeWithSelector(GuaranteeCodec.GuaranteeCodecVersionMismatch.selector, uint64(1), uint64(2))
        );
    }

    function test_remunerate_v1RevertsTheSecondTime() external {
        Guarantee memory g = _v1(ETH, 1 ether, 1, TS);
        _missCycle(g, OPENS_AT);
        bytes32 id = _remunerate(g);
        _expectRemunerateRevert(g, abi.encodeWithSelector(ICore4Mica.Core4MicaGuaranteeAlreadyConsumed.selector, id));
    }

    function test_remunerate_v1RevertsWithAnotherChainsPayerSignature() external {
        Guarantee memory g = _v1(ETH, 1 ether, 1, TS);
        _missCycle(g, OPENS_AT);
        bytes memory cert = _envelopeV1(g);
        BLS.G2Point memory sig = _bls(cert);
        bytes memory foreign = _sign(
            PAYER_PK,
            _digest(keccak256(abi.encode(g)), block.chainid, address(vault)) // not even the right struct hash
        );
        vm.expectRevert(abi.encodeWithSelector(ICore4Mica.Core4MicaInvalidPayerSignature.selector, payer));
        vault.remunerate(cert, sig, foreign);
    }

    function testFuzz_remunerate_v1OnlyInsideTheFallbackWindow(uint256 opensAt, uint256 at) external {
        opensAt = _bound(opensAt, TS + 1, TS + 2 * uint256(EXPIRY));
        at = _bound(at, TS, TS + 3 * uint256(EXPIRY));
        Guarantee memory g = _v1(ETH, 1 ether, 1, TS);
        _missCycle(g, uint64(opensAt));
        vm.warp(at);
        bool inside = at >= opensAt && at < TS + EXPIRY;
        if (at < opensAt) {
            _expectRemunerateRevert(
                g,
                abi.encodeWithSelector(ICore4Mica.Core4MicaRemunerationNotOpen.selector, opensAt)
            );
        } else if (!inside) {
            _expectRemunerateRevert(
                g,
                abi.encodeWithSelector(ICore4Mica.Core4MicaGuaranteeExpired.selector, uint256(TS + EXPIRY))
            );
        } else {
            _remunerate(g);
        }
        vm.assertEq(RECIPIENT.balance, inside ? 1 ether : 0, "paid only inside");
    }

    function test_verifyCertificate_decodesV1() external view {
        Guarantee memory g = _v1(address(token), 3e6, 4, TS);
        bytes memory cert = _envelopeV1(g);
        Guarantee memory out = vault.verifyCertificate(cert, _bls(cert));
        vm.assertEq(keccak256(abi.encode(out)), keccak256(abi.encode(g)), "round trip");
    }
}
