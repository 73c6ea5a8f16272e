// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";

/// @title MockEIP3009Token
/// @notice A USDC-like test token with EIP-3009 `transferWithAuthorization`, the transfer that x402's stock `exact`
///         scheme settles with. EIP-712 domain `{name, version: "2", chainId, verifyingContract: this}` (USDC's
///         version), authorizations checked like Circle's FiatTokenV2_2: ECDSA for accounts without code, ERC-1271
///         otherwise, through OpenZeppelin's SignatureChecker for both overloads.
/// @dev Test and benchmark use only: anyone can mint any amount. No blacklist, pause or proxy, so a settlement costs
///      somewhat less gas here than on USDC itself.
contract MockEIP3009Token is ERC20, EIP712 {
    /// @notice The EIP-3009 struct type hash of TransferWithAuthorization (from, to, value, validAfter, validBefore,
    ///         nonce).
    bytes32 public constant TRANSFER_WITH_AUTHORIZATION_TYPEHASH = keccak256(
        "TransferWithAuthorization(address from,address to,uint256 value,"
        "uint256 validAfter,uint256 validBefore,bytes32 nonce)"
    );

    uint8 private immutable _decimals;
    mapping(address authorizer => mapping(bytes32 nonce => bool used)) private _authorizationUsed;

    /// @notice Emitted when `authorizer`'s authorization `nonce` has been used.
    event AuthorizationUsed(address indexed authorizer, bytes32 indexed nonce);

    /// @notice The authorization is used before its `validAfter` (the block time must be strictly later).
    error MockEIP3009TokenAuthorizationNotYetValid(uint256 validAfter, uint256 timestamp);
    /// @notice The authorization is used at or after its `validBefore`.
    error MockEIP3009TokenAuthorizationExpired(uint256 validBefore, uint256 timestamp);
    /// @notice `authorizer` already used `nonce`.
    error MockEIP3009TokenAuthorizationAlreadyUsed(address authorizer, bytes32 nonce);
    /// @notice The signature is not `from`'s over the authorization.
    error MockEIP3009TokenInvalidSignature(address from);

    constructor(string memory name_, string memory symbol_, uint8 decimals_) ERC20(name_, symbol_) EIP712(name_, "2") {
        _decimals = decimals_;
    }

    /// @notice Mints `amount` to `to`. Anyone may call it.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Moves `value` from `from` to `to` with `from`'s EIP-712 authorization, signed as (v, r, s).
    /// @param from The payer, who signed the authorization.
    /// @param to The payee.
    /// @param value Amount in atomic units.
    /// @param validAfter The authorization is valid only strictly after this unix time.
    /// @param validBefore The authorization is valid only strictly before this unix time.
    /// @param nonce A unique nonce chosen by the payer (any 32 bytes, used once).
    function transferWithAuthorization(
        address from,
        address to,
        uint256 value,
        uint256 validAfter,
        uint256 validBefore,
        bytes32 nonce,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external {
        _transferWithAuthorization(from, to, value, validAfter, validBefore, nonce, abi.encodePacked(r, s, v));
    }

    /// @notice The same with the signature as bytes: 65-byte ECDSA, or anything `from`'s ERC-1271 accepts.
    function transferWithAuthorization(
        address from,
        address to,
        uint256 value,
        uint256 validAfter,
        uint256 validBefore,
        bytes32 nonce,
        bytes calldata signature
    ) external {
        _transferWithAuthorization(from, to, value, validAfter, validBefore, nonce, signature);
    }

    /// @notice Whether `authorizer` has used `nonce`.
    function authorizationState(address authorizer, bytes32 nonce) external view returns (bool) {
        return _authorizationUsed[authorizer][nonce];
    }

    /// @notice The EIP-712 domain separator authorizations are signed under.
    function DOMAIN_SEPARATOR() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    /// @notice The EIP-712 domain version, "2" as on USDC (x402 `exact` reads it into `extra.version`).
    function version() external pure returns (string memory) {
        return "2";
    }

    /// @inheritdoc ERC20
    function decimals() public view override returns (uint8) {
        return _decimals;
    }

    function _transferWithAuthorization(
        address from,
        address to,
        uint256 value,
        uint256 validAfter,
        uint256 validBefore,
        bytes32 nonce,
        bytes memory signature
    ) private {
        if (block.timestamp <= validAfter) revert MockEIP3009TokenAuthorizationNotYetValid(validAfter, block.timestamp);
        if (block.timestamp >= validBefore) revert MockEIP3009TokenAuthorizationExpired(validBefore, block.timestamp);
        if (_authorizationUsed[from][nonce]) revert MockEIP3009TokenAuthorizationAlreadyUsed(from, nonce);
        bytes32 digest = _hashTypedDataV4(
            keccak256(abi.encode(TRANSFER_WITH_AUTHORIZATION_TYPEHASH, from, to, value, validAfter, validBefore, nonce))
        );
        if (!SignatureChecker.isValidSignatureNow(from, digest, signature)) {
            revert MockEIP3009TokenInvalidSignature(from);
        }
        _authorizationUsed[from][nonce] = true;
        emit AuthorizationUsed(from, nonce);
        _transfer(from, to, value);
    }
}
