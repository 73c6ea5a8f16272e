// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {AccessManager} from "@openzeppelin/contracts/access/manager/AccessManager.sol";

import {Core4Mica} from "../../contracts/Core4Mica.sol";
import {BLS} from "../../contracts/libraries/BLS.sol";
import {GuaranteeCodec} from "../../contracts/libraries/GuaranteeCodec.sol";
import {GuaranteeRequest} from "../../contracts/libraries/GuaranteeRequest.sol";
import {Guarantee, GuaranteeV2} from "../../contracts/libraries/GuaranteeTypes.sol";
import {FalseReturningERC20} from "../../contracts/mocks/FalseReturningERC20.sol";
import {FeeOnTransferERC20} from "../../contracts/mocks/FeeOnTransferERC20.sol";
import {MockClearingHouseOracle} from "../../contracts/mocks/MockClearingHouseOracle.sol";
import {MockERC20} from "../../contracts/mocks/MockERC20.sol";
import {MockGuaranteeDecoder} from "../../contracts/mocks/MockGuaranteeDecoder.sol";
import {BLSSigner} from "../utils/BLSSigner.sol";
import {vm} from "../utils/Vm.sol";

/// @dev Shared fixture for the vault tests: an AccessManager with production-like roles (governance, guardian),
///      the vault, tokens, a settable ClearingHouse oracle, a V2 mock decoder, and helpers that build and sign
///      certificates in-EVM (BLS with BLSSigner, the payer's EIP-712 request with vm.sign).
abstract contract Core4MicaTestBase {
    uint64 internal constant GOVERNANCE_ROLE = 1;
    uint64 internal constant GUARDIAN_ROLE = 2;

    uint256 internal constant OPERATOR_SK = 0x4d1ca;
    uint256 internal constant OTHER_OPERATOR_SK = 0xbad5eed;
    uint256 internal constant PAYER_PK = 0xA11CE;
    uint256 internal constant OTHER_PK = 0xB0B;

    uint64 internal constant T0 = 1_700_000_000;
    uint64 internal constant CYCLE_LENGTH = 1 days;
    uint64 internal constant GRACE = 14 days;
    uint64 internal constant EXPIRY = 21 days;
    uint64 internal constant WITHDRAWAL_DELAY = 22 days;
    uint64 internal constant SYNC_DELAY = 6 hours;

    address internal constant GOVERNOR = address(0x60F);
    address internal constant GUARDIAN = address(0x6A2D);
    address internal constant STRANGER = address(0x5757);
    address internal constant RECIPIENT = address(0xBEEF);
    address internal constant ETH = address(0);

    AccessManager internal manager;
    Core4Mica internal vault;
    MockERC20 internal token;
    FeeOnTransferERC20 internal feeToken;
    FalseReturningERC20 internal falseToken;
    MockClearingHouseOracle internal house;
    MockGuaranteeDecoder internal decoder;

    address internal payer;
    address internal other;
    BLS.G1Point internal operatorKey;

    function setUp() public virtual {
        vm.warp(T0);
        payer = vm.addr(PAYER_PK);
        other = vm.addr(OTHER_PK);
        vm.label(payer, "payer");
        vm.label(other, "other");

        manager = new AccessManager(address(this));
        token = new MockERC20("USD Coin", "USDC", 6);
        feeToken = new FeeOnTransferERC20(0);
        falseToken = new FalseReturningERC20();
        address[] memory allowed = new address[](3);
        allowed[0] = address(token);
        allowed[1] = address(feeToken);
        allowed[2] = address(falseToken);
        operatorKey = BLSSigner.publicKey(OPERATOR_SK);
        vault = new Core4Mica(address(manager), operatorKey, allowed);
        _wireRoles();

        house = new MockClearingHouseOracle(T0, CYCLE_LENGTH);
        decoder = new MockGuaranteeDecoder();
        vm.startPrank(GOVERNOR);
        if (_usesMockClearingHouse()) vault.setClearingHouse(address(house));
        vault.configureVersion(
            2,
            operatorKey,
            GuaranteeCodec.domainSeparator(2, block.chainid, address(vault)),
            address(decoder),
            true
        );
        vm.stopPrank();
    }

    /// @dev Whether setUp sets the mock oracle as the vault's (set-once) ClearingHouse; tests of a real
    ///      ClearingHouse override this and set theirs.
    function _usesMockClearingHouse() internal pure virtual returns (bool) {
        return true;
    }

    function _wireRoles() internal {
        bytes4[] memory governed = new bytes4[](5);
        governed[0] = vault.setAssetAllowed.selector;
        governed[1] = vault.setTimings.selector;
        governed[2] = vault.configureVersion.selector;
        governed[3] = vault.setClearingHouse.selector;
        governed[4] = vault.unpause.selector;
        manager.setTargetFunctionRole(address(vault), governed, GOVERNANCE_ROLE);
        bytes4[] memory guarded = new bytes4[](1);
        guarded[0] = vault.pause.selector;
        manager.setTargetFunctionRole(address(vault), guarded, GUARDIAN_ROLE);
        manager.grantRole(GOVERNANCE_ROLE, GOVERNOR, 0);
        manager.grantRole(GUARDIAN_ROLE, GUARDIAN, 0);
    }

    // ---------------------------------------------------------------- funding

    function _depositEth(address user, uint256 amount) internal {
        vm.deal(user, user.balance + amount);
        vm.prank(user);
        vault.deposit{value: amount}(ETH, amount);
    }

    function _depositToken(address user, uint256 amount) internal {
        token.mint(user, amount);
        vm.startPrank(user);
        token.approve(address(vault), amount);
        vault.deposit(address(token), amount);
        vm.stopPrank();
    }

    // ---------------------------------------------------------------- certificates

    function _v1Domain() internal view returns (bytes32) {
        return GuaranteeCodec.domainSeparator(1, block.chainid, address(vault));
    }

    function _v2Domain() internal view returns (bytes32) {
        return GuaranteeCodec.domainSeparator(2, block.chainid, address(vault));
    }

    /// @dev A V1 guarantee from `payer` to RECIPIENT stamped `timestamp`, in the cycle that contains it.
    function _v1(
        address asset,
        uint256 amount,
        uint256 reqId,
        uint64 timestamp
    ) internal view returns (Guarantee memory) {
        return
            Guarantee({
                domain: _v1Domain(),
                cycleId: (timestamp - T0) / CYCLE_LENGTH,
                version: 1,
                user: payer,
                recipient: RECIPIENT,
                reqId: reqId,
                amount: amount,
                asset: asset,
                timestamp: timestamp
            });
    }

    function _v2(
        address asset,
        uint256 amount,
        uint256 reqId,
        uint64 timestamp
    ) internal view returns (GuaranteeV2 memory g) {
        g.domain = _v2Domain();
        g.cycleId = (timestamp - T0) / CYCLE_LENGTH;
        g.version = 2;
        g.user = payer;
        g.recipient = RECIPIENT;
        g.reqId = reqId;
        g.amount = amount;
        g.asset = asset;
        g.timestamp = timestamp;
        g.validationRegistry = address(0x7E61);
        g.validationRequestHash = keccak256("request");
        g.validationChainId = uint64(block.chainid);
        g.validatorAddress = address(0xBA11);
        g.validatorAgentId = 7;
        g.minValidationScore = 80;
        g.validationSubjectHash = keccak256("subject");
        g.jobHash = keccak256("job");
        g.requiredValidationTag = "quality";
    }

    function _envelopeV1(Guarantee memory g) internal pure returns (bytes memory) {
        return abi.encode(uint64(1), abi.encode(g));
    }

    function _envelopeV2(GuaranteeV2 memory g) internal pure returns (bytes memory) {
        return abi.encode(uint64(2), abi.encode(g));
    }

    function _bls(bytes memory certificate) internal view returns (BLS.G2Point memory) {
        return BLSSigner.sign(certificate, OPERATOR_SK);
    }

    /// @dev The EIP-712 digest computed here, independently of the vault, so a wrong domain in the vault fails.
    function _digest(bytes32 structHash) internal view returns (bytes32) {
        return _digest(structHash, block.chainid, address(vault));
    }

    function _digest(bytes32 structHash, uint256 chainId, address verifyingContract) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked("\x19\x01", _requestDomain(chainId, verifyingContract), structHash));
    }

    /// @dev The vault's EIP-712 domain separator, computed here independently of the vault.
    function _requestDomain(uint256 chainId, address verifyingContract) internal pure returns (bytes32) {
        return
            keccak256(
                abi.encode(
                    keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                    keccak256("4Mica"),
                    keccak256("1"),
                    chainId,
                    verifyingContract
                )
            );
    }

    function _sign(uint256 pk, bytes32 digest) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(pk, digest);
        return abi.encodePacked(r, s, v);
    }

    function _payerSigV1(Guarantee memory g) internal view returns (bytes memory) {
        return _sign(PAYER_PK, _digest(GuaranteeRequest.hashV1(g)));
    }

    function _payerSigV2(GuaranteeV2 memory g) internal view returns (bytes memory) {
        return _sign(PAYER_PK, _digest(GuaranteeRequest.hashV2(g)));
    }

    /// @dev Marks (cycle of `g`, asset) missed with the fallback opening at `opensAt`.
    function _missCycle(Guarantee memory g, uint64 opensAt) internal {
        house.setV1FallbackOpensAt(g.cycleId, g.asset, opensAt);
    }

    /// @dev The guarantee id (docs/protocol.md §2) from the payer-signed fields only, computed independently.
    function _id(Guarantee memory g) internal view returns (bytes32) {
        return _id(g.user, g.recipient, g.asset, g.reqId);
    }

    function _id(GuaranteeV2 memory g) internal view returns (bytes32) {
        return _id(g.user, g.recipient, g.asset, g.reqId);
    }

    function _id(address user, address recipient, address asset, uint256 reqId) internal view returns (bytes32) {
        return keccak256(abi.encode(_requestDomain(block.chainid, address(vault)), user, recipient, asset, reqId));
    }

    // ---------------------------------------------------------------- assertions and fuzz helpers

    function _bound(uint256 x, uint256 min, uint256 max) internal pure returns (uint256) {
        if (max <= min) return min;
        return min + (x % (max - min + 1));
    }

    function _assertWithdrawal(address user, address asset, uint256 amount, uint64 requestedAt) internal view {
        (uint256 a, uint64 t) = vault.withdrawalRequest(user, asset);
        vm.assertEq(a, amount, "withdrawal amount");
        vm.assertEq(uint256(t), uint256(requestedAt), "withdrawal requestedAt");
    }

    function _unauthorized(address caller) internal pure returns (bytes memory) {
        return abi.encodeWithSignature("AccessManagedUnauthorized(address)", caller);
    }

    function _enforcedPause() internal pure returns (bytes memory) {
        return abi.encodeWithSignature("EnforcedPause()");
    }
}
