// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {BLS} from "../libraries/BLS.sol";
import {Guarantee} from "../libraries/GuaranteeTypes.sol";
import {ICore4MicaCollateral} from "./ICore4MicaCollateral.sol";
import {ICore4MicaSettlement} from "./ICore4MicaSettlement.sol";

/// @title ICore4Mica
/// @notice The 4Mica vault: collateral custody ({ICore4MicaCollateral}), per-version certificate configuration,
///         direct remuneration of certified guarantees, single and batched (docs/protocol.md §5), and the
///         ClearingHouse hooks ({ICore4MicaSettlement}).
interface ICore4Mica is ICore4MicaCollateral, ICore4MicaSettlement {
    /// @notice How certificates of one guarantee version are verified and decoded.
    /// @param key Operator BLS public key (G1, EIP-2537 encoding).
    /// @param domain The `domain` every certificate of this version must carry.
    /// @param decoder Zero for version 1 (decoded inline); an {IGuaranteeDecoder} for version 2 and later.
    /// @param enabled Whether certificates of this version are accepted.
    struct VersionConfig {
        BLS.G1Point key;
        bytes32 domain;
        address decoder;
        bool enabled;
    }

    // ---------------------------------------------------------------- errors

    /// @notice Version 0 cannot be configured.
    error Core4MicaInvalidVersion(uint64 version);
    /// @notice Version 1 is decoded inline and takes no decoder.
    error Core4MicaDecoderNotAllowed(uint64 version, address decoder);
    /// @notice An enabled version 2 or later needs a decoder contract.
    error Core4MicaDecoderMissing(uint64 version, address decoder);
    /// @notice An enabled version needs a non-zero domain.
    error Core4MicaInvalidDomain(uint64 version);
    /// @notice An enabled version needs a valid G1 public key (on the curve, in the subgroup, not infinity).
    error Core4MicaInvalidVerificationKey(uint64 version);
    /// @notice Certificates of `version` are not accepted.
    error Core4MicaVersionDisabled(uint64 version);
    /// @notice The BLS signature does not verify the certificate under the version's key.
    error Core4MicaInvalidCertificateSignature(uint64 version);
    /// @notice The decoded guarantee's version differs from the envelope's.
    error Core4MicaVersionMismatch(uint64 envelopeVersion, uint64 guaranteeVersion);
    /// @notice The certificate's domain is not the configured domain of its version.
    error Core4MicaDomainMismatch(uint64 version, bytes32 expected, bytes32 actual);
    /// @notice The payer signature is not a valid ECDSA or ERC-1271 signature of `user` over the request digest.
    error Core4MicaInvalidPayerSignature(address user);
    /// @notice The guarantee has no recipient.
    error Core4MicaInvalidRecipient(address recipient);
    /// @notice The guarantee id was already paid (by a remuneration or by netting).
    error Core4MicaGuaranteeAlreadyConsumed(bytes32 guaranteeId);
    /// @notice The remuneration window opens at `opensAt`.
    error Core4MicaRemunerationNotOpen(uint256 opensAt);
    /// @notice The guarantee expired at `expiredAt`; it can no longer be remunerated.
    error Core4MicaGuaranteeExpired(uint256 expiredAt);
    /// @notice No ClearingHouse is set, so the V1 fallback cannot be decided.
    error Core4MicaClearingHouseNotSet();
    /// @notice `clearingHouse` is not a contract.
    error Core4MicaInvalidClearingHouse(address clearingHouse);
    /// @notice The certificate names cycle `certified`, but its timestamp lies in cycle `expected`.
    error Core4MicaCycleMismatch(uint256 certified, uint256 expected);
    /// @notice (`cycleId`, `asset`) has not missed its commit: its V1 certificates are settled by netting.
    error Core4MicaV1FallbackNotOpen(uint256 cycleId, address asset);
    /// @notice Only the ClearingHouse may call this; `caller` is not it.
    error Core4MicaUnauthorizedClearingHouse(address caller);
    /// @notice A batch needs at least one certificate.
    error Core4MicaEmptyBatch();
    /// @notice A batch has `certificates` certificates but `payerSignatures` payer signatures.
    error Core4MicaBatchLengthMismatch(uint256 certificates, uint256 payerSignatures);
    /// @notice Certificate `index` of a batch is of version `actual`; the batch is of version `expected` (its first).
    error Core4MicaBatchVersionMismatch(uint256 index, uint64 expected, uint64 actual);
    /// @notice The aggregate BLS signature does not verify the batch's certificates under the version's key.
    error Core4MicaInvalidAggregateSignature(uint64 version);
    /// @notice The ClearingHouse is set once: `current` is already set, `proposed` is refused.
    error Core4MicaClearingHouseAlreadySet(address current, address proposed);
    /// @notice Only guarantees of version 2 or later are netted by a commit's id consumption (V1 ids never are).
    error Core4MicaNotNettable(uint64 version);
    /// @notice A netted guarantee is in `actual`, not in the commit's asset `expected`.
    error Core4MicaNettedAssetMismatch(address expected, address actual);
    /// @notice A netted guarantee expires at `expiresAt`, not after the cycle's seizure deadline `seizableUntil`.
    error Core4MicaNettedGuaranteeExpires(uint256 expiresAt, uint256 seizableUntil);

