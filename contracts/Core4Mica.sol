// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";

import {Core4MicaCollateral} from "./Core4MicaCollateral.sol";
import {ICore4Mica} from "./interfaces/ICore4Mica.sol";
import {IClearingHouseOracle} from "./interfaces/IClearingHouseOracle.sol";
import {IClearingHouseSchedule} from "./interfaces/IClearingHouseSchedule.sol";
import {ICore4MicaSettlement} from "./interfaces/ICore4MicaSettlement.sol";
import {IGuaranteeDecoder} from "./interfaces/IGuaranteeDecoder.sol";
import {BLS} from "./libraries/BLS.sol";
import {GuaranteeCodec} from "./libraries/GuaranteeCodec.sol";
import {GuaranteeIds} from "./libraries/GuaranteeIds.sol";
import {GuaranteeRequest} from "./libraries/GuaranteeRequest.sol";
import {Guarantee} from "./libraries/GuaranteeTypes.sol";
import {SettlementTimings} from "./libraries/SettlementTimings.sol";

/// @title Core4Mica
/// @notice The 4Mica vault: collateral per (payer, asset) ({Core4MicaCollateral}), per-version certificate
///         configuration, direct remuneration, single and batched (V2 route B and the V1 liveness fallback,
///         docs/protocol.md §5), the consumed-guarantee set, and the ClearingHouse hooks.
contract Core4Mica is ICore4Mica, Core4MicaCollateral, EIP712 {
    mapping(uint64 version => VersionConfig) private _versions;
    mapping(bytes32 guaranteeId => bool) private _consumed;
    address private _clearingHouse;

    modifier onlyClearingHouse() {
        if (msg.sender != _clearingHouse) revert Core4MicaUnauthorizedClearingHouse(msg.sender);
        _;
    }

    /// @param authority The AccessManager.
    /// @param v1Key The operator's BLS key for version 1 certificates.
    /// @param allowedAssets ERC-20s accepted as collateral from the start (ETH always is).
    constructor(
        address authority,
        BLS.G1Point memory v1Key,
        address[] memory allowedAssets
    ) Core4MicaCollateral(authority, allowedAssets) EIP712("4Mica", "1") {
        _configureVersion(1, v1Key, GuaranteeCodec.domainSeparator(1, block.chainid, address(this)), address(0), true);
    }

    // ---------------------------------------------------------------- governance

    /// @inheritdoc ICore4Mica
    function configureVersion(
        uint64 version,
        BLS.G1Point calldata key,
        bytes32 domain,
        address decoder,
        bool enabled
    ) external restricted {
        _configureVersion(version, key, domain, decoder, enabled);
    }

    /// @inheritdoc ICore4Mica
    function setClearingHouse(address clearingHouse_) external restricted {
        address current = _clearingHouse;
        // Once only: a second ClearingHouse would answer the V1 fallback for cycles the first one netted, and the
        // first could no longer seize for its own cycles (docs/operations.md: upgrades deploy a new pair instead).
        if (current != address(0)) revert Core4MicaClearingHouseAlreadySet(current, clearingHouse_);
        if (clearingHouse_.code.length == 0) revert Core4MicaInvalidClearingHouse(clearingHouse_);
        Timings memory t = _getTimings();
        _checkScheduleOf(clearingHouse_, t.guaranteeExpiry, t.withdrawalDelay, t.syncDelay);
        emit ClearingHouseUpdated(current, clearingHouse_);
        _clearingHouse = clearingHouse_;
    }

    // ---------------------------------------------------------------- remuneration

    /// @inheritdoc ICore4Mica
    function remunerate(
        bytes calldata certificate,
        BLS.G2Point calldata signature,
        bytes calldata payerSignature
    ) external nonReentrant returns (bytes32 guaranteeId) {
        (uint64 version, bytes calldata inner) = GuaranteeCodec.decodeEnvelope(certificate);
        VersionConfig memory config = _versions[version];
        if (!config.enabled) revert Core4MicaVersionDisabled(version);
        if (!BLS.verify(config.key, certificate, signature)) revert Core4MicaInvalidCertificateSignature(version);
        Guarantee memory g;
        (g, guaranteeId) = _checkAndConsume(version, inner, config, payerSignature);
        _transferOut(g.asset, g.recipient, g.amount);
    }

    /// @inheritdoc ICore4Mica
    function remunerateBatch(
        bytes[] calldata certificates,
        BLS.G2Point calldata aggregateSignature,
        bytes[] calldata payerSignatures
    ) external nonReentrant returns (bytes32[] memory guaranteeIds) {
        uint256 n = certificates.length;
        if (n == 0) revert Core4MicaEmptyBatch();
        if (payerSignatures.length != n) revert Core4MicaBatchLengthMismatch(n, payerSignatures.length);
        (uint64 version, ) = GuaranteeCodec.decodeEnvelope(certificates[0]);
        VersionConfig memory config = _versions[version];
        if (!config.enabled) revert Core4MicaVersionDisabled(version);

        guaranteeIds = new bytes32[](n);
        Guarantee[] memory paid = new Guarantee[](n);
        BLS.G2Point memory hashed;
        for (uint256 i = 0; i < n; ++i) {
            (uint64 itemVersion, bytes calldata inner) = GuaranteeCodec.decodeEnvelope(certificates[i]);
            if (itemVersion != version) revert Core4MicaBatchVersionMismatch(i, version, itemVersion);
            (paid[i], guaranteeIds[i]) = _checkAndConsume(version, inner, config, payerSignatures[i]);
            BLS.G2Point memory h = BLS.hashToG2(certificates[i]);
            hashed = i == 0 ? h : BLS.addG2(hashed, h);
        }
        // One pairing check for the whole batch; a failure reverts every consumption and debit recorded above.
        if (BLS.isInfinity(aggregateSignature) || !BLS.verifyHashed(config.key, hashed, aggregateSignature)) {
            revert Core4MicaInvalidAggregateSignature(version);
        }

        // Interactions last: one transfer per run of consecutive items with the same (recipient, asset).
        uint256 runAmount = paid[0].amount;
        for (uint256 i = 1; i < n; ++i) {
            Guarantee memory previous = paid[i - 1];
            if (paid[i].recipient == previous.recipient && paid[i].asset == previous.asset) {
                // Cannot overflow: each amount was just debited from collateral, and the vault's balance bounds it.
                unchecked {
                    runAmount += paid[i].amount;
                }
            } else {
                _transferOut(previous.asset, previous.recipient, runAmount);
                runAmount = paid[i].amount;
            }
        }
        _transferOut(paid[n - 1].asset, paid[n - 1].recipient, runAmount);
    }

    // ---------------------------------------------------------------- ClearingHouse hooks

    /// @inheritdoc ICore4MicaSettlement
    function consumeNettedGuarantees(
        uint256 cycleId,
        address asset,
        uint256 seizableUntil,
        NettedGuarantee[] calldata guarantees
    ) external onlyClearingHouse returns (SignedDebit[] memory debits) {
        uint256 expiry = _getTimings().guaranteeExpiry;
        bytes32 requestDomain = _domainSeparatorV4();
        debits = new SignedDebit[](guarantees.length);
        for (uint256 i = 0; i < guarantees.length; ++i) {
            NettedGuarantee calldata n = guarantees[i];
            Guarantee memory g = _checkNetted(n, asset, seizableUntil, expiry);
            bytes32 id = GuaranteeIds.idOf(requestDomain, g.user, g.recipient, g.asset, g.reqId);
            if (_consumed[id]) revert Core4MicaGuaranteeAlreadyConsumed(id);
            _consumed[id] = true;
            emit GuaranteeNetted(id, cycleId, asset, g.user, g.recipient, g.amount);
            debits[i] = SignedDebit(g.user, g.amount);
        }
    }

    /// @inheritdoc ICore4MicaSettlement
    function seizeCollateral(
        address user,
        address asset,
        uint256 amount
    ) external onlyClearingHouse nonReentrant returns (uint256 seized) {
        seized = _debitForSeizure(user, asset, amount);
        emit CollateralSeized(user, asset, amount, seized);
        _transferOut(asset, msg.sender, seized);
    }

    /// @inheritdoc ICore4MicaSettlement
    function settleFromCollateral(
        address asset,
        address[] calldata users,
        uint256[] calldata amounts
    ) external onlyClearingHouse nonReentrant returns (uint256 total, uint256[] memory settled) {
        settled = new uint256[](users.length);
        for (uint256 i = 0; i < users.length; ++i) {
            uint256 amount = amounts[i];
            if (_debitInFull(users[i], asset, amount)) {
                settled[i] = amount;
                // Cannot overflow: each amount was just debited from collateral, and the vault's balance bounds it.
                unchecked {
                    total += amount;
                }
                emit CollateralSettled(users[i], asset, amount);
            }
        }
        _transferOut(asset, msg.sender, total);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc ICore4MicaSettlement
    function isConsumed(bytes32 guaranteeId) external view returns (bool) {
        return _consumed[guaranteeId];
    }

    /// @inheritdoc ICore4Mica
    function verifyCertificate(
        bytes calldata certificate,
        BLS.G2Point calldata signature
    ) external view returns (Guarantee memory guarantee) {
        (uint64 version, bytes calldata inner) = GuaranteeCodec.decodeEnvelope(certificate);
        VersionConfig memory config = _versions[version];
        if (!config.enabled) revert Core4MicaVersionDisabled(version);
        if (!BLS.verify(config.key, certificate, signature)) revert Core4MicaInvalidCertificateSignature(version);
        (guarantee, ) = _decode(version, inner, config);
    }

    /// @inheritdoc ICore4MicaSettlement
    function requestDomainSeparator() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    /// @inheritdoc ICore4Mica
    function versionConfig(uint64 version) external view returns (VersionConfig memory) {
        return _versions[version];
    }

    /// @inheritdoc ICore4Mica
    function payerRequestDigest(bytes32 requestStructHash) external view returns (bytes32) {
        return _hashTypedDataV4(requestStructHash);
    }

    /// @inheritdoc ICore4Mica
    function guaranteeIdOf(
        address user,
        address recipient,
        address asset,
        uint256 reqId
    ) external view returns (bytes32) {
        return GuaranteeIds.idOf(_domainSeparatorV4(), user, recipient, asset, reqId);
    }

    /// @inheritdoc ICore4Mica
    function clearingHouse() external view returns (address) {
        return _clearingHouse;
    }

    // ---------------------------------------------------------------- private

    /// @dev Every check of a remuneration after the BLS signature (decoding, domain, payer signature, recipient,
    ///      amount, window, registry result, consumption, collateral), then its effects: the id consumed, the
    ///      collateral debited and the event. The caller verifies the BLS signature and transfers `g.amount`.
    function _checkAndConsume(
        uint64 version,
        bytes calldata inner,
        VersionConfig memory config,
        bytes calldata payerSignature
    ) private returns (Guarantee memory g, bytes32 guaranteeId) {
        bytes32 requestStructHash;
        (g, requestStructHash) = _decode(version, inner, config);
        if (!SignatureChecker.isValidSignatureNow(g.user, _hashTypedDataV4(requestStructHash), payerSignature)) {
            revert Core4MicaInvalidPayerSignature(g.user);
        }
        if (g.recipient == address(0)) revert Core4MicaInvalidRecipient(g.recipient);
        if (g.amount == 0) revert Core4MicaZeroAmount();

        if (version == 1) {
            _checkV1FallbackWindow(g);
        } else {
            _checkRouteBWindow(g);
            IGuaranteeDecoder(config.decoder).checkRedeemable(inner);
        }

        guaranteeId = GuaranteeIds.idOf(_domainSeparatorV4(), g.user, g.recipient, g.asset, g.reqId);
        if (_consumed[guaranteeId]) revert Core4MicaGuaranteeAlreadyConsumed(guaranteeId);
        _consumed[guaranteeId] = true;
        _debitForRedemption(g.user, g.asset, g.amount, g.timestamp);
        emit GuaranteeRemunerated(guaranteeId, g.user, g.recipient, g.asset, g.amount, version);
    }

    /// @dev Decodes the inner bytes of an enabled `version` (V1 inline, V2+ through its decoder) and checks the
    ///      domain. Returns the guarantee and the EIP-712 struct hash of the payer's request.
    function _decode(
        uint64 version,
        bytes calldata inner,
        VersionConfig memory config
    ) private view returns (Guarantee memory g, bytes32 requestStructHash) {
        if (version == 1) {
            // Checks that the inner version is 1.
            g = GuaranteeCodec.decodeV1(inner);
            requestStructHash = GuaranteeRequest.hashV1(g);
        } else {
            (g, requestStructHash) = IGuaranteeDecoder(config.decoder).decode(inner);
            if (g.version != version) revert Core4MicaVersionMismatch(version, g.version);
        }
        if (g.domain != config.domain) revert Core4MicaDomainMismatch(version, config.domain, g.domain);
    }

    /// @dev V2 route B: `[timestamp + grace, timestamp + expiry)`.
    function _checkRouteBWindow(Guarantee memory g) private view {
        Timings memory t = _getTimings();
        uint256 opensAt = uint256(g.timestamp) + t.remunerationGrace;
        if (block.timestamp < opensAt) revert Core4MicaRemunerationNotOpen(opensAt);
        _checkNotExpired(g.timestamp, t.guaranteeExpiry);
    }

    /// @dev V1 liveness fallback: the certificate's cycle contains its timestamp, the ClearingHouse reports the
    ///      (cycle, asset) missed, and now is in `[opensAt, timestamp + expiry)`.
    function _checkV1FallbackWindow(Guarantee memory g) private view {
        address house = _clearingHouse;
        if (house == address(0)) revert Core4MicaClearingHouseNotSet();
        IClearingHouseOracle oracle = IClearingHouseOracle(house);
        uint256 expected = oracle.cycleOf(g.timestamp);
        if (expected != g.cycleId) revert Core4MicaCycleMismatch(g.cycleId, expected);
        uint64 opensAt = oracle.v1FallbackOpensAt(g.cycleId, g.asset);
        if (opensAt == 0) revert Core4MicaV1FallbackNotOpen(g.cycleId, g.asset);
        if (block.timestamp < opensAt) revert Core4MicaRemunerationNotOpen(opensAt);
        _checkNotExpired(g.timestamp, _getTimings().guaranteeExpiry);
    }

    function _checkNotExpired(uint64 timestamp, uint64 expiry) private view {
        uint256 expiredAt = uint256(timestamp) + expiry;
        if (block.timestamp >= expiredAt) revert Core4MicaGuaranteeExpired(expiredAt);
    }

    /// @dev The checks of {consumeNettedGuarantees} for one guarantee (everything but consumption).
    function _checkNetted(
        NettedGuarantee calldata n,
        address asset,
        uint256 seizableUntil,
        uint256 expiry
    ) private view returns (Guarantee memory g) {
        uint64 version = n.version;
        if (version < 2) revert Core4MicaNotNettable(version);
        VersionConfig storage config = _versions[version];
        if (!config.enabled) revert Core4MicaVersionDisabled(version);
        IGuaranteeDecoder decoder = IGuaranteeDecoder(config.decoder);
        bytes32 requestStructHash;
        (g, requestStructHash) = decoder.decode(n.inner);
        if (g.version != version) revert Core4MicaVersionMismatch(version, g.version);
        if (g.asset != asset) revert Core4MicaNettedAssetMismatch(asset, g.asset);
        if (
            !SignatureChecker.isValidSignatureNowCalldata(g.user, _hashTypedDataV4(requestStructHash), n.payerSignature)
        ) {
            revert Core4MicaInvalidPayerSignature(g.user);
        }
        if (g.recipient == address(0)) revert Core4MicaInvalidRecipient(g.recipient);
        if (g.amount == 0) revert Core4MicaZeroAmount();
        // Seizable before it expires: a payer's withdrawal cannot be finalized before then (syncDelay + expiry <
        // withdrawalDelay), so a default of this cycle still finds the collateral that backs it.
        uint256 expiresAt = uint256(g.timestamp) + expiry;
        if (expiresAt <= seizableUntil) revert Core4MicaNettedGuaranteeExpires(expiresAt, seizableUntil);
        decoder.checkRedeemable(n.inner);
    }

    /// @dev Reverts unless the vault timings meet the shared invariant against every live segment of the schedule
    ///      of `house` ({SettlementTimings}).
    function _checkScheduleOf(address house, uint64 expiry, uint64 withdrawalDelay_, uint64 syncDelay) private view {
        SettlementTimings.checkSchedule(
            IClearingHouseSchedule(house).scheduleSegments(),
            block.timestamp,
            expiry,
            withdrawalDelay_,
            syncDelay
        );
    }

    /// @dev Timings change: checked against the ClearingHouse's schedule once one is set.
    function _checkSettlementTimings(uint64 expiry, uint64 withdrawalDelay_, uint64 syncDelay) internal view override {
        address house = _clearingHouse;
        if (house != address(0)) _checkScheduleOf(house, expiry, withdrawalDelay_, syncDelay);
    }

    function _configureVersion(
        uint64 version,
        BLS.G1Point memory key,
        bytes32 domain,
        address decoder,
        bool enabled
    ) private {
        if (version == 0) revert Core4MicaInvalidVersion(version);
        if (version == 1 && decoder != address(0)) revert Core4MicaDecoderNotAllowed(version, decoder);
        if (enabled) {
            if (version > 1 && decoder.code.length == 0) revert Core4MicaDecoderMissing(version, decoder);
            if (domain == bytes32(0)) revert Core4MicaInvalidDomain(version);
            if (!BLS.isValidPublicKey(key)) revert Core4MicaInvalidVerificationKey(version);
        }
        _versions[version] = VersionConfig(key, domain, decoder, enabled);
        emit VersionConfigured(version, key, domain, decoder, enabled);
    }
}