    // ---------------------------------------------------------------- events

    /// @notice Governance configured (or rotated) a guarantee version.
    event VersionConfigured(uint64 indexed version, BLS.G1Point key, bytes32 domain, address decoder, bool enabled);
    /// @notice A guarantee was paid directly from `user`'s collateral to `recipient` (single or batched).
    event GuaranteeRemunerated(
        bytes32 indexed guaranteeId,
        address indexed user,
        address indexed recipient,
        address asset,
        uint256 amount,
        uint64 version
    );
    /// @notice The commit of (`cycleId`, `asset`) netted a payer-signed, payable guarantee: its id is consumed.
    event GuaranteeNetted(
        bytes32 indexed guaranteeId,
        uint256 indexed cycleId,
        address indexed asset,
        address user,
        address recipient,
        uint256 amount
    );
    /// @notice The ClearingHouse seized `seized` of `user`'s `asset` collateral (it asked for `requested`).
    event CollateralSeized(address indexed user, address indexed asset, uint256 requested, uint256 seized);
    /// @notice Governance set the ClearingHouse.
    event ClearingHouseUpdated(address indexed previous, address indexed current);

    // ---------------------------------------------------------------- governance

    /// @notice Configures guarantee `version` (restricted). Configuring again rotates the key or domain.
    /// @dev Version 0 is refused; version 1 must have `decoder == address(0)`; an enabled version 2+ needs a decoder
    ///      with code; an enabled version needs a non-zero `domain` and a valid `key` (`BLS.isValidPublicKey`).
    ///      A disabled version is stored as given.
    function configureVersion(
        uint64 version,
        BLS.G1Point calldata key,
        bytes32 domain,
        address decoder,
        bool enabled
    ) external;

    /// @notice Sets the ClearingHouse (restricted), once: the only caller of the {ICore4MicaSettlement} functions
    ///         and the oracle of the V1 liveness fallback. Must be a contract whose schedule meets the timing
    ///         invariant with the vault's timings ({SettlementTimings}). A second call reverts
    ///         `Core4MicaClearingHouseAlreadySet`: an upgrade deploys a new vault and ClearingHouse
    ///         (docs/operations.md).
    function setClearingHouse(address clearingHouse) external;

    // ---------------------------------------------------------------- remuneration

    /// @notice Pays a certified guarantee from the payer's collateral to its recipient (the seeds' `remunerate`).
    ///         Anyone may call it; the funds always go to `guarantee.recipient`. Not pausable.
    /// @dev Checks in order: envelope, version enabled, BLS signature over the whole `certificate`, decoding, domain,
    ///      the payer's EIP-712 signature over the request (ECDSA or ERC-1271), a non-zero recipient
    ///      (`Core4MicaInvalidRecipient`) and amount (`Core4MicaZeroAmount`), the route's window (V1: the
    ///      ClearingHouse reports the cycle missed, `[opensAt, timestamp + expiry)`; V2+:
    ///      `[timestamp + grace, timestamp + expiry)` and the decoder's `checkRedeemable`), not consumed, then
    ///      `collateral >= amount`. A pending withdrawal requested at `t_w` with `timestamp < t_w + syncDelay`
    ///      is reduced by the amount paid. The id is {guaranteeIdOf} of the signed request: a certificate of
    ///      another domain, key, cycle or version for the same signed request has the same id and is refused.
    /// @param certificate The BLS-signed envelope `abi.encode(uint64 version, bytes inner)`.
    /// @param signature The operator's BLS signature (G2) over `certificate`.
    /// @param payerSignature The payer's signature over {payerRequestDigest} of the request struct hash.
    /// @return guaranteeId The id now consumed.
    function remunerate(
        bytes calldata certificate,
        BLS.G2Point calldata signature,
        bytes calldata payerSignature
    ) external returns (bytes32 guaranteeId);

    /// @notice Pays many certified guarantees of one version (any payers, recipients and assets) in one transaction,
    ///         with one aggregated pairing check. Anyone may call it; each amount goes to its guarantee's recipient.
    ///         Not pausable.
    /// @dev All-or-nothing: the first item that fails reverts the whole batch with that item's own error (the same
    ///      errors as {remunerate}, in the same order per item), so a caller simulates first and drops bad items.
    ///      Every item is checked as in {remunerate} except its individual BLS signature: the envelope's version must
    ///      be the first one's (`Core4MicaBatchVersionMismatch`), and after every item passed,
    ///      e(-G1, aggregateSignature) · e(PK, Σ H(certificate_i)) == 1 under the version's key, else
    ///      `Core4MicaInvalidAggregateSignature`. Consumption and debits are recorded before any transfer; transfers
    ///      then go out once per run of consecutive items with the same (recipient, asset), so a recipient that
    ///      sorts its batch is paid in one transfer per asset.
    /// @param certificates The BLS-signed envelopes, all of one version.
    /// @param aggregateSignature The sum in G2 of the operator's signatures over `certificates`.
    /// @param payerSignatures The payers' signatures, one per certificate, in the same order.
    /// @return guaranteeIds The ids now consumed, in order.
    function remunerateBatch(
        bytes[] calldata certificates,
        BLS.G2Point calldata aggregateSignature,
        bytes[] calldata payerSignatures
    ) external returns (bytes32[] memory guaranteeIds);

    // ---------------------------------------------------------------- views

    /// @notice Verifies a certificate's BLS signature, decodes it and checks its domain; no timing, payer signature
    ///         or registry check. For recipients and tooling.
    function verifyCertificate(
        bytes calldata certificate,
        BLS.G2Point calldata signature
    ) external view returns (Guarantee memory guarantee);

    /// @notice The configuration of guarantee `version` (zeros if never configured).
    function versionConfig(uint64 version) external view returns (VersionConfig memory);

    /// @notice The EIP-712 digest a payer signs for a request with struct hash `requestStructHash`, under the domain
    ///         `{name: "4Mica", version: "1", chainId, verifyingContract: this}`.
    function payerRequestDigest(bytes32 requestStructHash) external view returns (bytes32);

    /// @notice The id of the guarantee a payer signed (docs/protocol.md §2):
    ///         `GuaranteeIds.idOf(requestDomainSeparator(), user, recipient, asset, reqId)`. Only payer-signed fields
    ///         make it, so one payer signature has one id whatever certificate (domain, key, cycle, version) carries
    ///         it.
    function guaranteeIdOf(
        address user,
        address recipient,
        address asset,
        uint256 reqId
    ) external view returns (bytes32);

    /// @notice The ClearingHouse (zero until set).
    function clearingHouse() external view returns (address);
}
